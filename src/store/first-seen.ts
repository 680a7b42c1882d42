import type { Logger } from '../log.js';
import type { StateStore } from './state.js';

/**
 * "Have we seen this delivery before?" for platform retries: a Slack event, slash command or button press
 * sent again (X-Slack-Retry-Num, or onto another instance behind the load balancer), a Discord interaction
 * seen by two processes. True exactly once per key within `ttlMs`.
 *
 * A mark is one set-if-absent in the state store (`pending:seen:<key>`, the key the embedded stores used
 * before), atomic across every process sharing it. On the embedded stores an in-memory map answers first, so
 * a repeat in this process never reaches the file.
 */
export type FirstSeen = (
  key: string,
  ttlMs: number,
  options?: {
    /**
     * False for a delivery that cannot come back once this process is gone (a Discord interaction, whose
     * acknowledgement was taken here): the embedded stores then keep the mark in memory only, with no write
     * on the command's path. Redis marks are shared either way. Default true.
     */
    acrossRestarts?: boolean;
  },
) => Promise<boolean>;

const markKey = (key: string) => `pending:seen:${key}`;

export function stateFirstSeen(state: StateStore, log: Logger, now: () => number = Date.now): FirstSeen {
  if (state.backend === 'redis') return async (key, ttlMs) => state.setIfAbsent(markKey(key), now(), ttlMs);

  const seen = new Map<string, number>();
  return async (key, ttlMs, options = {}) => {
    const at = now();
    if (seen.size > 10_000) {
      for (const [k, expiresAt] of seen) if (expiresAt < at) seen.delete(k);
    }
    const expiresAt = seen.get(key);
    if (expiresAt !== undefined && expiresAt >= at) return false;
    seen.set(key, at + ttlMs);
    if (options.acrossRestarts === false) return true;
    try {
      return await state.setIfAbsent(markKey(key), at, ttlMs);
    } catch (error) {
      log.warn({ key, err: error }, 'dedupe store unavailable; deduplicating in this process only');
      return true;
    }
  };
}
