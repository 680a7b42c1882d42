import { sleep } from '../util/sleep.js';

/**
 * A cap on requests per second to the video service (VIDEO_API_MAX_RPS), shared by every job of the process.
 * Each caller is given the next free slot, 1/rate s after the previous one, and waits for it: under load the
 * requests are spread out in the order they asked, never dropped, and never more than `perSecond` start in
 * any second. O(1) memory whatever the backlog: only the next free slot is kept.
 */
export interface RateLimiter {
  /** Resolves at this caller's slot; rejects if `signal` aborts first (the slot is then left unused). */
  acquire(signal?: AbortSignal): Promise<void>;
  /** How long a caller asking now would wait, in ms (0 when a slot is free). */
  backlogMs(): number;
}

export function createRateLimiter(perSecond: number, now: () => number = Date.now): RateLimiter {
  if (!(perSecond > 0)) throw new RangeError(`perSecond must be above 0, got ${perSecond}`);
  const intervalMs = 1000 / perSecond;
  let nextSlot = 0;
  return {
    async acquire(signal) {
      const t = now();
      const slot = Math.max(t, nextSlot);
      nextSlot = slot + intervalMs;
      if (slot > t) await sleep(slot - t, signal);
    },
    backlogMs: () => Math.max(0, nextSlot - now()),
  };
}
