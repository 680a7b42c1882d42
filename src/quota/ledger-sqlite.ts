import sqlite3 from 'sqlite3';
import { silentLogger, type Logger } from '../log.js';
import { sqliteFileLock } from '../store/sqlite-lock.js';
import { ensureSqliteFile } from '../store/store-url.js';
import { sleep } from '../util/sleep.js';
import {
  counterKey,
  RESERVATION_RETENTION_MS,
  validateReserveRequest,
  type LedgerCharge,
  type QuotaLedger,
  type QuotaLedgerOptions,
  type ReservationRecord,
  type ReservationState,
  type ReserveRequest,
  type ReserveResult,
} from './ledger.js';

/**
 * The ledger in the bot's SQLite file, next to keyv's `keyv` table, on a connection of its own.
 *
 * - WAL mode and a busy timeout, so the operator CLI (another process) can write while the bot runs.
 * - Every write that reads first runs in `BEGIN IMMEDIATE … COMMIT`: the write lock is taken before the
 *   read, so two processes can never both see "4 of 5 used" and both reserve. Single-statement operations
 *   (commit, reset) are atomic by themselves and run in autocommit mode; reads take no write lock.
 * - One connection cannot nest transactions, and node-sqlite3 would otherwise interleave statements of
 *   concurrent calls, so every operation runs under an in-process async mutex.
 * - SQLITE_BUSY (the busy timeout ran out under heavy contention) is retried with a short random backoff.
 * - Reservations asked for while the file is busy (a burst of commands) are decided together, in the order
 *   asked, in one transaction of a few statements (`reserveAll`), not one transaction each.
 *
 * - A reservation's first counter sits in its own row of `quota_reservations`, as it did before reservations
 *   charged several, so records written by older versions read (and refund) the same; its second and later
 *   counters are rows of `quota_reservation_charges` (idx 1, 2, ...), written in the same transaction.
 *
 * Past 300 lines because each operation's SQL sits beside the transaction that guards it; split apart,
 * the atomicity argument above would have to be read across files.
 */

const BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_RETRIES = 8;
const PRUNE_INTERVAL_MS = 10 * 60_000;
/**
 * Reservations decided in one transaction at most: bounds its statements' parameters (≤ 4,000 with
 * MAX_CHARGES counters each, well under SQLite's 32,766) and how long it holds the file.
 */
const MAX_RESERVE_BATCH = 100;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS quota_usage (
  scope TEXT NOT NULL,
  win TEXT NOT NULL,
  used INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, win)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quota_reservations (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  win TEXT NOT NULL,
  cost INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'refunded')),
  epoch INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  retain_until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quota_reservations_pending ON quota_reservations (created_at) WHERE state = 'reserved';
CREATE INDEX IF NOT EXISTS quota_reservations_retain ON quota_reservations (retain_until);
CREATE TABLE IF NOT EXISTS quota_reservation_charges (
  id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  scope TEXT NOT NULL,
  win TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  PRIMARY KEY (id, idx)
) WITHOUT ROWID;
`;

type SqlValue = string | number | null;
type Row = Record<string, unknown>;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function num(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new Error(`quota ledger: column ${column} is not a number`);
  return value;
}

function str(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`quota ledger: column ${column} is not text`);
  return value;
}

type Charge = ReservationRecord['charges'][number];

/** A reservation row plus its second and later counters (rows of quota_reservation_charges, in order). */
function toRecord(row: Row, more: readonly Charge[]): ReservationRecord {
  return {
    reservationId: str(row, 'id'),
    charges: [{ scope: str(row, 'scope'), window: str(row, 'win') }, ...more],
    cost: num(row, 'cost'),
    state: str(row, 'state') as ReservationState,
    createdAt: num(row, 'created_at'),
  };
}

class Connection {
  private readonly statements = new Map<string, sqlite3.Statement>();
  constructor(private readonly db: sqlite3.Database) {}

  static open(path: string): Promise<Connection> {
    return new Promise((resolvePromise, reject) => {
      const db = new sqlite3.Database(path, (error) => {
        if (error) reject(error);
        else resolvePromise(new Connection(db));
      });
    });
  }

  configureBusyTimeout(ms: number): void {
    this.db.configure('busyTimeout', ms);
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      this.db.exec(sql, (error) => (error ? reject(error) : resolvePromise()));
    });
  }

  /** The ledger runs a handful of statements over and over: each is prepared once and kept. */
  private statement(sql: string): sqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A statement that failed (even to prepare, e.g. on SQLITE_BUSY) is dropped and prepared afresh next time. */
  private forget(sql: string): void {
    const statement = this.statements.get(sql);
    this.statements.delete(sql);
    statement?.finalize(() => undefined);
  }

  /** Runs a write; resolves with the number of rows it changed. */
  run(sql: string, params: readonly SqlValue[]): Promise<number> {
    return new Promise((resolvePromise, reject) => {
      const forget = () => this.forget(sql);
      this.statement(sql).run(params, function (error) {
        if (error) {
          forget();
          reject(error);
        } else resolvePromise(this.changes);
      });
    });
  }

  /** Every row; `all` steps the statement to its end, so it never holds a read snapshot open. */
  all(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
    return new Promise((resolvePromise, reject) => {
      this.statement(sql).all<Row>(params, (error, rows) => {
        if (error) {
          this.forget(sql);
          reject(error);
        } else resolvePromise(rows);
      });
    });
  }

  async first(sql: string, params: readonly SqlValue[]): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  async close(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((s) => new Promise<void>((done) => s.finalize(() => done()))));
    return new Promise((resolvePromise, reject) => {
      this.db.close((error) => (error ? reject(error) : resolvePromise()));
    });
  }
}

export async function openSqliteLedger(path: string, options: QuotaLedgerOptions = {}): Promise<QuotaLedger> {
  const logger: Logger = options.logger ?? silentLogger();
  const inMemory = path === ':memory:' || path.startsWith('file:');
  if (!inMemory) ensureSqliteFile(path);

  const conn = await Connection.open(path);
  // Shared with the keyv namespaces on the same file (see sqlite-lock.ts).
  const mutex = sqliteFileLock(path);
  let closed = false;
  let lastPrune = 0;

  /** Runs `work` under the mutex, retrying the whole of it when SQLite stays busy. */
  function locked<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('quota ledger is closed'));
    return mutex.run(async () => {
      if (closed) throw new Error('quota ledger is closed');
      for (let attempt = 0; ; attempt++) {
        try {
          return await work();
        } catch (error) {
          if (!isBusy(error) || attempt >= MAX_BUSY_RETRIES) throw error;
          const delayMs = 10 + Math.floor(Math.random() * 40 * (attempt + 1));
          logger.warn({ what, attempt: attempt + 1, delayMs }, 'quota ledger: SQLite busy, retrying');
          await sleep(delayMs);
        }
      }
    });
  }

  /** `BEGIN IMMEDIATE … COMMIT` around `body`; rolls back when anything fails. */
  function transaction<T>(what: string, body: () => Promise<T>): Promise<T> {
    const result = locked(what, async () => {
      await conn.run('BEGIN IMMEDIATE', []);
      try {
        const value = await body();
        await conn.run('COMMIT', []);
        return value;
      } catch (error) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    maybePrune();
    return result;
  }

  /** Deletes expired counters and reservation records, at most every ten minutes, off the caller's path. */
  function maybePrune(): void {
    const now = Date.now();
    if (now - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = now;
    locked('prune', async () => {
      const usage = await conn.run('DELETE FROM quota_usage WHERE expires_at <= ?', [now]);
      const reservations = await conn.run('DELETE FROM quota_reservations WHERE retain_until <= ?', [now]);
      await conn.run(
        `DELETE FROM quota_reservation_charges
           WHERE NOT EXISTS (SELECT 1 FROM quota_reservations r WHERE r.id = quota_reservation_charges.id)`,
        [],
      );
      if (usage + reservations > 0)
        logger.debug({ usage, reservations }, 'quota ledger: pruned expired rows');
    }).catch((error: unknown) => logger.warn({ err: error }, 'quota ledger: prune failed'));
  }

  conn.configureBusyTimeout(BUSY_TIMEOUT_MS);
  try {
    await locked('open', async () => {
      // WAL is a property of the file: once set it stays set, for keyv's connection too.
      const rows = await conn.all('PRAGMA journal_mode = WAL', []);
      const mode = rows[0]?.journal_mode;
      if (mode !== 'wal' && !inMemory)
        logger.warn({ mode }, 'quota ledger: could not switch SQLite to WAL mode');
      // In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last few transactions.
      await conn.exec('PRAGMA synchronous = NORMAL');
      await conn.exec('BEGIN IMMEDIATE');
      try {
        await conn.exec(`${SCHEMA} COMMIT;`);
      } catch (error) {
        await conn.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    await conn.close().catch(() => undefined);
    throw error;
  }

  async function currentUsed(scope: string, window: string, now: number): Promise<number> {
    const row = await conn.first(
      'SELECT used FROM quota_usage WHERE scope = ? AND win = ? AND expires_at > ?',
      [scope, window, now],
    );
    return row === undefined ? 0 : num(row, 'used');
  }

  /** The second and later counters of the reservations `where` selects (`r` is quota_reservations), by id. */
  async function moreCharges(where: string, params: readonly SqlValue[]): Promise<Map<string, Charge[]>> {
    const rows = await conn.all(
      `SELECT c.id, c.scope, c.win FROM quota_reservation_charges c JOIN quota_reservations r ON r.id = c.id
         WHERE ${where} ORDER BY c.id, c.idx`,
      params,
    );
    const byId = new Map<string, Charge[]>();
    for (const row of rows) {
      const id = str(row, 'id');
      byId.set(id, [...(byId.get(id) ?? []), { scope: str(row, 'scope'), window: str(row, 'win') }]);
    }
    return byId;
  }

  /** A counter as a batch of reservations sees it: its usage so far, and what the batch adds to it. */
  interface BatchCounter {
    scope: string;
    window: string;
    used: number;
    added: number;
    expiresAt: number;
  }

  /**
   * Decides a batch of reservations in the order they were asked, exactly as one after another would, in four
   * statements however many there are (inside the caller's transaction): one read of the reservations that
   * exist already and of every counter; one upsert adding each counter's share (a live counter keeps its epoch
   * and adds; a new one, or an expired one not yet pruned, starts an epoch above any the old row had, holding
   * the batch's share alone); one insert of the reservations and one of their second and later counters.
   * Under a burst each statement waits its turn on the file and its answer waits for the main thread:
   * bench:e2e traced 100 commands at once queuing ~200 ms on reservations taken one at a time.
   */
  async function reserveAll(batch: readonly ReserveRequest[]): Promise<ReserveResult[]> {
    const now = Date.now();
    const counters = new Map<string, BatchCounter>();
    for (const request of batch) {
      for (const c of request.charges) {
        const key = counterKey(c.scope, c.window);
        if (!counters.has(key))
          counters.set(key, { scope: c.scope, window: c.window, used: 0, added: 0, expiresAt: 0 });
      }
    }
    const ids = [...new Set(batch.map((r) => r.reservationId))];
    const all = [...counters.values()];
    const rows = await conn.all(
      `SELECT 'reservation' AS kind, id AS a, state AS b, NULL AS used, NULL AS expires_at
         FROM quota_reservations WHERE id IN (${ids.map(() => '?').join(', ')})
       UNION ALL
       SELECT 'counter', scope, win, used, expires_at FROM quota_usage
         WHERE (scope, win) IN (VALUES ${all.map(() => '(?, ?)').join(', ')})`,
      [...ids, ...all.flatMap((c) => [c.scope, c.window])],
    );
    const states = new Map<string, string>();
    for (const row of rows) {
      if (row.kind === 'reservation') {
        states.set(str(row, 'a'), str(row, 'b'));
        continue;
      }
      // Its usage counts only while it has not expired; its epoch outlives that (see the upsert).
      const counter = counters.get(counterKey(str(row, 'a'), str(row, 'b')));
      if (counter && num(row, 'expires_at') > now) counter.used = num(row, 'used');
    }
    const counterOf = (c: LedgerCharge): BatchCounter => {
      const counter = counters.get(counterKey(c.scope, c.window));
      if (!counter) throw new Error(`quota ledger: counter ${c.scope} ${c.window} not read`);
      return counter;
    };

    const granted: ReserveRequest[] = [];
    const results = batch.map((request): ReserveResult => {
      const mine = request.charges.map(counterOf);
      const current = mine.map((c) => c.used);
      const existing = states.get(request.reservationId);
      if (existing !== undefined) return { ok: existing !== 'refunded', used: current };
      // Every counter is checked before any is charged: all or none.
      if (request.charges.some((c, i) => (current[i] ?? 0) + request.cost > c.limit))
        return { ok: false, used: current };
      for (const c of mine) {
        c.used += request.cost;
        c.added += request.cost;
        c.expiresAt = Math.max(c.expiresAt, request.expiresAt);
      }
      states.set(request.reservationId, 'reserved');
      granted.push(request);
      return { ok: true, used: mine.map((c) => c.used) };
    });
    if (granted.length === 0) return results;

    const charged = all.filter((c) => c.added > 0);
    const epochRows = await conn.all(
      `INSERT INTO quota_usage (scope, win, used, epoch, expires_at)
         VALUES ${charged.map(() => '(?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (scope, win) DO UPDATE SET
           used = CASE WHEN quota_usage.expires_at > ? THEN quota_usage.used + excluded.used ELSE excluded.used END,
           epoch = CASE WHEN quota_usage.expires_at > ? THEN quota_usage.epoch
                        ELSE max(excluded.epoch, quota_usage.epoch + 1) END,
           expires_at = CASE WHEN quota_usage.expires_at > ? THEN max(quota_usage.expires_at, excluded.expires_at)
                             ELSE excluded.expires_at END
         RETURNING scope, win, epoch`,
      [...charged.flatMap((c) => [c.scope, c.window, c.added, now, c.expiresAt]), now, now, now],
    );
    // RETURNING gives rows in no promised order.
    const epochs = new Map(
      epochRows.map((row) => [counterKey(str(row, 'scope'), str(row, 'win')), num(row, 'epoch')]),
    );
    const epochOf = (c: LedgerCharge): number => {
      const epoch = epochs.get(counterKey(c.scope, c.window));
      if (epoch === undefined) throw new Error(`quota ledger: no epoch for ${c.scope} ${c.window}`);
      return epoch;
    };
    await conn.run(
      `INSERT INTO quota_reservations (id, scope, win, cost, state, epoch, created_at, retain_until)
         VALUES ${granted.map(() => "(?, ?, ?, ?, 'reserved', ?, ?, ?)").join(', ')}`,
      granted.flatMap((r) => {
        const [first] = r.charges;
        if (!first) throw new Error('quota ledger: a reservation without a counter');
        return [
          r.reservationId,
          first.scope,
          first.window,
          r.cost,
          epochOf(first),
          now,
          r.expiresAt + RESERVATION_RETENTION_MS,
        ];
      }),
    );
    const more = granted.flatMap((r) =>
      r.charges.slice(1).map((c, i) => [r.reservationId, i + 1, c.scope, c.window, epochOf(c)]),
    );
    if (more.length > 0) {
      await conn.run(
        `INSERT INTO quota_reservation_charges (id, idx, scope, win, epoch)
           VALUES ${more.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        more.flat(),
      );
    }
    return results;
  }

  interface WaitingReserve {
    request: ReserveRequest;
    resolve: (result: ReserveResult) => void;
    reject: (error: unknown) => void;
  }
  /** Reservations asked for while the file was busy: the next turn on it decides them all in one transaction. */
  let waiting: WaitingReserve[] = [];
  let reserveTurnQueued = false;

  function queueReserveTurn(): void {
    if (reserveTurnQueued) return;
    reserveTurnQueued = true;
    let batch: WaitingReserve[] | undefined;
    transaction('reserve', () => {
      // Taken once the file is ours, so whatever was asked meanwhile goes in; a busy retry reruns the same.
      if (batch === undefined) {
        batch = waiting.slice(0, MAX_RESERVE_BATCH);
        waiting = waiting.slice(batch.length);
        reserveTurnQueued = false;
        if (waiting.length > 0) queueReserveTurn();
      }
      return reserveAll(batch.map((w) => w.request));
    }).then(
      (results) => {
        for (const [i, w] of (batch ?? []).entries()) {
          const result = results[i];
          if (result) w.resolve(result);
          else w.reject(new Error('quota ledger: a reservation went undecided'));
        }
      },
      (error: unknown) => {
        // Refused before the turn came (the ledger closed): everyone waiting is told.
        if (batch === undefined) {
          batch = waiting;
          waiting = [];
          reserveTurnQueued = false;
        }
        for (const w of batch) w.reject(error);
      },
    );
  }

  /** Gives `cost` back to one counter, but only in the epoch it was charged in: after a reset there is nothing to give. */
  async function giveBack(scope: string, window: string, epoch: number, cost: number): Promise<void> {
    await conn.run(
      `UPDATE quota_usage SET used = max(0, used - ?)
         WHERE scope = ? AND win = ? AND epoch = ? AND expires_at > ?`,
      [cost, scope, window, epoch, Date.now()],
    );
  }

  return {
    reserve(request: ReserveRequest): Promise<ReserveResult> {
      try {
        validateReserveRequest(request);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        queueReserveTurn();
      });
    },

    async commit(reservationId: string): Promise<boolean> {
      const changed = await locked('commit', () =>
        conn.run("UPDATE quota_reservations SET state = 'committed' WHERE id = ? AND state = 'reserved'", [
          reservationId,
        ]),
      );
      return changed === 1;
    },

    refund(reservationId: string): Promise<boolean> {
      return transaction('refund', async () => {
        const rows = await conn.all(
          `UPDATE quota_reservations SET state = 'refunded' WHERE id = ? AND state = 'reserved'
             RETURNING scope, win, cost, epoch`,
          [reservationId],
        );
        const row = rows[0];
        if (row === undefined) return false;
        const cost = num(row, 'cost');
        await giveBack(str(row, 'scope'), str(row, 'win'), num(row, 'epoch'), cost);
        const more = await conn.all(
          'SELECT scope, win, epoch FROM quota_reservation_charges WHERE id = ? ORDER BY idx',
          [reservationId],
        );
        for (const c of more) await giveBack(str(c, 'scope'), str(c, 'win'), num(c, 'epoch'), cost);
        return true;
      });
    },

    async get(reservationId: string): Promise<ReservationRecord | undefined> {
      return locked('get', async () => {
        const row = await conn.first(
          'SELECT id, scope, win, cost, state, created_at FROM quota_reservations WHERE id = ?',
          [reservationId],
        );
        if (row === undefined) return undefined;
        const more = await moreCharges('r.id = ?', [reservationId]);
        return toRecord(row, more.get(reservationId) ?? []);
      });
    },

    used(scope: string, window: string): Promise<number> {
      return locked('used', () => currentUsed(scope, window, Date.now()));
    },

    async reset(scope: string, window: string): Promise<void> {
      await locked('reset', () =>
        conn.run(
          'UPDATE quota_usage SET used = 0, epoch = epoch + 1 WHERE scope = ? AND win = ? AND expires_at > ?',
          [scope, window, Date.now()],
        ),
      );
    },

    async pending(): Promise<ReservationRecord[]> {
      return locked('pending', async () => {
        const rows = await conn.all(
          `SELECT id, scope, win, cost, state, created_at FROM quota_reservations
             WHERE state = 'reserved' ORDER BY created_at, rowid`,
          [],
        );
        const more = await moreCharges("r.state = 'reserved'", []);
        return rows.map((row) => toRecord(row, more.get(str(row, 'id')) ?? []));
      });
    },

    async close(): Promise<void> {
      if (closed) return;
      // Let queued operations finish, then refuse new ones.
      await mutex.run(async () => {
        closed = true;
      });
      await conn.close();
    },
  };
}
