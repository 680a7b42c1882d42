import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { StateStore } from './state.js';
import { parseStoreUrl } from './store-url.js';

/**
 * Opens the state store STORE_URL names, once per process (the app calls it once). The connections a bot
 * process then holds:
 * - `memory://`: none.
 * - `sqlite://`: two connections to the file, one for the state store (through @keyv/sqlite) and one for the
 *   quota ledger's transactions; both take turns on the file's AsyncLock (sqlite-lock.ts).
 * - `redis://`: one ioredis client, returned here as `redis`, for the state store, first-seen marks, the quota
 *   ledger and the BullMQ runner's own commands (fair queue, claims, cancel marks). BullMQ opens more
 *   connections of its own from it (blocking worker reads, the cancel channel's subscriber): those are its
 *   business. Only the backend STORE_URL names is loaded (ioredis alone is ~18 MB of RSS).
 */
export interface OpenedState {
  state: StateStore;
  redis: Redis | undefined;
  /** Closes the state store and then the Redis client: call it after everything that shares the client. */
  close(): Promise<void>;
}

export async function openState(storeUrl: string, logger: Logger): Promise<OpenedState> {
  const location = parseStoreUrl(storeUrl.trim());
  switch (location.kind) {
    case 'memory': {
      const { createMemoryState } = await import('./state-memory.js');
      const state = createMemoryState();
      return { state, redis: undefined, close: () => state.close() };
    }
    case 'sqlite': {
      const { openSqliteState } = await import('./state-sqlite.js');
      const state = await openSqliteState(location.path, { logger });
      return { state, redis: undefined, close: () => state.close() };
    }
    case 'redis': {
      const [{ Redis }, { createRedisState }] = await Promise.all([
        import('ioredis'),
        import('./state-redis.js'),
      ]);
      // BullMQ needs commands queued, not failed, while Redis is away (maxRetriesPerRequest: null); so does
      // a state write during a Redis restart.
      // Named after the process, so CLIENT LIST shows which bot process holds which connection.
      const redis = new Redis(location.url, {
        maxRetriesPerRequest: null,
        connectionName: `gvb:${process.pid}`,
      });
      redis.on('error', (error: unknown) => logger.warn({ err: error }, 'Redis connection error'));
      const state = createRedisState(redis);
      return {
        state,
        redis,
        async close() {
          await state.close();
          await redis.quit().catch(() => undefined);
        },
      };
    }
  }
}
