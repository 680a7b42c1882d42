import type { Redis } from 'ioredis';
import type Keyv from 'keyv';
import type { Logger } from '../log.js';

/**
 * "Have we seen this delivery before?" for platform retries: a Slack event, slash command or button press
 * sent again (X-Slack-Retry-Num, or onto another instance behind the load balancer), a Discord interaction
 * seen by two processes. True exactly once per key within `ttlMs`.
 *
 * On Redis it is one SET NX PX, atomic across every bot process. On the embedded stores (one process) an
 * in-memory map decides, and the mark is also written to keyv so it holds across a restart.
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

export function redisFirstSeen(redis: Redis, prefix: string): FirstSeen {
  return async (key, ttlMs) => (await redis.set(`${prefix}${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
}

export function localFirstSeen(keyv: Keyv<unknown>, log: Logger): FirstSeen {
  const seen = new Map<string, number>();
  return async (key, ttlMs, options = {}) => {
    const now = Date.now();
    if (seen.size > 10_000) {
      for (const [k, expiresAt] of seen) if (expiresAt < now) seen.delete(k);
    }
    const expiresAt = seen.get(key);
    if (expiresAt !== undefined && expiresAt >= now) return false;
    seen.set(key, now + ttlMs);
    if (options.acrossRestarts === false) return true;
    const stored = `seen:${key}`;
    try {
      if ((await keyv.get(stored)) !== undefined) return false;
      await keyv.set(stored, now, ttlMs);
    } catch (error) {
      log.warn({ key, err: error }, 'dedupe store unavailable; deduplicating in this process only');
    }
    return true;
  };
}
