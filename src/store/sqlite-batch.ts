import type { AsyncLock } from './sqlite-lock.js';

/**
 * Reads and writes of keyv rows that wait for the SQLite file together go as one statement each: the reads
 * as one `key IN (…)`, the writes as one multi-row upsert. Under a burst every statement waits its turn on the
 * file's lock, and its answer waits for the main thread; bench:e2e traced 100 commands at once spending
 * most of the way from ack to the upstream POST on one job-record write after another.
 *
 * Order is kept: operations are taken in the order they were asked, and only consecutive ones of one kind are
 * merged (a read never overtakes a write asked before it). Several writes to one key in a statement leave the
 * last. Other statements of the store (set-if-absent, leases, lists, deletes) take the file's lock directly.
 */

type Row = { key: string; value: string | null };

/** Runs one statement (with the store's busy retries) while the caller holds the file's lock. */
export type RunStatement = (sql: string, parameters: Array<string | number>) => Promise<unknown[]>;

/** Rows in one statement: well under SQLite's bound on parameters (32,766 since 3.32; 999 before). */
const MAX_KEYS_PER_STATEMENT = 250;

type Pending =
  | {
      kind: 'read';
      keys: readonly string[];
      resolve: (values: Array<string | null | undefined>) => void;
      reject: (error: unknown) => void;
    }
  | {
      kind: 'write';
      key: string;
      value: string;
      resolve: () => void;
      reject: (error: unknown) => void;
    };

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createKeyvBatcher(lock: AsyncLock, run: RunStatement, parseRows: (rows: unknown[]) => Row[]) {
  let queue: Pending[] = [];
  let scheduled = false;

  function enqueue(op: Pending): void {
    queue.push(op);
    if (scheduled) return;
    scheduled = true;
    // Whatever is asked until the lock comes round joins this turn.
    void lock.run(flush);
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const ops = queue;
    queue = [];
    for (let i = 0; i < ops.length;) {
      const kind = ops[i]?.kind;
      let j = i + 1;
      while (j < ops.length && ops[j]?.kind === kind) j++;
      const group = ops.slice(i, j);
      try {
        if (kind === 'read') await readAll(group.filter((op) => op.kind === 'read'));
        else await writeAll(group.filter((op) => op.kind === 'write'));
      } catch (error) {
        for (const op of group) op.reject(error);
      }
      i = j;
    }
  }

  async function readAll(ops: Array<Extract<Pending, { kind: 'read' }>>): Promise<void> {
    const found = new Map<string, string | null>();
    const keys = [...new Set(ops.flatMap((op) => op.keys))];
    for (const part of chunks(keys, MAX_KEYS_PER_STATEMENT)) {
      const rows = parseRows(
        await run(`SELECT key, value FROM keyv WHERE key IN (${part.map(() => '?').join(', ')})`, part),
      );
      for (const row of rows) found.set(row.key, row.value);
    }
    for (const op of ops) op.resolve(op.keys.map((key) => found.get(key)));
  }

  async function writeAll(ops: Array<Extract<Pending, { kind: 'write' }>>): Promise<void> {
    // The last write to a key wins, as it would have one statement after another.
    const latest = new Map<string, string>();
    for (const op of ops) latest.set(op.key, op.value);
    for (const part of chunks([...latest], MAX_KEYS_PER_STATEMENT)) {
      await run(
        `INSERT INTO keyv (key, value) VALUES ${part.map(() => '(?, ?)').join(', ')}
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        part.flat(),
      );
    }
    for (const op of ops) op.resolve();
  }

  return {
    /** The stored (encoded) values of `keys`, in their order; undefined where there is no row. */
    read(keys: readonly string[]): Promise<Array<string | null | undefined>> {
      return new Promise((resolve, reject) => enqueue({ kind: 'read', keys, resolve, reject }));
    },
    /** Stores the encoded `value` under `key`. */
    write(key: string, value: string): Promise<void> {
      return new Promise((resolve, reject) => enqueue({ kind: 'write', key, value, resolve, reject }));
    },
  };
}
