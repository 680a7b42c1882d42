import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { ensureSqliteDir, parseStoreUrl } from './store-url.js';

/**
 * keyv stores by namespace (`job:`, `cfg:`, `pending:` for short-lived state between two user actions, `space:` for
 * the rules admins set with /settings and users' own preferences). keyv writes the namespace onto its adapter, so each namespace
 * gets an adapter of its own rather than sharing one.
 */
export type StoreNamespace = 'job' | 'cfg' | 'pending' | 'space';

export function openKeyv<T>(storeUrl: string, namespace: StoreNamespace): Keyv<T> {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'memory':
      return new Keyv<T>({ namespace });
    case 'sqlite': {
      ensureSqliteDir(location.path);
      const adapter = new KeyvSqlite({ uri: `sqlite://${location.path}`, busyTimeout: 5000 });
      return new Keyv<T>({ store: adapter, namespace });
    }
    case 'redis':
      return new Keyv<T>({ store: new KeyvRedis(location.url), namespace, useKeyPrefix: false });
  }
}
