import { randomUUID } from 'node:crypto';
import KeyvSqlite from '@keyv/sqlite';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log.js';
import { sleep } from '../util/sleep.js';
import { decodeStored, encodeStored, expiresAtFor, isLive } from './keyv-format.js';
import { createKeyvBatcher } from './sqlite-batch.js';
import { sqliteFileLock } from './sqlite-lock.js';
import { checkStateKey, checkTtl, type StateEntry, type StateLock, type StateStore } from './state.js';
import { ensureSqliteFile } from './store-url.js';

/**
 * State in the bot's SQLite file, on one connection per process that @keyv/sqlite opens; values stay in
 * keyv's `keyv` table (`namespace:rest` keys, keyv's envelope: see keyv-format.ts), so a file written before
 * reads the same. Leases live in a table of their own. Every process sharing the file (DISCORD_SHARDS, the
 * operator CLI) sees the same values and leases, because each decision is one statement:
 * - set-if-absent and acquire are one `INSERT … ON CONFLICT DO UPDATE … WHERE <expired> RETURNING`, so of
 *   many writers exactly one gets a row back;
 * - extend and release match the holder's token in their WHERE clause.
 * Statements of this process queue on the file's AsyncLock first (see sqlite-lock.ts).
 */

const BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_RETRIES = 8;
const PRUNE_INTERVAL_MS = 10 * 60_000;

const LOCK_TABLE = `CREATE TABLE IF NOT EXISTS state_locks (
  key TEXT PRIMARY KEY,
  token TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID`;

/** An expired envelope, or text that is no envelope at all (it reads as absent, so it may be replaced). */
const EXPIRED_VALUE = `(NOT json_valid(keyv.value) OR json_extract(keyv.value, '$.expires') <= ?)`;

const entryRows = z.array(z.object({ key: z.string(), value: z.string().nullable() }));
const anyRows = z.array(z.unknown());

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export async function openSqliteState(
  path: string,
  options: { logger?: Logger; now?: () => number } = {},
): Promise<StateStore> {
  const logger = options.logger ?? silentLogger();
  const now = options.now ?? Date.now;
  ensureSqliteFile(path);
  const store = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: BUSY_TIMEOUT_MS });
  // The adapter reports a failed connection as an 'error' event as well as a rejected query.
  store.on('error', () => undefined);
  const fileLock = sqliteFileLock(path);
  let lastPrune = 0;

  /** One statement, retried while SQLite is busy; the caller holds the file's lock. */
  async function statement(sql: string, parameters: Array<string | number>): Promise<unknown[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return anyRows.parse(await store.query(sql, ...parameters));
      } catch (error) {
        if (!isBusy(error) || attempt >= MAX_BUSY_RETRIES) throw error;
        const delayMs = 10 + Math.floor(Math.random() * 40 * (attempt + 1));
        logger.warn({ attempt: attempt + 1, delayMs }, 'state store: SQLite busy, retrying');
        await sleep(delayMs);
      }
    }
  }

  function query(sql: string, ...parameters: Array<string | number>): Promise<unknown[]> {
    return fileLock.run(() => statement(sql, parameters));
  }

  // Plain reads and writes, the bulk of a burst's statements, go together (sqlite-batch.ts).
  const batch = createKeyvBatcher(fileLock, statement, (rows) => entryRows.parse(rows));

  /** Expired rows are never read, only skipped; remove them now and then, off the caller's path. */
  function maybePrune(): void {
    const at = now();
    if (at - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = at;
    Promise.all([
      query(`DELETE FROM keyv WHERE json_valid(value) AND json_extract(value, '$.expires') <= ?`, at),
      query('DELETE FROM state_locks WHERE expires_at <= ?', at),
    ]).catch((error: unknown) => logger.warn({ err: error }, 'state store: prune failed'));
  }

  try {
    // WAL is a property of the file (the quota ledger asks for it too): readers never wait for a writer.
    await query('PRAGMA journal_mode = WAL');
    // As the quota ledger's connection: in WAL mode NORMAL cannot corrupt the file, and commits do not wait
    // for a disk flush each; a power cut (not a crash of the process) may lose the last few writes.
    await query('PRAGMA synchronous = NORMAL');
    await query(LOCK_TABLE);
  } catch (error) {
    await store.disconnect().catch(() => undefined);
    throw error;
  }
  maybePrune();

  function live(raw: string | null | undefined): unknown {
    if (raw === undefined || raw === null) return undefined;
    const stored = decodeStored(raw);
    return stored !== undefined && isLive(stored, now()) ? stored.value : undefined;
  }

  return {
    backend: 'sqlite',
    async get(key) {
      const [raw] = await batch.read([checkStateKey(key)]);
      return live(raw);
    },

    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await batch.read(keys.map(checkStateKey))).map(live);
    },

    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      await batch.write(checkStateKey(key), encodeStored(value, expiresAtFor(ttlMs, now())));
      maybePrune();
    },

    async delete(key) {
      await query('DELETE FROM keyv WHERE key = ?', checkStateKey(key));
    },

    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      const at = now();
      const rows = await query(
        `INSERT INTO keyv (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE ${EXPIRED_VALUE}
         RETURNING key`,
        checkStateKey(key),
        encodeStored(value, expiresAtFor(ttlMs, at)),
        at,
      );
      maybePrune();
      return rows.length === 1;
    },

    async acquireLock(key, ttlMs): Promise<StateLock | null> {
      checkTtl(ttlMs);
      const token = randomUUID();
      const at = now();
      const rows = await query(
        `INSERT INTO state_locks (key, token, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
         WHERE state_locks.expires_at <= ?
         RETURNING key`,
        key,
        token,
        at + ttlMs,
        at,
      );
      return rows.length === 1 ? { key, token } : null;
    },

    async extendLock(lock, ttlMs) {
      checkTtl(ttlMs);
      const at = now();
      const rows = await query(
        'UPDATE state_locks SET expires_at = ? WHERE key = ? AND token = ? AND expires_at > ? RETURNING key',
        at + ttlMs,
        lock.key,
        lock.token,
        at,
      );
      return rows.length === 1;
    },

    async releaseLock(lock) {
      await query('DELETE FROM state_locks WHERE key = ? AND token = ?', lock.key, lock.token);
    },

    async list(prefix) {
      const rows = entryRows.parse(
        await query('SELECT key, value FROM keyv WHERE substr(key, 1, ?) = ?', [...prefix].length, prefix),
      );
      const at = now();
      const out: StateEntry[] = [];
      for (const row of rows) {
        const stored = row.value === null ? undefined : decodeStored(row.value);
        if (stored !== undefined && isLive(stored, at)) out.push({ key: row.key, value: stored.value });
      }
      return out;
    },

    async close() {
      await store.disconnect();
    },
  };
}
