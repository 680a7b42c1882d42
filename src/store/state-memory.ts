import { randomUUID } from 'node:crypto';
import { decodeStored, encodeStored, expiresAtFor, isLive } from './keyv-format.js';
import { checkStateKey, checkTtl, type StateEntry, type StateLock, type StateStore } from './state.js';

/**
 * State in this process only (`memory://`, tests). Values are kept in their stored (JSON) form, so what comes
 * back is a copy with the same JSON semantics as the shared backends.
 */
export function createMemoryState(now: () => number = Date.now): StateStore {
  const values = new Map<string, string>();
  const locks = new Map<string, { token: string; expiresAt: number }>();

  function read(key: string): unknown {
    const raw = values.get(key);
    if (raw === undefined) return undefined;
    const stored = decodeStored(raw);
    if (stored === undefined || !isLive(stored, now())) {
      values.delete(key);
      return undefined;
    }
    return stored.value;
  }

  function heldLock(key: string) {
    const held = locks.get(key);
    if (held !== undefined && held.expiresAt <= now()) {
      locks.delete(key);
      return undefined;
    }
    return held;
  }

  return {
    backend: 'memory',
    async get(key) {
      return read(checkStateKey(key));
    },
    async getMany(keys) {
      return keys.map((key) => read(checkStateKey(key)));
    },
    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      values.set(checkStateKey(key), encodeStored(value, expiresAtFor(ttlMs, now())));
    },
    async delete(key) {
      values.delete(checkStateKey(key));
    },
    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      if (read(checkStateKey(key)) !== undefined) return false;
      values.set(key, encodeStored(value, expiresAtFor(ttlMs, now())));
      return true;
    },
    async acquireLock(key, ttlMs): Promise<StateLock | null> {
      checkTtl(ttlMs);
      if (heldLock(key) !== undefined) return null;
      const token = randomUUID();
      locks.set(key, { token, expiresAt: now() + ttlMs });
      return { key, token };
    },
    async extendLock(lock, ttlMs) {
      checkTtl(ttlMs);
      const held = heldLock(lock.key);
      if (held?.token !== lock.token) return false;
      held.expiresAt = now() + ttlMs;
      return true;
    },
    async releaseLock(lock) {
      if (heldLock(lock.key)?.token === lock.token) locks.delete(lock.key);
    },
    async list(prefix) {
      const out: StateEntry[] = [];
      for (const key of [...values.keys()]) {
        if (!key.startsWith(prefix)) continue;
        const value = read(key);
        if (value !== undefined) out.push({ key, value });
      }
      return out;
    },
    async close() {
      values.clear();
      locks.clear();
    },
  };
}
