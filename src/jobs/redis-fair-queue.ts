import type { Redis } from 'ioredis';

/**
 * The scheduler's state in Redis, shared by every bot process: who is admitted (per-user cap), who waits
 * (per-user lists; when a slot frees, the user served least recently goes first, the same order as
 * src/jobs/fair-queue.ts), and who runs upstream (the global cap). Each change is one Lua script, so two
 * processes racing for the last place or the last slot cannot both win. BullMQ's own per-group fairness is a
 * paid feature; this is ours.
 *
 * Keys, under `prefix` (a hash tag keeps them in one Redis Cluster slot, since the scripts name per-user
 * keys they build themselves):
 * - `turns` — list of user keys with waiting jobs, in the order they joined (ties of `served` go by it).
 * - `q:<user key>` — list of that user's waiting job ids, oldest first.
 * - `served` — sorted set of user keys with admitted jobs that had one started, scored by `serial` then.
 * - `serial` — counter of starts, the clock of `served` (one counter, so processes' clocks cannot tie).
 * - `running` — sorted set of job ids holding an upstream slot, scored by start time.
 * - `user:<user key>` — sorted set of that user's admitted (waiting or running) job ids, scored by time.
 * - `users` — set of user keys with admitted jobs, for the sweep.
 * - `durations` — list of recent slot-holding times (ms), for the wait estimate.
 */

const ADMIT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return redis.call('ZRANGE', KEYS[1], 0, -1) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
`;

const ENQUEUE = `
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
if redis.call('LPOS', KEYS[1], ARGV[1]) then return 0 end
if redis.call('RPUSH', KEYS[1], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) end
return 1
`;

/** Users in `turns`, least recently served first (never served: -1), ties in join order. */
const TURN_ORDER = `
local function turn_order(turns_key, served_key)
  local turns = redis.call('LRANGE', turns_key, 0, -1)
  local rank = {}
  for i, user in ipairs(turns) do
    rank[user] = { tonumber(redis.call('ZSCORE', served_key, user) or '-1'), i }
  end
  table.sort(turns, function(a, b)
    if rank[a][1] ~= rank[b][1] then return rank[a][1] < rank[b][1] end
    return rank[a][2] < rank[b][2]
  end)
  return turns
end
`;

/** Decided only now that slots are free: each goes to the front job of the user served least recently. */
const DISPATCH = `${TURN_ORDER}
local out = {}
while redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[1]) do
  local user = turn_order(KEYS[1], KEYS[3])[1]
  if not user then break end
  local q = ARGV[3] .. 'q:' .. user
  local id = redis.call('LPOP', q)
  if id then
    redis.call('ZADD', KEYS[2], ARGV[2], id)
    redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), user)
    table.insert(out, id)
    table.insert(out, user)
  end
  if redis.call('LLEN', q) == 0 then redis.call('LREM', KEYS[1], 0, user) end
end
return out
`;

/** A job already upstream (resumed) holds a slot even above the cap, and counts as its user's turn. */
const MARK_RUNNING = `
if redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[3])
end
return 1
`;

/** Removes a job everywhere; with ARGV[3] = 'waiting' only when it is waiting. Returns {wasRunning, wasWaiting}. */
const REMOVE = `
local waiting = redis.call('LREM', KEYS[1], 0, ARGV[1])
if ARGV[3] == 'waiting' and waiting == 0 then return {0, 0} end
if waiting > 0 and redis.call('LLEN', KEYS[1]) == 0 then redis.call('LREM', KEYS[2], 0, ARGV[2]) end
local running = redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
if redis.call('ZCARD', KEYS[4]) == 0 then
  -- Nothing left in progress: the user counts as never served when they come back.
  redis.call('SREM', KEYS[5], ARGV[2])
  redis.call('ZREM', KEYS[6], ARGV[2])
end
return {running, waiting}
`;

/** Every waiting job id in the order it will start if nobody joins: round by round, users in turn order. */
const ORDERED = `${TURN_ORDER}
local turns = turn_order(KEYS[1], KEYS[2])
local lists = {}
local total = 0
for i, user in ipairs(turns) do
  lists[i] = redis.call('LRANGE', ARGV[1] .. 'q:' .. user, 0, -1)
  total = total + #lists[i]
end
local out = {}
local round = 1
while #out < total do
  for i = 1, #lists do
    local id = lists[i][round]
    if id then table.insert(out, id) end
  end
  round = round + 1
end
return out
`;

const DURATIONS_KEPT = 20;

export interface SharedQueueLimits {
  maxConcurrent: number;
  maxPerUser: number;
}

export function createRedisFairQueue(redis: Redis, prefix: string, limits: SharedQueueLimits) {
  const key = {
    turns: `${prefix}turns`,
    running: `${prefix}running`,
    served: `${prefix}served`,
    serial: `${prefix}serial`,
    users: `${prefix}users`,
    durations: `${prefix}durations`,
    queue: (userKey: string) => `${prefix}q:${userKey}`,
    user: (userKey: string) => `${prefix}user:${userKey}`,
  };
  // Redis takes integers here; "unlimited" (tests of other things) becomes a very large one.
  const cap = (n: number) => String(Number.isFinite(n) ? n : 1e15);

  async function remove(id: string, userKey: string, mode: 'any' | 'waiting') {
    const [running, waiting] = (await redis.eval(
      REMOVE,
      6,
      key.queue(userKey),
      key.turns,
      key.running,
      key.user(userKey),
      key.users,
      key.served,
      id,
      userKey,
      mode,
    )) as [number, number];
    return { wasRunning: running > 0, wasWaiting: waiting > 0 };
  }

  return {
    /** Takes a place for the job; undefined when admitted, else the ids the user already has admitted. */
    async admit(id: string, userKey: string, now: number): Promise<string[] | undefined> {
      const reply = await redis.eval(
        ADMIT,
        2,
        key.user(userKey),
        key.users,
        id,
        cap(limits.maxPerUser),
        String(now),
        userKey,
      );
      return Array.isArray(reply) ? (reply as string[]) : undefined;
    },

    /** For a job recovered after a crash: it was admitted before, so no cap applies. */
    async readmit(id: string, userKey: string, since: number): Promise<void> {
      await redis.multi().zadd(key.user(userKey), since, id).sadd(key.users, userKey).exec();
    },

    /** Puts an admitted job at the end of its user's line (no-op when it is already waiting or running). */
    async enqueue(id: string, userKey: string): Promise<void> {
      await redis.eval(ENQUEUE, 3, key.queue(userKey), key.turns, key.running, id, userKey);
    },

    /** Starts as many waiting jobs as free slots allow, fairly; returns them (now running). */
    async dispatch(now: number): Promise<Array<{ id: string; userKey: string }>> {
      const flat = (await redis.eval(
        DISPATCH,
        4,
        key.turns,
        key.running,
        key.served,
        key.serial,
        cap(limits.maxConcurrent),
        String(now),
        prefix,
      )) as string[];
      const out: Array<{ id: string; userKey: string }> = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ id: flat[i]!, userKey: flat[i + 1]! });
      return out;
    },

    /** A job that was upstream before (resumed): it holds a slot even above the cap. */
    async markRunning(id: string, userKey: string, now: number): Promise<void> {
      await redis.eval(MARK_RUNNING, 3, key.running, key.served, key.serial, id, String(now), userKey);
    },

    /** Frees the job's place, its slot and its spot in line, whichever it holds; records how long it ran. */
    async release(id: string, userKey: string, now: number): Promise<boolean> {
      const startedAt = await redis.zscore(key.running, id);
      const { wasRunning } = await remove(id, userKey, 'any');
      if (wasRunning && startedAt !== null) {
        await redis
          .multi()
          .lpush(key.durations, String(now - Number(startedAt)))
          .ltrim(key.durations, 0, DURATIONS_KEPT - 1)
          .exec();
      }
      return wasRunning;
    },

    /** Takes a waiting job out of line (and frees its place); false when it is not waiting. */
    async cancelWaiting(id: string, userKey: string): Promise<boolean> {
      return (await remove(id, userKey, 'waiting')).wasWaiting;
    },

    /** Every waiting job in the order it will start. */
    async ordered(): Promise<string[]> {
      return (await redis.eval(ORDERED, 2, key.turns, key.served, prefix)) as string[];
    },

    async isRunning(id: string): Promise<boolean> {
      return (await redis.zscore(key.running, id)) !== null;
    },

    async running(): Promise<string[]> {
      return redis.zrange(key.running, 0, -1);
    },

    /** Every admitted job id with its user key, for the sweep that drops places a crash left behind. */
    async admitted(): Promise<Array<{ id: string; userKey: string; since: number }>> {
      const out: Array<{ id: string; userKey: string; since: number }> = [];
      for (const userKey of await redis.smembers(key.users)) {
        const flat = await redis.zrange(key.user(userKey), 0, -1, 'WITHSCORES');
        for (let i = 0; i < flat.length; i += 2) {
          out.push({ id: flat[i]!, userKey, since: Number(flat[i + 1]) });
        }
      }
      return out;
    },

    /** The median of recent slot-holding times; undefined until a job has finished. */
    async typicalMs(): Promise<number | undefined> {
      const values = (await redis.lrange(key.durations, 0, -1)).map(Number).sort((a, b) => a - b);
      return values.length === 0 ? undefined : values[Math.floor(values.length / 2)];
    },
  };
}
export type RedisFairQueue = ReturnType<typeof createRedisFairQueue>;
