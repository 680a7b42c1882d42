import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Where everything persistent lives, from STORE_URL. One parser so the state store and the quota ledger agree. */
export type StoreLocation =
  { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string } | { kind: 'memory' };

export function parseStoreUrl(storeUrl: string): StoreLocation {
  if (storeUrl.startsWith('sqlite://')) {
    const raw = storeUrl.slice('sqlite://'.length);
    if (raw === '') throw new Error('STORE_URL sqlite:// needs a file path, e.g. sqlite://./data/bot.sqlite');
    return { kind: 'sqlite', path: resolve(raw) };
  }
  if (storeUrl.startsWith('redis://') || storeUrl.startsWith('rediss://'))
    return { kind: 'redis', url: storeUrl };
  if (storeUrl === 'memory://' || storeUrl === 'memory:') return { kind: 'memory' };
  throw new Error(`STORE_URL must start with sqlite://, redis:// or memory:// (got "${storeUrl}")`);
}

/**
 * The store as start-up errors and logs name it: the service, and where it is (a SQLite file's path, a Redis
 * URL without its password, which logs and terminals must not show).
 */
export function describeStore(location: StoreLocation): { service: string; where: string } {
  switch (location.kind) {
    case 'sqlite':
      return { service: 'SQLite store', where: location.path };
    case 'redis':
      return { service: 'Redis', where: redisUrlWithoutPassword(location.url) };
    case 'memory':
      return { service: 'memory store', where: 'memory://' };
  }
}

export function redisUrlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL new URL() reads: say only which scheme, rather than risk printing a password.
    return `${url.split('://')[0] ?? 'redis'}://…`;
  }
}

/**
 * Makes the SQLite file's folder and the file itself before a driver opens it, so the default works on a fresh clone
 * and the file (quotas, job records with prompts and message refs) is the bot user's alone: a folder the bot
 * creates is 0700, a file it creates 0600, and SQLite gives its -wal and -shm files the database file's mode.
 * A file that already exists loses other users' access but keeps its group's, which an operator may have granted
 * on purpose (an operator CLI running as another user of the group); a folder that exists is the operator's.
 */
export function ensureSqliteFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o007) === 0) return;
  try {
    chmodSync(path, mode & ~0o007);
  } catch {
    // Not the file's owner: the driver still opens it, and the mode is the owner's call.
  }
}
