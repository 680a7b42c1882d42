import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { BotError } from '../errors.js';
import type { JobStart } from '../generation/video-job.js';
import { createDeliveryClaims } from './delivery-claim.js';
import {
  createJobLifecycle,
  RESTARTED_BEFORE_SUBMIT,
  resumePlan,
  type DriveResult,
} from './job-lifecycle.js';
import { platformSchema, PLATFORMS, type Platform } from '../platforms.js';
import { scopeKey } from '../quota/scope.js';
import type { JobRunner, JobRunnerDeps, JobSink, SinkFor } from './types.js';
import { UNFINISHED_STATUSES, type JobRecord } from './job-store.js';
import { createRedisFairQueue } from './redis-fair-queue.js';
import { estimateWaitMs, tooManyJobs } from './scheduler.js';

/**
 * The job runner for several bot processes on one Redis (STORE_URL=redis://). Any process accepts a request
 * (validate, admit, reserve, record) and puts the job in the shared fair queue (src/jobs/redis-fair-queue.ts);
 * whichever process frees a slot moves the next jobs, fairly, into a BullMQ queue; every process is a BullMQ
 * worker (WORKER_CONCURRENCY at once) that drives what it takes: submit, poll, deliver through the adapter's
 * sink for the record. When a process dies, BullMQ's stalled-job check hands its jobs to another worker,
 * which resumes polling from the record (GETs only, no second upstream job); the delivered marker
 * (src/jobs/delivery-claim.ts) keeps a retried job from posting twice. Cancel reaches the process polling a
 * job through Redis pub/sub, and a marker key for a job not yet taken.
 */

/** One BullMQ queue per platform, so a process takes only jobs it has an adapter for. */
const queueName = (platform: Platform) => `generate-${platform}`;
const platformOf = (userKey: string): Platform =>
  platformSchema.catch('cli').parse(userKey.slice(0, userKey.indexOf(':')));
const JOB_OPTIONS = {
  // Retries are for infrastructure errors (Redis away, say); job failures settle inside the job.
  attempts: 20,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};
const jobDataSchema = z.object({ id: z.string() });
const cancelMessageSchema = z.object({ jobId: z.string(), userMessage: z.string() });

export interface BullmqRunnerOptions {
  redis: Redis;
  /** Prefix of every key this runner writes (BullMQ's and the fair queue's). */
  prefix: string;
  /** Jobs this process drives at once. */
  workerConcurrency: number;
  /** BullMQ lock duration and stalled-check interval: how long a dead process's jobs wait for another. */
  lockMs: number;
  /** How often jobs waiting in line get their position refreshed, and the sweep runs. */
  refreshMs?: number;
  sweepMs?: number;
  instanceId?: string;
}

/** A waiting job whose place in line this process shows: one it accepted, or adopted from a dead process. */
interface LocalWaiting {
  sink: JobSink;
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

const cancelError = (userMessage: string) =>
  new BotError('job_cancelled', 'cancelled on request', { userMessage });

export async function createBullmqRunner(
  deps: JobRunnerDeps,
  options: BullmqRunnerOptions,
): Promise<JobRunner> {
  const { Queue, Worker, WaitingError, DelayedError } = await import('bullmq');
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const life = createJobLifecycle(deps);
  const redis = options.redis;
  const instanceId = options.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const limits = deps.limits ?? {
    maxConcurrent: Number.POSITIVE_INFINITY,
    maxPerUser: Number.POSITIVE_INFINITY,
  };
  const fqPrefix = `${options.prefix}:{fq}:`;
  const fair = createRedisFairQueue(redis, fqPrefix, limits);
  const guard = createDeliveryClaims(redis, fqPrefix, { instanceId, leaseMs: options.lockMs });
  const cancelChannel = `${fqPrefix}cancel`;
  const cancelKey = (jobId: string) => `${fqPrefix}cancel:${jobId}`;
  const refreshMs = options.refreshMs ?? 2000;
  /** Which process shows each waiting job's place, and which processes are alive (a key with a TTL each). */
  const shownByKey = `${fqPrefix}shown-by`;
  const aliveKey = (instance: string) => `${fqPrefix}alive:${instance}`;
  const aliveMs = Math.max(3 * refreshMs, options.lockMs);
  const sweepMs = options.sweepMs ?? Math.max(1000, options.lockMs);

  const queues = new Map(
    PLATFORMS.map((platform) => [
      platform,
      new Queue(queueName(platform), { connection: redis, prefix: options.prefix }),
    ]),
  );
  const queueFor = (platform: Platform) => queues.get(platform)!;
  const local = new Map<string, LocalWaiting>();
  const controllers = new Map<string, AbortController>();
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal);
  let sinkFor: SinkFor | undefined;
  const workers: Array<{ close(): Promise<void> }> = [];
  const timers: NodeJS.Timeout[] = [];

  const subscriber = redis.duplicate();
  subscriber.on('error', (error: unknown) => log.warn({ err: error }, 'cancel subscription: Redis error'));
  subscriber.on('message', (_channel: string, message: string) => {
    const parsed = cancelMessageSchema.safeParse(safeJson(message));
    if (!parsed.success) return;
    controllers.get(parsed.data.jobId)?.abort(cancelError(parsed.data.userMessage));
  });
  await subscriber.subscribe(cancelChannel);
  await heartbeat();
  const beat = setInterval(() => void heartbeat().catch(() => undefined), refreshMs);
  beat.unref();
  timers.push(beat);

  /** Moves the next jobs, fairly, from the shared line into BullMQ as slots free up. */
  async function dispatch(): Promise<void> {
    const started = await fair.dispatch(now());
    if (started.length === 0) return;
    await Promise.all(started.map(({ id, userKey }) => addRunning(id, platformOf(userKey))));
    void refreshPositions();
  }

  async function addRunning(id: string, platform: Platform): Promise<void> {
    await queueFor(platform).add(queueName(platform), { id }, { ...JOB_OPTIONS, jobId: id });
  }

  async function release(record: JobRecord): Promise<void> {
    await fair.release(record.id, scopeKey(record), now());
    await redis.hdel(shownByKey, record.id);
    await dispatch();
  }

  async function heartbeat(): Promise<void> {
    await redis.set(aliveKey(instanceId), '1', 'PX', aliveMs);
  }

  /**
   * Waiting jobs whose place was shown by a process that is gone (killed, or stopped) get it shown from here
   * on, through the adapter's sink for the record: the line keeps moving for them too.
   */
  async function adoptOrphans(ordered: readonly string[]): Promise<void> {
    if (!sinkFor) return;
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
      const record = await deps.jobs.get(id);
      const sink = record && sinkFor(record);
      if (!record || !sink) continue;
      if ((await redis.eval(ADOPT, 1, shownByKey, id, holder ?? '', instanceId)) !== 1) continue;
      local.set(id, { sink, record });
      log.info({ jobId: id, from: holder }, 'showing the place in line of a job another process accepted');
    }
  }

  /**
   * The sink to show `record` through. The one kept from accepting (or adopting) the job only while the
   * record still names the message it was made for: once another process's worker posted the job's message
   * (the adapter writes its ref into the record), the kept one would post a second message, so the adapter
   * builds one again from the stored ref.
   */
  function sinkOf(record: JobRecord, kept = local.get(record.id)): JobSink | undefined {
    if (kept && sameRef(kept.record.messageRef, record.messageRef)) return kept.sink;
    return sinkFor?.(record) ?? kept?.sink;
  }

  let refreshing = false;
  /** Tells each job whose place this process shows (accepted or adopted here) where it stands, when that changed. */
  async function refreshPositions(): Promise<void> {
    if (refreshing || (local.size === 0 && !sinkFor)) return;
    refreshing = true;
    try {
      const ordered = await fair.ordered();
      await adoptOrphans(ordered);
      const typical = await fair.typicalMs();
      for (const [id, entry] of local) {
        const position = ordered.indexOf(id);
        if (position < 0) {
          // Taken by a worker (here or elsewhere); a worker here picks up the body soon, else let it go.
          entry.goneSince ??= now();
          if (now() - entry.goneSince > 30_000) local.delete(id);
          continue;
        }
        if (position === entry.lastPosition) continue;
        entry.lastPosition = position;
        const event = {
          type: 'waiting' as const,
          position,
          etaMs: estimateWaitMs(position, typical, limits.maxConcurrent),
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

  /** One BullMQ attempt at a job: whatever its record says is next, to the end or until handed off. */
  async function processJob(job: Job<{ id: string }, void>, token?: string): Promise<void> {
    const { id } = jobDataSchema.parse(job.data);
    let record = await deps.jobs.get(id);
    if (!record || !UNFINISHED_STATUSES.has(record.status)) {
      // Finished by an earlier attempt; make sure its places are free.
      if (record) await release(record);
      return;
    }
    const waiting = local.get(id);
    local.delete(id);
    const sink = sinkOf(record, waiting);
    if (!sink) {
      // This process does not run the job's platform; BullMQ retries it, with backoff, for one that does.
      throw new Error(`no ${record.platform} adapter in this process`);
    }
    const controller = new AbortController();
    controllers.set(id, controller);
    let result: DriveResult | undefined;
    try {
      const cancelledWith = await redis.get(cancelKey(id));
      if (cancelledWith !== null) {
        await life.settleFailure(record, cancelError(cancelledWith), sink);
        result = { record, settled: true };
        return;
      }
      const plan = resumePlan(record);
      let start: JobStart;
      switch (plan.kind) {
        case 'commit':
          result = { record: await life.finishDelivered(record, undefined), settled: true };
          return;
        case 'ambiguous':
          // A process died between marking the job started and learning the provider's id.
          await life.settleFailure(record, RESTARTED_BEFORE_SUBMIT(), sink);
          result = { record, settled: true };
          return;
        case 'poll':
          log.info({ jobId: id, upstreamId: record.upstreamId, attempt: job.attemptsMade }, 'resuming job');
          start = plan.start;
          break;
        case 'build':
          record = (await deps.jobs.update(id, { status: 'reserved' })) ?? record;
          try {
            start = waiting?.body ? { body: waiting.body } : await life.rebuild(record, sink);
          } catch (error) {
            await life.settleFailure(record, error, sink);
            result = { record, settled: true };
            return;
          }
          break;
      }
      result = await life.drive(record, start, sink, {
        signal: AbortSignal.any([controller.signal, stopping.signal]),
        jobSignal: controller.signal,
        leaving: () => stopping.signal.aborted,
        guard,
      });
    } finally {
      controllers.delete(id);
      if (result?.settled) await release(result.record);
    }
    if (!result.settled) {
      if (stopping.signal.aborted) {
        // Back in line at once for another process (or the next start); not counted as a failed attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // Another process is posting it right now: look again once its claim would have lapsed.
      await job.moveToDelayed(now() + options.lockMs, token);
      throw new DelayedError();
    }
  }

  /** A job BullMQ gave up on (retries spent, or stalled too often): settle it so its quota comes back. */
  async function abandon(job: Job<{ id: string }, void> | undefined, error: Error): Promise<void> {
    if (!job || (await job.getState()) !== 'failed') return;
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) return;
    const record = await deps.jobs.get(parsed.data.id);
    if (!record || !UNFINISHED_STATUSES.has(record.status)) return;
    const failure = new BotError('internal', `job abandoned by the queue: ${error.message}`, {
      cause: error,
    });
    await life.settleFailure(record, failure, sinkOf(record));
    await release(record);
  }

  /**
   * Repairs what a crash between two steps leaves: a job dispatched but never added to BullMQ, a place held
   * by a job that is finished or never recorded, a free slot nobody dispatched.
   */
  async function sweep(): Promise<void> {
    const cutoff = now() - options.lockMs;
    for (const { id, userKey, since } of await fair.admitted()) {
      if (since > cutoff) continue;
      const record = await deps.jobs.get(id);
      if (!record || !UNFINISHED_STATUSES.has(record.status)) {
        await fair.release(id, userKey, now());
        continue;
      }
      if ((await fair.isRunning(id)) && !(await queueFor(record.platform).getJob(id))) {
        const again = await deps.jobs.get(id);
        if (again && UNFINISHED_STATUSES.has(again.status)) await addRunning(id, record.platform);
      }
    }
    await dispatch();
    await refreshPositions();
  }

  const runner: JobRunner = {
    async start(context, request, sink, startOptions = {}) {
      const userKey = scopeKey(context);
      const accepted = await life.accept(
        context,
        request,
        sink,
        {
          async admit(id, key) {
            const mine = await fair.admit(id, key, now());
            if (!mine) return;
            const prompts = await Promise.all(
              // A job being accepted elsewhere this instant has no record yet.
              mine.map(async (other) => (await deps.jobs.get(other))?.request.prompt ?? '(just sent)'),
            );
            throw tooManyJobs(key, prompts, limits.maxPerUser);
          },
          release: async (id) => void (await fair.release(id, userKey, now())),
          startsNow: () => false,
        },
        startOptions.fetchImage,
      );
      if (!accepted) return undefined;
      const { record, body } = accepted;
      local.set(record.id, { sink, record, body });
      await redis.hset(shownByKey, record.id, instanceId);
      await fair.enqueue(record.id, userKey);
      await dispatch();
      await refreshPositions();
      return record;
    },

    async cancel(jobId, userMessage) {
      const record = await deps.jobs.get(jobId);
      if (!record || !UNFINISHED_STATUSES.has(record.status)) return false;
      const error = cancelError(userMessage);
      if (await fair.cancelWaiting(jobId, scopeKey(record))) {
        const sink = sinkOf(record);
        local.delete(jobId);
        await life.settleFailure(record, error, sink);
        void refreshPositions();
        return true;
      }
      const controller = controllers.get(jobId);
      if (controller) {
        controller.abort(error);
        return true;
      }
      // Driven by another process (or about to be taken): it stops at its next poll, or on taking it.
      await redis.set(cancelKey(jobId), userMessage, 'PX', 86_400_000);
      await redis.publish(cancelChannel, JSON.stringify({ jobId, userMessage }));
      return true;
    },

    async startWorkers(givenSinkFor, resumeOptions = {}) {
      sinkFor = givenSinkFor;
      const records = await deps.jobs.unfinished();
      await life.refundOrphans(new Set(records.map((r) => r.id)));
      const requeued: JobRecord[] = [];
      const inLine = new Set(await fair.ordered());
      for (const record of records) {
        if (inLine.has(record.id) || (await queueFor(record.platform).getJob(record.id))) continue;
        // Left by a process that died between two steps: put it back where it belongs.
        await fair.readmit(record.id, scopeKey(record), record.createdAt);
        if (record.status === 'waiting' && !(await fair.isRunning(record.id))) {
          await fair.enqueue(record.id, scopeKey(record));
        } else {
          await fair.markRunning(record.id, scopeKey(record), now());
          await addRunning(record.id, record.platform);
        }
        requeued.push(record);
      }
      for (const platform of resumeOptions.platforms ?? PLATFORMS) {
        const worker = new Worker<{ id: string }, void>(queueName(platform), processJob, {
          connection: redis,
          prefix: options.prefix,
          concurrency: options.workerConcurrency,
          lockDuration: options.lockMs,
          stalledInterval: options.lockMs,
          // A job whose process died is handed on; one that keeps stalling every holder is given up.
          maxStalledCount: 5,
          autorun: false,
        });
        worker.on('failed', (job, error) => {
          void abandon(job, error).catch((e: unknown) =>
            log.error({ err: e }, 'could not settle an abandoned job'),
          );
        });
        worker.on('error', (error) => log.warn({ err: error, platform }, 'job queue worker error'));
        void worker.run().catch((error: unknown) => log.error({ err: error }, 'job queue worker stopped'));
        workers.push(worker);
      }
      const every = (ms: number, task: () => Promise<void>) => {
        const timer = setInterval(
          () => void task().catch((e: unknown) => log.warn({ err: e }, 'sweep failed')),
          ms,
        );
        timer.unref();
        timers.push(timer);
      };
      every(refreshMs, refreshPositions);
      every(sweepMs, sweep);
      await dispatch();
      log.info({ instanceId, requeued: requeued.length }, 'job queue worker started');
      return requeued;
    },

    async shutdown(graceMs = 5000) {
      stopping.abort('shutting down');
      for (const timer of timers) clearInterval(timer);
      // Gone at once, so another process shows the place of the jobs waiting here.
      await redis.del(aliveKey(instanceId)).catch(() => undefined);
      // Running jobs stop polling and go back in line (moveToWait) for another process or the next start.
      const closing = Promise.all(workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      await Promise.allSettled([...[...queues.values()].map((queue) => queue.close()), subscriber.quit()]);
    },
  };
  return runner;
}

/** Refs are JSON in the record; a key order that differs only makes the sink be built again, which is safe. */
function sameRef(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
