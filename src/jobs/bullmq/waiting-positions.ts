import type { Redis } from 'ioredis';
import type { JobStart } from '../../generation/video-job.js';
import type { Logger } from '../../log.js';
import type { JobRecord, JobStore } from '../job-store.js';
import type { RedisFairQueue } from '../redis-fair-queue.js';
import { estimateWaitMs } from '../scheduler.js';
import type { ReplyFor } from '../types.js';
import type { GenerationReply } from '../../port.js';

/**
 * Each waiting job's place in the shared line, shown to its user by exactly one process: the one that
 * accepted it, or, once that one is gone (its alive key lapsed), one that adopts it. The holder of each job
 * is in a Redis hash, so two survivors cannot both adopt it.
 */

/** A waiting job whose place in line this process shows: one it accepted, or adopted from a dead process. */
export interface LocalWaiting {
  sink: GenerationReply;
  record: JobRecord;
  /** The request as built at accept time; a process that takes the job without it builds it again. */
  body?: Extract<JobStart, { body: unknown }>['body'];
  lastPosition?: number;
  goneSince?: number;
}

/** Takes over showing a waiting job's place only if its holder is still the (dead) one we saw. */
const ADOPT = `
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and holder ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/** A job out of line this long (taken by a worker elsewhere) is no longer kept here. */
const GONE_MS = 30_000;

export interface WaitingPositionsOptions {
  redis: Redis;
  /** Key prefix, the fair queue's (one hash tag). */
  prefix: string;
  instanceId: string;
  fair: RedisFairQueue;
  jobs: JobStore;
  logger: Logger;
  now: () => number;
  /** Upstream slots, for the wait estimate. */
  slots: number;
  /** How long this process counts as alive after a heartbeat. */
  aliveMs: number;
  /** The adapters' sinks, once workers started; jobs of other processes are adopted only then. */
  replyFor: () => ReplyFor | undefined;
}

export function createWaitingPositions(options: WaitingPositionsOptions) {
  const { redis, prefix, instanceId, fair, logger: log, now } = options;
  /** Which process shows each waiting job's place, and which processes are alive (a key with a TTL each). */
  const shownByKey = `${prefix}shown-by`;
  const aliveKey = (instance: string) => `${prefix}alive:${instance}`;
  const local = new Map<string, LocalWaiting>();

  /**
   * Waiting jobs whose place was shown by a process that is gone (killed, or stopped) get it shown from here
   * on, through the adapter's sink for the record: the line keeps moving for them too.
   */
  async function adoptOrphans(ordered: readonly string[], replyFor: ReplyFor): Promise<void> {
    const others = ordered.filter((id) => !local.has(id));
    if (others.length === 0) return;
    const holders = await redis.hmget(shownByKey, ...others);
    const aliveness = new Map<string, boolean>();
    for (const [i, id] of others.entries()) {
      const holder = holders[i] ?? null;
      if (holder !== null) {
        if (!aliveness.has(holder)) aliveness.set(holder, (await redis.exists(aliveKey(holder))) === 1);
        if (aliveness.get(holder)) continue;
      }
      const record = await options.jobs.get(id);
      const sink = record && replyFor(record);
      if (!record || !sink) continue;
      if ((await redis.eval(ADOPT, 1, shownByKey, id, holder ?? '', instanceId)) !== 1) continue;
      local.set(id, { sink, record });
      log.info({ jobId: id, from: holder }, 'showing the place in line of a job another process accepted');
    }
  }

  let refreshing = false;
  /** Tells each job whose place this process shows (accepted or adopted here) where it stands, when that changed. */
  async function refresh(): Promise<void> {
    const replyFor = options.replyFor();
    if (refreshing || (local.size === 0 && !replyFor)) return;
    refreshing = true;
    try {
      const ordered = await fair.ordered();
      if (replyFor) await adoptOrphans(ordered, replyFor);
      const typical = await fair.typicalMs();
      for (const [id, entry] of local) {
        const position = ordered.indexOf(id);
        if (position < 0) {
          // Taken by a worker (here or elsewhere); a worker here picks up the body soon, else let it go.
          entry.goneSince ??= now();
          if (now() - entry.goneSince > GONE_MS) local.delete(id);
          continue;
        }
        if (position === entry.lastPosition) continue;
        entry.lastPosition = position;
        const event = {
          type: 'waiting' as const,
          position,
          etaMs: estimateWaitMs(position, typical, options.slots),
          elapsedMs: now() - entry.record.createdAt,
        };
        void Promise.resolve(entry.sink.progress(event, entry.record)).catch(() => undefined);
      }
    } catch (error) {
      log.warn({ err: error }, 'could not refresh places in line');
    } finally {
      refreshing = false;
    }
  }

  return {
    refresh,

    /**
     * The sink to show `record` through. The one kept from accepting (or adopting) the job only while the
     * record still names the message it was made for: once another process's worker posted the job's
     * message (the adapter writes its ref into the record), the kept one would post a second message, so
     * the adapter builds one again from the stored ref.
     */
    sinkOf(record: JobRecord, kept = local.get(record.id)): GenerationReply | undefined {
      if (kept && sameRef(kept.record.messageRef, record.messageRef)) return kept.sink;
      return options.replyFor()?.(record) ?? kept?.sink;
    },

    /** A job accepted here: this process shows its place until a worker takes it. */
    async show(entry: LocalWaiting): Promise<void> {
      local.set(entry.record.id, entry);
      await redis.hset(shownByKey, entry.record.id, instanceId);
    },

    /** What this process keeps for a job whose place it shows (its sink, maybe its built request). */
    kept(id: string): LocalWaiting | undefined {
      return local.get(id);
    },

    /** The job left the line here (a worker here took it, or it was cancelled): returns what was kept. */
    take(id: string): LocalWaiting | undefined {
      const entry = local.get(id);
      local.delete(id);
      return entry;
    },

    /** The job is finished: nobody shows its place any more. */
    async forget(id: string): Promise<void> {
      await redis.hdel(shownByKey, id);
    },

    async heartbeat(): Promise<void> {
      await redis.set(aliveKey(instanceId), '1', 'PX', options.aliveMs);
    },

    /** Gone at once, so another process shows the place of the jobs waiting here. */
    async leave(): Promise<void> {
      await redis.del(aliveKey(instanceId));
    },
  };
}
export type WaitingPositions = ReturnType<typeof createWaitingPositions>;

/** Refs are JSON in the record; a key order that differs only makes the sink be built again, which is safe. */
function sameRef(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
