import type { Logger } from '../log.js';
import { settleWithin } from '../util/sleep.js';

/**
 * Jobs an adapter started and has not seen finish, so shutdown can wait for them a little. Anything still
 * running when the grace period ends keeps its record and is resumed by the next start.
 */
export function createInFlightTracker(log: Logger) {
  const running = new Set<Promise<unknown>>();
  return {
    track(promise: Promise<unknown>): void {
      // One reaction, not a catch and then a finally: each job in flight holds what its tracking allocates.
      const settled: Promise<void> = promise.then(
        () => void running.delete(settled),
        (error: unknown) => {
          running.delete(settled);
          log.error({ err: error }, 'job handler crashed');
        },
      );
      running.add(settled);
    },
    drain: (graceMs: number): Promise<void> => settleWithin([...running], graceMs),
  };
}
