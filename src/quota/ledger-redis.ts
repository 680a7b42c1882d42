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
 * - `r:<reservationId>` — hash { cost, state, createdAt, charges, scope, window, epoch, scope:2, window:2,
 *   epoch:2, ... }, kept until 30 days after the window's expiresAt. The first counter's fields carry no
 *   suffix, as before reservations charged several, so older records read and refund the same.
 * - `pending` — sorted set of reservation ids still 'reserved', scored by `seq` (reservation order).
 * - `seq` — counter giving each reservation its place in `pending`.
 *
 * Every script declares the keys it touches, as Redis requires (so the ledger wants one Redis, not a cluster,
 * where a reservation's counters could sit on different nodes); refund therefore reads the reservation's
 * counters first, and the script re-checks the state, so the extra round trip races with nothing (a
 * reservation's counters never change once written).
 */

/**
 * KEYS: reservation, pending, seq, then one usage hash per charge. ARGV: id, cost, expiresAt, now,
 * retainUntil, then scope, window, limit per charge. Every counter is checked before any is charged.
 */
const RESERVE = `
local n = #KEYS - 3
local cost = tonumber(ARGV[2])
local used = {}
for i = 1, n do used[i] = tonumber(redis.call('HGET', KEYS[3 + i], 'used') or '0') end
local state = redis.call('HGET', KEYS[1], 'state')
if state then
  if state == 'refunded' then return {0, unpack(used)} end
  return {1, unpack(used)}
end
for i = 1, n do
  if used[i] + cost > tonumber(ARGV[5 + 3 * i]) then return {0, unpack(used)} end
end
local expiresAt = tonumber(ARGV[3])
local now = ARGV[4]
local record = {'cost', ARGV[2], 'state', 'reserved', 'createdAt', now, 'charges', n}
for i = 1, n do
  local key = KEYS[3 + i]
  redis.call('HSETNX', key, 'epoch', now)
  used[i] = redis.call('HINCRBY', key, 'used', cost)
  local pttl = redis.call('PTTL', key)
  if pttl < 0 or tonumber(now) + pttl < expiresAt then redis.call('PEXPIREAT', key, ARGV[3]) end
  local suffix = i == 1 and '' or (':' .. i)
  local base = 5 + 3 * (i - 1)
  table.insert(record, 'scope' .. suffix)
  table.insert(record, ARGV[base + 1])
  table.insert(record, 'window' .. suffix)
  table.insert(record, ARGV[base + 2])
  table.insert(record, 'epoch' .. suffix)
  table.insert(record, redis.call('HGET', key, 'epoch'))
end
redis.call('HSET', KEYS[1], unpack(record))
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
return {1, unpack(used)}
`;

const COMMIT = `
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'committed')
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** KEYS: reservation, pending, then the usage hash of each counter it charged, in order. ARGV: id. */
const REFUND = `
if redis.call('HGET', KEYS[1], 'state') ~= 'reserved' then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'charges') or '1') ~= #KEYS - 2 then
  return redis.error_reply('quota ledger: refund named the wrong counters')
end
redis.call('HSET', KEYS[1], 'state', 'refunded')
redis.call('ZREM', KEYS[2], ARGV[1])
local cost = tonumber(redis.call('HGET', KEYS[1], 'cost'))
for i = 1, #KEYS - 2 do
  local key = KEYS[2 + i]
  local epoch = redis.call('HGET', KEYS[1], i == 1 and 'epoch' or ('epoch:' .. i))
  if epoch and redis.call('HGET', key, 'epoch') == epoch then
    local left = tonumber(redis.call('HGET', key, 'used') or '0') - cost
    if left < 0 then left = 0 end
    redis.call('HSET', key, 'used', left)
  end
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

/** A reservation hash as a record; undefined when it is gone or incomplete. */
function toRecord(reservationId: string, hash: Record<string, string>): ReservationRecord | undefined {
  const { cost, state, createdAt } = hash;
  if (state === undefined) return undefined;
  const charges: ReservationRecord['charges'] = [];
  for (let i = 1; i <= Number(hash.charges ?? '1'); i++) {
    const suffix = i === 1 ? '' : `:${i}`;
    const scope = hash[`scope${suffix}`];
    const window = hash[`window${suffix}`];
    if (scope === undefined || window === undefined) return undefined;
    charges.push({ scope, window });
  }
  return {
    reservationId,
    charges,
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
      const { reservationId, charges, cost, expiresAt } = request;
      const reply = await run(
        SCRIPTS.reserve,
        [
          reservationKey(reservationId),
          pendingKey,
          seqKey,
          ...charges.map((c) => usageKey(c.scope, c.window)),
        ],
        [
          reservationId,
          String(cost),
          String(expiresAt),
          String(Date.now()),
          String(expiresAt + RESERVATION_RETENTION_MS),
          ...charges.flatMap((c) => [c.scope, c.window, String(c.limit)]),
        ],
      );
      const [ok, ...used] = integers(reply, charges.length + 1);
      return { ok: ok === 1, used };
    },

    async commit(reservationId: string): Promise<boolean> {
      const reply = await run(SCRIPTS.commit, [reservationKey(reservationId), pendingKey], [reservationId]);
      return integer(reply) === 1;
    },

    async refund(reservationId: string): Promise<boolean> {
      const key = reservationKey(reservationId);
      const record = toRecord(reservationId, await client.hgetall(key));
      if (record === undefined || record.state !== 'reserved') return false;
      const counters = record.charges.map((c) => usageKey(c.scope, c.window));
      const reply = await run(SCRIPTS.refund, [key, pendingKey, ...counters], [reservationId]);
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
