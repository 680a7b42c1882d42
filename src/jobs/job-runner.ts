import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { BotError, toBotError } from '../errors.js';
import { settleWithin } from '../util/sleep.js';
import type { BuildRequestDeps, GenerationRequest } from '../generation/request.js';
import type { JobStart } from '../generation/runner.js';
import type { GenerationService } from '../generation/service.js';
import type { Logger } from '../log.js';
import type { QuotaLedger } from '../quota/ledger.js';
import type { Platform, QuotaService } from '../quota/quota.js';
import type { DownloadedVideo } from '../video-api/download.js';
import type { JobEvent } from './events.js';
import type { JobRecord, JobRecordStatus, JobStore } from './job-store.js';
import { createScheduler, type SchedulerLimits } from './scheduler.js';

/**
 * One generation from request to delivery, with its quota and its record: validate → reserve → record →
 * submit → poll → deliver → commit; refund on every other way out. A restarted bot calls `resumeAll` to
 * finish what the previous process left running, with GETs only.
 */

/** Where a job's user-visible output goes; implemented by each adapter (and by the CLI and tests). */
export interface JobSink {
  progress(event: JobEvent, record: JobRecord): Promise<void> | void;
  deliver(video: DownloadedVideo, record: JobRecord): Promise<void>;
  fail(error: BotError, record: JobRecord | undefined): Promise<void>;
  /** Tells the requester, once, that a long job's result is posted (the one mention the bot makes). */
  notify?(record: JobRecord): Promise<void>;
  /** Fetches referenced images again, for a job that waited in line across a restart. */
  fetchImage?: BuildRequestDeps['fetchImage'];
}

export interface JobContext {
  platform: Platform;
  spaceId: string;
  channelId: string;
  userId: string;
  messageRef: unknown;
  imageRefs: string[];
}

export interface JobRunnerDeps {
  service: GenerationService;
  quota: QuotaService;
  ledger: QuotaLedger;
  jobs: JobStore;
  logger: Logger;
  now?: () => number;
  newId?: () => string;
  /** A reservation with no job record older than this is refunded by `resumeAll` (crash between the two). */
  orphanAfterMs?: number;
  /** Upstream jobs at once and jobs per user; unlimited when absent (tests of other things). */
  limits?: SchedulerLimits;
  /** Jobs that took at least this long call `sink.notify` after delivery; never when absent. */
  notifyAfterMs?: number;
  /** The requester's own choice (/settings notify off); notify when absent. */
  notifyEnabled?: (record: JobRecord) => Promise<boolean>;
}

const STATUS_FOR_ERROR: Partial<Record<BotError['kind'], JobRecordStatus>> = {
  job_cancelled: 'cancelled',
  job_timeout: 'timeout',
};

export function createJobRunner(deps: JobRunnerDeps) {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => `job_${randomUUID()}`);
  const log = deps.logger;
  /** Aborted by `shutdown`: running jobs stop polling and keep their records, unsettled, for the next start. */
  const stopping = new AbortController();
  const scheduler = createScheduler(
    deps.limits ?? { maxConcurrent: Number.POSITIVE_INFINITY, maxPerUser: Number.POSITIVE_INFINITY },
    now,
  );
  /** Per running or waiting job: aborting it cancels the job (the reason is the user's message). */
  const controllers = new Map<string, AbortController>();
  // Every running job listens to it; the default cap of 10 listeners would warn at the 11th job.
  setMaxListeners(0, stopping.signal);
  const active = new Set<Promise<unknown>>();

  async function settleFailure(record: JobRecord, error: unknown, sink: JobSink): Promise<void> {
    const botError = toBotError(error);
    const refunded = await deps.quota.refund(record.id);
    await deps.jobs.update(record.id, {
      status: STATUS_FOR_ERROR[botError.kind] ?? 'failed',
      reservation: 'refunded',
      error: botError.message,
    });
    const level = botError.kind === 'misconfigured' || botError.kind === 'internal' ? 'error' : 'warn';
    log[level](
      {
        jobId: record.id,
        upstreamId: record.upstreamId,
        platform: record.platform,
        userId: record.userId,
        refunded,
        err: botError,
      },
      'job failed',
    );
    await sink
      .fail(botError, record)
      .catch((e: unknown) => log.error({ jobId: record.id, err: e }, 'could not report a failure'));
  }

  function drive(
    record: JobRecord,
    start: JobStart,
    sink: JobSink,
    jobSignal: AbortSignal,
    signal?: AbortSignal,
  ): Promise<JobRecord> {
    const signals = [jobSignal, stopping.signal, ...(signal ? [signal] : [])];
    const running = driveToEnd(record, start, sink, jobSignal, AbortSignal.any(signals));
    active.add(running);
    void running.finally(() => active.delete(running)).catch(() => undefined);
    return running;
  }

  async function refuse(context: JobContext, error: unknown, sink: JobSink): Promise<undefined> {
    const botError = toBotError(error);
    log.info(
      { platform: context.platform, userId: context.userId, kind: botError.kind, err: botError },
      'request refused',
    );
    await sink.fail(botError, undefined);
    return undefined;
  }

  /**
   * A job with its quota reserved and its record written: waits for its turn when it must, then builds the
   * request (`body`) and drives it. Its place in the scheduler is freed however it ends.
   */
  async function run(
    record: JobRecord,
    startsNow: boolean,
    body: () => Promise<JobStart>,
    sink: JobSink,
    signal?: AbortSignal,
  ): Promise<JobRecord> {
    const controller = new AbortController();
    controllers.set(record.id, controller);
    let current = record;
    try {
      if (!startsNow) {
        try {
          await scheduler.waitForSlot(record.id, (update) => {
            void Promise.resolve(
              sink.progress({ type: 'waiting', ...update, elapsedMs: now() - record.createdAt }, current),
            ).catch(() => undefined);
          });
        } catch (error) {
          if (stopping.signal.aborted) return current;
          await settleFailure(current, error, sink);
          return (await deps.jobs.get(current.id)) ?? current;
        }
        current = (await deps.jobs.update(current.id, { status: 'reserved' })) ?? current;
      }
      let start: JobStart;
      try {
        start = await body();
      } catch (error) {
        await settleFailure(current, error, sink);
        return (await deps.jobs.get(current.id)) ?? current;
      }
      return await drive(current, start, sink, controller.signal, signal);
    } finally {
      controllers.delete(record.id);
      scheduler.release(record.id);
    }
  }

  async function maybeNotify(record: JobRecord, sink: JobSink): Promise<void> {
    if (!sink.notify || deps.notifyAfterMs === undefined) return;
    if (now() - record.createdAt < deps.notifyAfterMs) return;
    try {
      if (deps.notifyEnabled && !(await deps.notifyEnabled(record))) return;
      await sink.notify(record);
    } catch (error) {
      log.warn({ jobId: record.id, err: error }, 'could not notify the requester');
    }
  }

  async function driveToEnd(
    record: JobRecord,
    start: JobStart,
    sink: JobSink,
    jobSignal: AbortSignal,
    signal: AbortSignal,
  ): Promise<JobRecord> {
    let current = record;
    try {
      for await (const event of deps.service.run(start, signal)) {
        if (event.type === 'submitted' && 'body' in start) {
          current =
            (await deps.jobs.update(current.id, {
              upstreamId: event.jobId,
              status: 'submitted',
              submittedAt: event.startedAt,
            })) ?? current;
        }
        if (event.type === 'progress' && event.status !== 'completed') {
          current =
            (await deps.jobs.update(current.id, { status: event.status, progress: event.progress })) ??
            current;
        }
        if (event.type === 'completed') {
          try {
            await sink.deliver(event.video, current);
          } finally {
            await event.video.cleanup();
          }
          // Marked delivered before committing: a crash between the two must not deliver twice on resume.
          current = (await deps.jobs.update(current.id, { deliveredAt: now(), progress: 100 })) ?? current;
          await deps.quota.commit(current.id);
          current =
            (await deps.jobs.update(current.id, { status: 'completed', reservation: 'committed' })) ??
            current;
          log.info(
            {
              jobId: current.id,
              upstreamId: current.upstreamId,
              platform: current.platform,
              userId: current.userId,
            },
            'job delivered',
          );
          await maybeNotify(current, sink);
          return current;
        }
        await sink.progress(event, current);
      }
      throw new BotError('internal', 'job ended without a result');
    } catch (error) {
      if (stopping.signal.aborted) {
        log.info({ jobId: current.id, upstreamId: current.upstreamId }, 'shutting down; job left for resume');
        return current;
      }
      // A cancelled job fails with the canceller's message, whatever the interrupted call threw.
      await settleFailure(current, jobSignal.aborted ? jobSignal.reason : error, sink);
      return (await deps.jobs.get(current.id)) ?? current;
    }
  }

  return {
    /**
     * Runs one request to the end. Invalid input and an exhausted quota are reported through `sink.fail`
     * before anything is reserved or sent.
     */
    async start(
      context: JobContext,
      request: GenerationRequest,
      sink: JobSink,
      options: { signal?: AbortSignal; fetchImage?: BuildRequestDeps['fetchImage'] } = {},
    ): Promise<JobRecord | undefined> {
      let prepared;
      const id = newId();
      const userKey = `${context.platform}:${context.spaceId}:${context.userId}`;
      try {
        prepared = await deps.service.prepare(request, options.fetchImage);
        scheduler.admit(id, userKey, prepared.summary.prompt);
      } catch (error) {
        return refuse(context, error, sink);
      }
      try {
        await deps.quota.reserve(context, id, prepared.summary.seconds);
      } catch (error) {
        scheduler.release(id);
        return refuse(context, error, sink);
      }
      const { summary } = prepared;
      const startsNow = scheduler.tryStart(id);
      const record: JobRecord = {
        id,
        platform: context.platform,
        spaceId: context.spaceId,
        channelId: context.channelId,
        userId: context.userId,
        messageRef: context.messageRef,
        request: {
          prompt: summary.prompt,
          seconds: summary.seconds,
          aspectRatio: summary.aspectRatio,
          resolution: summary.resolution,
          imageRefs: context.imageRefs,
        },
        status: startsNow ? 'reserved' : 'waiting',
        reservation: 'reserved',
        createdAt: now(),
        updatedAt: now(),
      };
      try {
        await deps.jobs.put(record);
      } catch (error) {
        scheduler.release(id);
        await deps.quota.refund(id);
        await sink.fail(toBotError(error), undefined);
        return undefined;
      }
      const body = prepared.body;
      return run(record, startsNow, async () => ({ body }), sink, options.signal);
    },

    /**
     * Cancels a waiting or running job: it leaves the line or stops being polled (the API has no cancel
     * call), its reservation is refunded and its message shows `userMessage`. False when it is not running
     * in this process.
     */
    cancel(jobId: string, userMessage: string): boolean {
      const error = new BotError('job_cancelled', 'cancelled on request', { userMessage });
      if (scheduler.cancelWaiting(jobId, error)) return true;
      const controller = controllers.get(jobId);
      if (!controller) return false;
      controller.abort(error);
      return true;
    },

    /** Finishes one record left unfinished by a previous process. */
    async resume(record: JobRecord, sink: JobSink, signal?: AbortSignal): Promise<JobRecord> {
      const userKey = `${record.platform}:${record.spaceId}:${record.userId}`;
      if (record.status === 'waiting') {
        // Never sent upstream: it takes its turn again, then is built and submitted like a new job.
        scheduler.readmit(record.id, userKey, record.request.prompt);
        const request: GenerationRequest = {
          prompt: record.request.prompt,
          seconds: record.request.seconds,
          aspectRatio: record.request.aspectRatio,
          resolution: record.request.resolution,
          images: record.request.imageRefs.map((ref, i) => ({ url: ref, name: `image ${i + 1}` })),
        };
        return run(
          record,
          false,
          async () => ({ body: (await deps.service.prepare(request, sink.fetchImage)).body }),
          sink,
          signal,
        );
      }
      if (record.deliveredAt !== undefined) {
        await deps.quota.commit(record.id);
        return (
          (await deps.jobs.update(record.id, { status: 'completed', reservation: 'committed' })) ?? record
        );
      }
      if (!record.upstreamId || record.submittedAt === undefined) {
        // We cannot know whether the POST reached the provider, and cannot look it up without its id.
        const error = new BotError('internal', 'bot restarted before the job was submitted', {
          userMessage:
            'The bot restarted before your video was sent to the video service. Your quota was refunded; please try again.',
        });
        await settleFailure(record, error, sink);
        return (await deps.jobs.get(record.id)) ?? record;
      }
      log.info(
        { jobId: record.id, upstreamId: record.upstreamId, platform: record.platform },
        'resuming job after restart',
      );
      scheduler.readmit(record.id, userKey, record.request.prompt);
      scheduler.markRunning(record.id);
      const upstream = { jobId: record.upstreamId, startedAt: record.submittedAt };
      return run(record, true, async () => upstream, sink, signal);
    },

    /**
     * Stops every running job where it stands (no refund, no failure message): its record stays unfinished
     * so the next start resumes it. Waits up to `graceMs` for jobs busy with a platform call to let go.
     */
    async shutdown(graceMs = 5000): Promise<void> {
      stopping.abort('shutting down');
      // Waiting jobs leave the line unsettled; their records say `waiting`, so the next start queues them.
      for (const id of controllers.keys()) scheduler.cancelWaiting(id, stopping.signal.reason);
      await settleWithin([...active], graceMs);
    },

    /**
     * Resumes every unfinished job that `sinkFor` can deliver (jobs of a platform not running in this process
     * are left for one that does) and refunds reservations orphaned by a crash; resolves when all are settled.
     */
    async resumeAll(
      sinkFor: (record: JobRecord) => JobSink | undefined,
      signal?: AbortSignal,
    ): Promise<JobRecord[]> {
      const records = await deps.jobs.unfinished();
      const known = new Set(records.map((r) => r.id));
      for (const reservation of await deps.ledger.pending()) {
        if (known.has(reservation.reservationId)) continue;
        if (now() - reservation.createdAt < (deps.orphanAfterMs ?? 10 * 60_000)) continue;
        if (await deps.jobs.get(reservation.reservationId)) continue;
        const refunded = await deps.ledger.refund(reservation.reservationId);
        log.warn(
          { reservationId: reservation.reservationId, scope: reservation.scope, refunded },
          'refunded an orphaned reservation',
        );
      }
      // Jobs already upstream take their slots first; waiting ones queue again in their original order.
      const waitingLast = (r: JobRecord) => Number(r.status === 'waiting');
      const resumable = records
        .sort((a, b) => waitingLast(a) - waitingLast(b) || a.createdAt - b.createdAt)
        .flatMap((record) => {
          const sink = sinkFor(record);
          return sink ? [{ record, sink }] : [];
        });
      return Promise.all(resumable.map(({ record, sink }) => this.resume(record, sink, signal)));
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
