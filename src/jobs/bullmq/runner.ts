import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { platformSchema, PLATFORMS, type Platform } from '../../platforms.js';
import { scopeKey } from '../../quota/scope.js';
import { createDeliveryClaims } from '../delivery-claim.js';
import { createJobControls, type JobControl } from '../job-control.js';
import { createJobLifecycle, type DriveResult } from '../job-lifecycle.js';
import { UNFINISHED_STATUSES, type JobRecord } from '../job-store.js';
import { createRedisFairQueue } from '../redis-fair-queue.js';
import { tooManyJobs } from '../scheduler.js';
import type { JobRunner, JobRunnerDeps, ReplyFor } from '../types.js';
import { CancelRequest } from '../cancellation.js';
import { openCancelChannel } from './cancel-channel.js';
import { createCrashSweep, jobDataSchema } from './crash-sweep.js';
import { planTakenJob } from './taken-job.js';
import { createWaitingPositions } from './waiting-positions.js';

/**
 * The job runner for several bot processes on one Redis (STORE_URL=redis://). Any process accepts a request
 * (validate, admit, reserve, images, record) and puts the job in the shared fair queue (src/jobs/redis-fair-queue.ts);
 * whichever process frees a slot moves the next jobs, fairly, into a BullMQ queue; every process is a BullMQ
 * worker (WORKER_CONCURRENCY at once) that drives what it takes: submit, poll, deliver through the adapter's
 * sink for the record. When a process dies, BullMQ's stalled-job check hands its jobs to another worker,
 * which resumes polling from the record (GETs only, no second upstream job); the delivered marker
 * (src/jobs/delivery-claim.ts) keeps a retried job from posting twice. The places in line
 * (./waiting-positions.ts), Cancel (./cancel-channel.ts) and the repair of what a crash leaves
 * (./crash-sweep.ts) are modules of their own.
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
  const refreshMs = options.refreshMs ?? 2000;
  const sweepMs = options.sweepMs ?? Math.max(1000, options.lockMs);

  const queues = new Map(
    PLATFORMS.map((platform) => [
      platform,
      new Queue(queueName(platform), { connection: redis, prefix: options.prefix }),
    ]),
  );
  const queueFor = (platform: Platform) => queues.get(platform)!;
  /**
   * Per job this process is driving: how to cancel it (the user) or stop it (shutdown: it goes back in line for
   * another process or the next start).
   */
  const controls = createJobControls();
  const leaving = controls.stopping;
  let replyFor: ReplyFor | undefined;
  const workers: Array<{ close(): Promise<void> }> = [];
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => Promise<void>, failure: string) => {
    const timer = setInterval(() => void task().catch((e: unknown) => log.warn({ err: e }, failure)), ms);
    timer.unref();
    timers.push(timer);
  };

  const positions = createWaitingPositions({
    redis,
    prefix: fqPrefix,
    instanceId,
    fair,
    jobs: deps.jobs,
    logger: log,
    now,
    slots: limits.maxConcurrent,
    aliveMs: Math.max(3 * refreshMs, options.lockMs),
    replyFor: () => replyFor,
  });
  const cancels = await openCancelChannel({
    redis,
    prefix: fqPrefix,
    logger: log,
    onCancel: (jobId, error) => controls.get(jobId)?.cancel(error),
  });
  const sweep = createCrashSweep({
    fair,
    jobs: deps.jobs,
    now,
    lockMs: options.lockMs,
    imagesDeadlineMs: deps.imagesDeadlineMs,
    isQueued: async (id, platform) => (await queueFor(platform).getJob(id)) !== undefined,
    addRunning,
    dispatch,
    refreshPositions: positions.refresh,
    async settleFailed(record, error) {
      await life.settleFailure(record, error, positions.sinkOf(record));
      await release(record);
    },
  });
  const taker = { life, cancels, jobs: deps.jobs, logger: log };
  await positions.heartbeat();
  const beat = setInterval(() => void positions.heartbeat().catch(() => undefined), refreshMs);
  beat.unref();
  timers.push(beat);

  /** Moves the next jobs, fairly, from the shared line into BullMQ as slots free up. */
  async function dispatch(): Promise<void> {
    const started = await fair.dispatch(now());
    if (started.length === 0) return;
    await Promise.all(started.map(({ id, userKey }) => addRunning(id, platformOf(userKey))));
    void positions.refresh();
  }

  async function addRunning(id: string, platform: Platform): Promise<void> {
    await queueFor(platform).add(queueName(platform), { id }, { ...JOB_OPTIONS, jobId: id });
  }

  async function release(record: JobRecord): Promise<void> {
    await fair.release(record.id, scopeKey(record), now());
    await positions.forget(record.id);
    await dispatch();
  }

  /** One BullMQ attempt at a job: whatever its record says is next, to the end or until handed off. */
  async function processJob(job: Job<{ id: string }, void>, token?: string): Promise<void> {
    const { id } = jobDataSchema.parse(job.data);
    const record = await deps.jobs.get(id);
    if (!record || !UNFINISHED_STATUSES.has(record.status)) {
      // Finished by an earlier attempt; make sure its places are free.
      if (record) await release(record);
      return;
    }
    const control = controls.open(id);
    let result: DriveResult | undefined;
    try {
      result = await driveTaken(record, job.attemptsMade, control);
    } finally {
      controls.close(id);
      if (result?.settled) await release(result.record);
    }
    if (!result.settled) {
      if (controls.stopping()) {
        // Back in line at once for another process (or the next start); not counted as a failed attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      // Another process is posting it right now: look again once its claim would have lapsed.
      await job.moveToDelayed(now() + options.lockMs, token);
      throw new DelayedError();
    }
  }

  /**
   * Plans a taken job and starts its drive. Apart from processJob, which waits for the whole run: this frame
   * holds the waiting job's request (its images), and it ends as the drive begins.
   */
  async function driveTaken(
    record: JobRecord,
    attemptsMade: number,
    control: JobControl,
  ): Promise<DriveResult> {
    const waiting = positions.take(record.id);
    const sink = positions.sinkOf(record, waiting);
    if (!sink) {
      // This process does not run the job's platform; BullMQ retries it, with backoff, for one that does.
      throw new Error(`no ${record.platform} adapter in this process`);
    }
    const next = await planTakenJob(taker, record, sink, waiting?.body, attemptsMade);
    return 'settled' in next ? next : life.drive(next.record, next.start, sink, { control, leaving, guard });
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
              mine.map(async (other) => (await deps.jobs.get(other))?.request.prompt),
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
      await positions.show({ sink, record, body });
      await fair.enqueue(record.id, userKey);
      await dispatch();
      await positions.refresh();
      return record;
    },

    async cancel(jobId, { by }) {
      const record = await deps.jobs.get(jobId);
      if (!record || !UNFINISHED_STATUSES.has(record.status)) return false;
      const error = new CancelRequest(by);
      if (await fair.cancelWaiting(jobId, scopeKey(record))) {
        const sink = positions.sinkOf(record);
        positions.take(jobId);
        await life.settleFailure(record, error, sink);
        void positions.refresh();
        return true;
      }
      const control = controls.get(jobId);
      if (control) {
        control.cancel(error);
        return true;
      }
      await cancels.request(jobId, by);
      return true;
    },

    async startWorkers(givenSinkFor, startOptions = {}) {
      replyFor = givenSinkFor;
      const records = await deps.jobs.unfinished();
      await life.refundOrphans(new Set(records.map((r) => r.id)));
      const requeued = await sweep.requeue(records);
      for (const platform of startOptions.platforms ?? PLATFORMS) {
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
          void sweep
            .abandon(job, error)
            .catch((e: unknown) => log.error({ err: e }, 'could not settle an abandoned job'));
        });
        worker.on('error', (error) => log.warn({ err: error, platform }, 'job queue worker error'));
        void worker.run().catch((error: unknown) => log.error({ err: error }, 'job queue worker stopped'));
        workers.push(worker);
      }
      every(refreshMs, positions.refresh, 'could not refresh places in line');
      every(sweepMs, sweep.sweep, 'sweep failed');
      await dispatch();
      log.info({ instanceId, requeued: requeued.length }, 'job queue worker started');
      return requeued;
    },

    async shutdown(graceMs = 5000) {
      controls.stopAll();
      for (const timer of timers) clearInterval(timer);
      await positions.leave().catch(() => undefined);
      // Running jobs stop polling and go back in line (moveToWait) for another process or the next start.
      const closing = Promise.all(workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      await Promise.allSettled([...[...queues.values()].map((queue) => queue.close()), cancels.close()]);
    },
  };
  return runner;
}
