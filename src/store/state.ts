import { text } from '../i18n/text.js';
import { BotError } from '../errors.js';
import { sleep } from '../util/sleep.js';

/**
 * The bot's one state interface: job records, space settings, quota overrides, short-lived `pending:` items and
 * first-seen marks all live here (the quota ledger keeps its own interface). One backend per file: memory
 * (tests), SQLite (the default; shared by every process on the file) and Redis (shared by every process).
 *
 * Keys are `namespace:rest` (`job:…`, `cfg:…`, `pending:…`, `space:…`). Values are JSON; what comes back has
 * been through JSON, so callers validate it (zod) before use. A TTL makes a key disappear for every reader
 * once it has passed.
 */
export interface StateStore {
  readonly backend: 'memory' | 'sqlite' | 'redis';
  get(key: string): Promise<unknown>;
  /** Several values in one round trip, in the order of `keys` (undefined where absent or expired). */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Writes only when the key is absent (or expired); true for exactly one of many concurrent callers. */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** An exclusive lease on `key` (a name of its own, apart from the values) for `ttlMs`, or null if held. */
  acquireLock(key: string, ttlMs: number): Promise<StateLock | null>;
  /** Pushes the lease out to `ttlMs` from now; false when it has expired or was taken by someone else. */
  extendLock(lock: StateLock, ttlMs: number): Promise<boolean>;
  /** Gives the lease back; does nothing when it is no longer the holder's. */
  releaseLock(lock: StateLock): Promise<void>;
  /** Every live entry whose key starts with `prefix`, in no particular order. */
  list(prefix: string): Promise<StateEntry[]>;
  close(): Promise<void>;
}

export interface StateLock {
  readonly key: string;
  /** Only the holder knows it: extend and release check it, so a lease that ran out cannot be freed twice. */
  readonly token: string;
}

export interface StateEntry {
  key: string;
  value: unknown;
}

/** A key needs a namespace: the Redis backend keeps keyv's `namespace::rest` layout and places it by that. */
export function checkStateKey(key: string): string {
  if (key.indexOf(':') < 1) throw new RangeError(`state key "${key}" must look like namespace:rest`);
  return key;
}

export function checkTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && (!Number.isFinite(ttlMs) || ttlMs <= 0))
    throw new RangeError(`state TTL must be a positive number of milliseconds (got ${ttlMs})`);
}

export interface WithLockOptions {
  /** How long to keep trying before giving up with a "busy" BotError. */
  waitMs?: number;
  retryMs?: number;
}

/**
 * Runs `section` holding the lock on `key`, waiting up to `waitMs` for it. `section` must finish well within
 * `ttlMs`: the lease is not renewed, so a section that runs longer may overlap the next holder.
 */
export async function withLock<T>(
  state: StateStore,
  key: string,
  ttlMs: number,
  section: () => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 10_000;
  const retryMs = options.retryMs ?? 20;
  const giveUpAt = Date.now() + waitMs;
  let lock = await state.acquireLock(key, ttlMs);
  while (lock === null) {
    if (Date.now() >= giveUpAt) {
      throw new BotError('transient', `state lock ${key} still held after ${waitMs} ms`, {
        userMessage: text('core.store.busy'),
      });
    }
    // Jitter, so waiters in several processes do not retry in lockstep.
    await sleep(retryMs / 2 + Math.random() * retryMs);
    lock = await state.acquireLock(key, ttlMs);
  }
  try {
    return await section();
  } finally {
    await state.releaseLock(lock);
  }
}

/** A namespace of the store seen on its own: keys are given without `namespace:`. */
export interface StateNamespace {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export function stateNamespace(state: StateStore, namespace: string): StateNamespace {
  return {
    get: (key) => state.get(`${namespace}:${key}`),
    set: (key, value, ttlMs) => state.set(`${namespace}:${key}`, value, ttlMs),
    delete: (key) => state.delete(`${namespace}:${key}`),
  };
}
