import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decodeStored, encodeStored, expiresAtFor, isLive } from './keyv-format.js';
import { checkStateKey, checkTtl, type StateEntry, type StateLock, type StateStore } from './state.js';

/**
 * State in Redis, on the process's one ioredis client (the caller owns it and closes it).
 *
 * Values keep the layout @keyv/redis wrote before: the key `job:abc` is stored as `job::abc` (keyv's
 * namespace separator) holding keyv's envelope with a PX TTL, so a keyspace written before reads the same.
 * That doubled colon also keeps state apart from everything else in the database (BullMQ, the quota ledger,
 * leases), whose names never have one there. Leases are `state-lock:<key>` holding the owner's token.
 */

const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

const SCAN_COUNT = 500;

/** `job:abc` → `job::abc`. */
export function redisStateKey(key: string): string {
  const colon = checkStateKey(key).indexOf(':');
  return `${key.slice(0, colon)}:${key.slice(colon)}`;
}

/** `job::abc` → `job:abc`; undefined for a Redis key that is not a state value. */
function stateKeyOf(redisKey: string): string | undefined {
  const colon = redisKey.indexOf(':');
  if (colon < 1 || redisKey[colon + 1] !== ':') return undefined;
  return redisKey.slice(0, colon) + redisKey.slice(colon + 1);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export function createRedisState(redis: Redis, now: () => number = Date.now): StateStore {
  const lockKey = (key: string) => `state-lock:${key}`;

  function decodeLive(raw: string | null): unknown {
    if (raw === null) return undefined;
    const stored = decodeStored(raw);
    return stored !== undefined && isLive(stored, now()) ? stored.value : undefined;
  }

  return {
    backend: 'redis',
    async get(key) {
      return decodeLive(await redis.get(redisStateKey(key)));
    },

    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await redis.mget(keys.map(redisStateKey))).map(decodeLive);
    },

    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      const encoded = encodeStored(value, expiresAtFor(ttlMs, now()));
      if (ttlMs === undefined) await redis.set(redisStateKey(key), encoded);
      else await redis.set(redisStateKey(key), encoded, 'PX', Math.ceil(ttlMs));
    },

    async delete(key) {
      await redis.del(redisStateKey(key));
    },

    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      const encoded = encodeStored(value, expiresAtFor(ttlMs, now()));
      return (await redis.set(redisStateKey(key), encoded, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK';
    },

    async acquireLock(key, ttlMs): Promise<StateLock | null> {
      checkTtl(ttlMs);
      const token = randomUUID();
      const reply = await redis.set(lockKey(key), token, 'PX', Math.ceil(ttlMs), 'NX');
      return reply === 'OK' ? { key, token } : null;
    },

    async extendLock(lock, ttlMs) {
      checkTtl(ttlMs);
      return (await redis.eval(EXTEND, 1, lockKey(lock.key), lock.token, String(Math.ceil(ttlMs)))) === 1;
    },

    async releaseLock(lock) {
      await redis.eval(RELEASE, 1, lockKey(lock.key), lock.token);
    },

    async list(prefix) {
      // A prefix inside the namespace maps onto the stored names; a shorter one matches any namespace it starts.
      const pattern = prefix.includes(':')
        ? `${escapeGlob(redisStateKey(prefix))}*`
        : `${escapeGlob(prefix)}*::*`;
      const seen = new Set<string>();
      const out: StateEntry[] = [];
      let cursor = '0';
      do {
        const [next, redisKeys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        const fresh = redisKeys.filter((k) => {
          const key = stateKeyOf(k);
          return key !== undefined && key.startsWith(prefix) && !seen.has(k);
        });
        if (fresh.length === 0) continue;
        for (const k of fresh) seen.add(k);
        const raws = await redis.mget(...fresh);
        fresh.forEach((k, i) => {
          const value = decodeLive(raws[i] ?? null);
          const key = stateKeyOf(k);
          if (value !== undefined && key !== undefined) out.push({ key, value });
        });
      } while (cursor !== '0');
      return out;
    },

    async close() {
      // The client is the process's, shared with BullMQ and the ledger: whoever opened it closes it.
    },
  };
}
