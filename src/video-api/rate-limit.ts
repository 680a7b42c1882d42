/**
 * A cap on status polls per second to the video service (VIDEO_API_MAX_RPS), shared by every job of the
 * process. Grants are at least 1/rate apart; callers wait their turn, never dropped. Two lines: a `landing`
 * poll (aimed at the moment a job is predicted to finish, or one already overdue) goes before any `routine`
 * one (a progress check), so when the cap binds it thins progress updates, not the moment users get videos.
 */
export type PollPriority = 'landing' | 'routine';

export interface RateLimiter {
  /** Resolves at this caller's turn; rejects if `signal` aborts first (its turn goes to the next caller). */
  acquire(priority?: PollPriority, signal?: AbortSignal): Promise<void>;
  /** About how long a routine caller asking now would wait, in ms. */
  backlogMs(): number;
}

interface Waiter {
  resolve(): void;
  /** Set when the caller gave up: skipped at its turn (cheaper than removing it from a long line). */
  gone: boolean;
}

export function createRateLimiter(perSecond: number, now: () => number = Date.now): RateLimiter {
  if (!(perSecond > 0)) throw new RangeError(`perSecond must be above 0, got ${perSecond}`);
  const intervalMs = 1000 / perSecond;
  const lines: Record<PollPriority, Waiter[]> = { landing: [], routine: [] };
  let waiting = 0;
  let lastGrant = -Infinity;
  let timer: NodeJS.Timeout | undefined;

  function next(): Waiter | undefined {
    for (const line of [lines.landing, lines.routine]) {
      while (line.length > 0) {
        const waiter = line.shift()!;
        if (!waiter.gone) return waiter;
      }
    }
    return undefined;
  }

  function schedule(): void {
    if (timer || waiting === 0) return;
    timer = setTimeout(grant, Math.max(0, lastGrant + intervalMs - now()));
  }

  function grant(): void {
    timer = undefined;
    const waiter = next();
    if (waiter) {
      waiting--;
      lastGrant = now();
      waiter.resolve();
    }
    schedule();
  }

  return {
    acquire(priority = 'routine', signal) {
      if (signal?.aborted) return Promise.reject(reasonOf(signal));
      const t = now();
      if (waiting === 0 && t - lastGrant >= intervalMs) {
        lastGrant = t;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          gone: false,
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          waiter.gone = true;
          waiting--;
          reject(reasonOf(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        lines[priority].push(waiter);
        waiting++;
        schedule();
      });
    },
    backlogMs: () => waiting * intervalMs,
  };
}

function reasonOf(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new Error('aborted');
}
