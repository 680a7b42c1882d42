import type { Redis } from 'ioredis';
import { StartupError, errorMessage, startupStep } from '../errors.js';
import type { Logger } from '../log.js';
import type { StateStore } from './state.js';
import { describeStore, parseStoreUrl } from './store-url.js';

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
  /** True when the store answers a read now (the health check); false, not a wait, while Redis is away. */
  answers(): Promise<boolean>;
  /** Closes the state store and then the Redis client: call it after everything that shares the client. */
  close(): Promise<void>;
}

/** How long the start waits for Redis before giving up with its URL (commands would otherwise queue forever). */
const REDIS_READY_TIMEOUT_MS = 20_000;
/** A read the health check makes; no such key is ever written. */
const PROBE_KEY = 'health:probe';

export async function openState(
  storeUrl: string,
  logger: Logger,
  options: { redisReadyTimeoutMs?: number } = {},
): Promise<OpenedState> {
  const location = parseStoreUrl(storeUrl.trim());
  const { service, where } = describeStore(location);
  switch (location.kind) {
    case 'memory': {
      const { createMemoryState } = await import('./state-memory.js');
      const state = createMemoryState();
      return { state, redis: undefined, answers: async () => true, close: () => state.close() };
    }
    case 'sqlite': {
      const { openSqliteState } = await import('./state-sqlite.js');
      const state = await startupStep(service, where, () => openSqliteState(location.path, { logger }));
      return {
        state,
        redis: undefined,
        answers: () =>
          state.get(PROBE_KEY).then(
            () => true,
            () => false,
          ),
        close: () => state.close(),
      };
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
      redis.on('error', (error: unknown) =>
        logger.warn({ err: error, url: where }, 'Redis connection error'),
      );
      await untilReady(redis, where, options.redisReadyTimeoutMs ?? REDIS_READY_TIMEOUT_MS);
      const state = createRedisState(redis);
      return {
        state,
        redis,
        // While Redis is away commands queue rather than fail, so a read would only wait: ask the client first.
        answers: async () =>
          redis.status === 'ready' && (await redis.ping().catch(() => undefined)) === 'PONG',
        async close() {
          await state.close();
          await redis.quit().catch(() => undefined);
        },
      };
    }
  }
}

/**
 * Waits for the first connection, so a wrong host or password fails the start with Redis's URL instead of a
 * bot that looks started while every command it takes waits in ioredis's queue.
 */
function untilReady(redis: Redis, where: string, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => {
      lastError = error;
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      redis.disconnect();
      const reason = lastError === undefined ? '' : ` (${errorMessage(lastError)})`;
      reject(new StartupError('Redis', where, `no connection within ${timeoutMs / 1000} s${reason}`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      redis.off('error', onError);
      redis.off('ready', onReady);
    }
    redis.on('error', onError);
    redis.once('ready', onReady);
  });
}
