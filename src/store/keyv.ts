import Keyv from 'keyv';
import { sqliteFileLock } from './sqlite-lock.js';
import { ensureSqliteDir, parseStoreUrl } from './store-url.js';

/**
 * keyv stores by namespace (`job:`, `cfg:`, `pending:` for short-lived state between two user actions, `space:` for
 * the rules admins set with /settings and users' own preferences). keyv writes the namespace onto its adapter, so each namespace
 * gets an adapter of its own rather than sharing one.
 */
export type StoreNamespace = 'job' | 'cfg' | 'pending' | 'space';

export type OpenKeyv = <T>(namespace: StoreNamespace) => Keyv<T>;

/**
 * Loads only the backend STORE_URL names (the Redis client alone is ~18 MB of RSS) and returns a function
 * that opens one namespace on it.
 */
export async function keyvOpener(storeUrl: string): Promise<OpenKeyv> {
  const location = parseStoreUrl(storeUrl);
  switch (location.kind) {
    case 'memory':
      return <T>(namespace: StoreNamespace) => new Keyv<T>({ namespace });
    case 'sqlite': {
      const { default: KeyvSqlite } = await import('@keyv/sqlite');
      ensureSqliteDir(location.path);
      const lock = sqliteFileLock(location.path);
      return <T>(namespace: StoreNamespace) => {
        const store = new KeyvSqlite({ uri: `sqlite://${location.path}`, busyTimeout: 5000 });
        // Every statement keyv runs goes through `query`; queue it behind the ledger's transactions.
        const query = store.query;
        store.query = (sql, ...parameters) => lock.run(() => query(sql, ...parameters));
        return new Keyv<T>({ store, namespace });
      };
    }
    case 'redis': {
      const { default: KeyvRedis } = await import('@keyv/redis');
      return <T>(namespace: StoreNamespace) =>
        new Keyv<T>({ store: new KeyvRedis(location.url), namespace, useKeyPrefix: false });
    }
  }
}
