/**
 * Sends at most one update per interval, always the latest: intermediate states are dropped, never queued,
 * and at most one send is in flight. `close` drops what is pending and waits for the send in flight (before a
 * final message replaces it).
 * Platform rate limits are per message; this keeps a job's edits well under them without a queue growing.
 *
 * A class, not closures: every job in flight holds one for minutes, and its methods are then shared.
 */
class CoalescingThrottle<T> {
  readonly #interval: () => number;
  readonly #send: (value: T) => Promise<void>;
  #pending: { value: T } | undefined;
  #lastSentAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #closed = false;

  constructor(interval: () => number, send: (value: T) => Promise<void>) {
    this.#interval = interval;
    this.#send = send;
  }

  push(value: T): void {
    if (this.#closed) return;
    this.#pending = { value };
    this.#schedule();
  }

  /** A send made outside the throttle (a job's first message, posted and awaited) spaces the next one too. */
  markSent(): void {
    this.#lastSentAt = Date.now();
  }

  /** Drops anything not yet sent and waits for a send in flight; later pushes are ignored. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    if (!this.#pending || this.#closed) return;
    const { value } = this.#pending;
    this.#pending = undefined;
    this.#inFlight = this.#send(value).catch(() => undefined);
    await this.#inFlight;
    // Spaced from when the last send finished, so a slow platform call cannot bunch the next one up behind it.
    this.#lastSentAt = Date.now();
    this.#inFlight = undefined;
    if (this.#pending) this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#inFlight || this.#closed) return;
    const wait = Math.max(0, this.#lastSentAt + this.#interval() - Date.now());
    this.#timer = setTimeout(() => void this.#run(), wait);
  }
}

export type { CoalescingThrottle };

export function createCoalescingThrottle<T>(
  intervalMs: number | (() => number),
  send: (value: T) => Promise<void>,
): CoalescingThrottle<T> {
  return new CoalescingThrottle(typeof intervalMs === 'number' ? () => intervalMs : intervalMs, send);
}
