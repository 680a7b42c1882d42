import { resolve } from 'node:path';

/**
 * One lock per SQLite file for the whole process. The quota ledger and the state store have their own
 * connections to the same file; when they contend, SQLite's busy handler sleeps *inside* node-sqlite3's
 * worker threads (libuv's pool has four), so a few waiting writes could occupy every thread while the
 * transaction they wait for could not get one to commit: 20 commands at once stalled for ~90 s. Taking turns
 * in JavaScript first means statements from this process never wait on each other inside SQLite.
 */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const locks = new Map<string, AsyncLock>();

export function sqliteFileLock(path: string): AsyncLock {
  const key = resolve(path);
  let lock = locks.get(key);
  if (!lock) {
    lock = new AsyncLock();
    locks.set(key, lock);
  }
  return lock;
}
