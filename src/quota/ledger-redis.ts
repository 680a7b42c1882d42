import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../log.js';
import {
  RESERVATION_RETENTION_MS,
  validateReserveRequest,
  type QuotaLedger,
  type QuotaLedgerOptions,
  type ReservationRecord,
  type ReservationState,
  type ReserveRequest,
  type ReserveResult,
} from './ledger.js';

/**
 * The ledger in the bot's Redis, on the process's one ioredis client when the app passes it (the app owns and
 * closes it then), else on a client of its own. Every state change is one Lua script (EVALSHA, falling back to EVAL when
 * the server's script cache is empty), so it is a single atomic step for every process sharing the Redis.
 *
 * Keys, under the prefix (default `quota:`):
 * - `u:<scope length>:<scope>:<window>` — hash { used, epoch }, PEXPIREAT the window's expiresAt. The
 *   length makes the name unambiguous whatever colons the scope and window contain. `epoch` is set when
 *   the hash is created and bumped by every reset; a refund gives back only to the epoch it was charged in.
 * - `r:<reservationId>` — hash { scope, window, cost, state, createdAt, epoch }, kept until 30 days after
 *   the window's expiresAt.
 * - `pending` — sorted set of reservation ids still 'reserved', scored by `seq` (reservation order).
 * - `seq` — counter giving each reservation its place in `pending`.
 *
 * Every script declares the keys it touches, as Redis requires; refund therefore reads the reservation's
 * scope and window first, and the script re-checks the state, so the extra round trip races with nothing.
 */

const RESERVE = `
local state = redis.call('HGET', KEYS[2], 'state')
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
if state then
  if state == 'refunded' then return {0, used} end
  return {1, used}
end
local cost = tonumber(ARGV[4])
if used + cost > tonumber(ARGV[5]) then return {0, used} end
local now = tonumber(ARGV[7])
local expiresAt = tonumber(ARGV[6])
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[7])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
used = redis.call('HINCRBY', KEYS[1], 'used', cost)
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 or now + pttl < expiresAt then redis.call('PEXPIREAT', KEYS[1], ARGV[6]) end
redis.call('HSET', KEYS[2], 'scope', ARGV[2], 'window', ARGV[3], 'cost', ARGV[4], 'state', 'reserved',
  'createdAt', ARGV[7], 'epoch', epoch)
redis.call('PEXPIREAT', KEYS[2], ARGV[8])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
return {1, used}
`;

const COMMIT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'committed')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

const REFUND = `
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'refunded')
redis.call('ZREM', KEYS[2], ARGV[1])
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch and redis.call('HGET', KEYS[3], 'epoch') == epoch then
  local left = tonumber(redis.call('HGET', KEYS[3], 'used') or '0') - tonumber(redis.call('HGET', KEYS[1], 'cost'))
  if left < 0 then left = 0 end
  redis.call('HSET', KEYS[3], 'used', left)
end
return 1
`;

const RESET = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'used', 0)
  redis.call('HINCRBY', KEYS[1], 'epoch', 1)
end
return 1
`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = {
  reserve: script(RESERVE),
  commit: script(COMMIT),
  refund: script(REFUND),
  reset: script(RESET),
};

function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((v) => typeof v === 'number'))
    throw new Error(`quota ledger: unexpected Redis reply ${JSON.stringify(reply)}`);
  return reply as number[];
}

function integer(reply: unknown): number {
  if (typeof reply !== 'number')
    throw new Error(`quota ledger: unexpected Redis reply ${JSON.stringify(reply)}`);
  return reply;
}

function toRecord(reservationId: string, hash: Record<string, string>): ReservationRecord | undefined {
  const { scope, window, cost, state, createdAt } = hash;
  if (scope === undefined || window === undefined || state === undefined) return undefined;
  return {
    reservationId,
    scope,
    window,
    cost: Number(cost),
    state: state as ReservationState,
    createdAt: Number(createdAt),
  };
}

export async function openRedisLedger(url: string, options: QuotaLedgerOptions = {}): Promise<QuotaLedger> {
  const logger: Logger = options.logger ?? silentLogger();
  const prefix = options.redisPrefix ?? 'quota:';
  const client = options.redis ?? (await ownClient(url, logger));
  const owned = options.redis === undefined;

  const pendingKey = `${prefix}pending`;
  const seqKey = `${prefix}seq`;
  const usageKey = (scope: string, window: string): string => `${prefix}u:${scope.length}:${scope}:${window}`;
  const reservationKey = (id: string): string => `${prefix}r:${id}`;

  async function run(which: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.evalsha(which.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      // EVAL also puts the script in the server's cache, so the next EVALSHA finds it.
      return client.eval(which.source, keys.length, ...keys, ...args);
    }
  }

  return {
    async reserve(request: ReserveRequest): Promise<ReserveResult> {
      validateReserveRequest(request);
      const { reservationId, scope, window, cost, limit, expiresAt } = request;
      const now = Date.now();
      const reply = await run(
        SCRIPTS.reserve,
        [usageKey(scope, window), reservationKey(reservationId), pendingKey, seqKey],
        [
          reservationId,
          scope,
          window,
          String(cost),
          String(limit),
          String(expiresAt),
          String(now),
          String(expiresAt + RESERVATION_RETENTION_MS),
        ],
      );
      const [ok, used] = integers(reply, 2) as [number, number];
      return ok === 1 ? { ok: true, used } : { ok: false, used };
    },

    async commit(reservationId: string): Promise<boolean> {
      const reply = await run(SCRIPTS.commit, [reservationKey(reservationId), pendingKey], [reservationId]);
      return integer(reply) === 1;
    },

    async refund(reservationId: string): Promise<boolean> {
      const key = reservationKey(reservationId);
      const [scope, window] = await client.hmget(key, 'scope', 'window');
      if (typeof scope !== 'string' || typeof window !== 'string') return false;
      const reply = await run(SCRIPTS.refund, [key, pendingKey, usageKey(scope, window)], [reservationId]);
      return integer(reply) === 1;
    },

    async get(reservationId: string): Promise<ReservationRecord | undefined> {
      return toRecord(reservationId, await client.hgetall(reservationKey(reservationId)));
    },

    async used(scope: string, window: string): Promise<number> {
      const value = await client.hget(usageKey(scope, window), 'used');
      return value === null || value === undefined ? 0 : Number(value);
    },

    async reset(scope: string, window: string): Promise<void> {
      await run(SCRIPTS.reset, [usageKey(scope, window)], []);
    },

    async pending(): Promise<ReservationRecord[]> {
      const ids = await client.zrange(pendingKey, 0, -1);
      if (ids.length === 0) return [];
      const multi = client.multi();
      for (const id of ids) multi.hgetall(reservationKey(id));
      const replies = (await multi.exec()) ?? [];
      const hashes = replies.map(([error, hash]) => (error === null ? hash : undefined));
      const out: ReservationRecord[] = [];
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const record = toRecord(id, (hashes[i] ?? {}) as Record<string, string>);
        if (record === undefined) gone.push(id);
        else if (record.state === 'reserved') out.push(record);
      });
      // Reservation hashes expire 30 days after their window; drop their ids from the index too.
      if (gone.length > 0) await client.zrem(pendingKey, ...gone);
      return out;
    },

    async close(): Promise<void> {
      if (owned) await client.quit().catch(() => undefined);
    },
  };
}

async function ownClient(url: string, logger: Logger): Promise<Redis> {
  const { Redis } = await import('ioredis');
  // Commands wait, queued, while Redis reconnects, rather than fail a commit or refund.
  const client = new Redis(url, { maxRetriesPerRequest: null });
  client.on('error', (error: unknown) => logger.warn({ err: error }, 'quota ledger: Redis connection error'));
  return client;
}
