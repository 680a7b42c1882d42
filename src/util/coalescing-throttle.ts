/**
 * Sends at most one update per interval, always the latest: intermediate states are dropped, never queued,
 * and at most one send is in flight. `flush` waits for the pending one (before a final message replaces it).
 * Platform rate limits are per message; this keeps a job's edits well under them without a queue growing.
 */
export function createCoalescingThrottle<T>(
  intervalMs: number | (() => number),
  send: (value: T) => Promise<void>,
) {
  const interval = typeof intervalMs === 'number' ? () => intervalMs : intervalMs;
  let pending: { value: T } | undefined;
  let lastSentAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  async function run(): Promise<void> {
    timer = undefined;
    if (!pending || closed) return;
    const { value } = pending;
    pending = undefined;
    inFlight = send(value).catch(() => undefined);
    await inFlight;
    // Spaced from when the last send finished, so a slow platform call cannot bunch the next one up behind it.
    lastSentAt = Date.now();
    inFlight = undefined;
    if (pending) schedule();
  }

  function schedule(): void {
    if (timer || inFlight || closed) return;
    const wait = Math.max(0, lastSentAt + interval() - Date.now());
    timer = setTimeout(() => void run(), wait);
  }

  return {
    push(value: T): void {
      if (closed) return;
      pending = { value };
      schedule();
    },
    /** A send made outside the throttle (a job's first message, posted and awaited) spaces the next one too. */
    markSent(): void {
      lastSentAt = Date.now();
    },
    /** Drops anything not yet sent and waits for a send in flight; later pushes are ignored. */
    async close(): Promise<void> {
      closed = true;
      pending = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
