import { mkdirSync } from 'node:fs';
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

/** The SQLite file's folder is created on first use, so the default works on a fresh clone. */
export function ensureSqliteDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}
