import { setMaxListeners } from 'node:events';
import type { JobStart } from '../generation/video-job.js';
import { scopeKey } from '../quota/scope.js';
import { settleWithin } from '../util/sleep.js';
import { CancelRequest } from './cancellation.js';
import { createJobLifecycle } from './job-lifecycle.js';
import type { JobRecord } from './job-store.js';
import { RESTARTED_BEFORE_SUBMIT, resumePlan } from './resume-plan.js';
import { createScheduler } from './scheduler.js';
import type { JobRunner, JobRunnerDeps } from './types.js';
import type { GenerationReply } from '../port.js';

/**
 * One generation from request to delivery, with its quota and its record: validate → cap → reserve → images → record →
 * submit → poll → deliver → commit; refund on every other way out. A restarted bot calls `startWorkers` to
 * finish what the previous process left running, with GETs only.
 *
 * Two implementations of `JobRunner`: this one, in-process (the embedded default: one bot process owns
 * every job), and the BullMQ one (src/jobs/bullmq/runner.ts) when STORE_URL is Redis and several bot
 * processes share the work. Commands and adapters see only the interface.
 */

export function createJobRunner(deps: JobRunnerDeps) {
  const now = deps.now ?? Date.now;
  const life = createJobLifecycle(deps);
  /** Aborted by `shutdown`: running jobs stop polling and keep their records, unsettled, for the next start. */
  const stopping = new AbortController();
  const scheduler = createScheduler(
    deps.limits ?? { maxConcurrent: Number.POSITIVE_INFINITY, maxPerUser: Number.POSITIVE_INFINITY },
    now,
  );
  /** Per running or waiting job: aborting it with a CancelRequest cancels the job. */
  const controllers = new Map<string, AbortController>();
  // Every running job listens to it; the default cap of 10 listeners would warn at the 11th job.
  setMaxListeners(0, stopping.signal);
  const active = new Set<Promise<unknown>>();

  /**
   * A job with its quota reserved and its record written: waits for its turn when it must, then builds the
   * request (`body`) and drives it. Its place in the scheduler is freed however it ends.
   */
  async function run(
    record: JobRecord,
    startsNow: boolean,
    body: () => Promise<JobStart>,
    sink: GenerationReply,
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
          await life.settleFailure(current, error, sink);
          return (await deps.jobs.get(current.id)) ?? current;
        }
        current = (await deps.jobs.update(current.id, { status: 'reserved' })) ?? current;
      }
      let start: JobStart;
      try {
        start = await body();
      } catch (error) {
        await life.settleFailure(current, error, sink);
        return (await deps.jobs.get(current.id)) ?? current;
      }
      const running = life.drive(current, start, sink, {
        signal: signal ? AbortSignal.any([stopping.signal, signal]) : stopping.signal,
        jobSignal: controller.signal,
        leaving: () => stopping.signal.aborted,
      });
      active.add(running);
      void running.finally(() => active.delete(running)).catch(() => undefined);
      return (await running).record;
    } finally {
      controllers.delete(record.id);
      scheduler.release(record.id);
    }
  }

  /** Finishes one record left unfinished by a previous process. */
  async function resume(record: JobRecord, sink: GenerationReply, signal?: AbortSignal): Promise<JobRecord> {
    const userKey = scopeKey(record);
    const plan = resumePlan(record);
    switch (plan.kind) {
      case 'build':
        // Never sent upstream: it takes its turn again, then is built and submitted like a new job.
        scheduler.readmit(record.id, userKey, record.request.prompt);
        return run(record, false, () => life.rebuild(record, sink), sink, signal);
      case 'commit':
        return life.finishDelivered(record, undefined);
      case 'ambiguous':
        // We cannot know whether the POST reached the provider, and cannot look it up without its id.
        await life.settleFailure(record, RESTARTED_BEFORE_SUBMIT(), sink);
        return (await deps.jobs.get(record.id)) ?? record;
      case 'poll':
        deps.logger.info(
          { jobId: record.id, upstreamId: record.upstreamId, platform: record.platform },
          'resuming job after restart',
        );
        scheduler.readmit(record.id, userKey, record.request.prompt);
        scheduler.markRunning(record.id);
        return run(record, true, async () => plan.start, sink, signal);
    }
  }

  const runner: JobRunner & { resume: typeof resume } = {
    async start(context, request, sink, options = {}) {
      const accepted = await life.accept(
        context,
        request,
        sink,
        {
          admit: (id, userKey, prompt) => scheduler.admit(id, userKey, prompt),
          release: (id) => scheduler.release(id),
          startsNow: (id) => scheduler.tryStart(id),
        },
        options.fetchImage,
      );
      if (!accepted) return undefined;
      const { record, body } = accepted;
      const running = run(record, record.status === 'reserved', async () => ({ body }), sink, options.signal);
      if (!options.detach) return running;
      options.detach(
        running.catch((error: unknown) =>
          deps.logger.error({ jobId: record.id, platform: record.platform, err: error }, 'job crashed'),
        ),
      );
      return record;
    },

    cancel(jobId, { by }) {
      const error = new CancelRequest(by);
      if (scheduler.cancelWaiting(jobId, error)) return Promise.resolve(true);
      const controller = controllers.get(jobId);
      if (!controller) return Promise.resolve(false);
      controller.abort(error);
      return Promise.resolve(true);
    },

    resume,

    async shutdown(graceMs = 5000) {
      stopping.abort('shutting down');
      // Waiting jobs leave the line unsettled; their records say `waiting`, so the next start queues them.
      for (const id of controllers.keys()) scheduler.cancelWaiting(id, stopping.signal.reason);
      await settleWithin([...active], graceMs);
    },

    /**
     * Resumes every unfinished job that `replyFor` can deliver (jobs of a platform not running in this process
     * are left for one that does) and refunds reservations orphaned by a crash; resolves when all are settled.
     */
    async startWorkers(replyFor, options = {}) {
      const records = await deps.jobs.unfinished();
      await life.refundOrphans(new Set(records.map((r) => r.id)));
      // Jobs already upstream take their slots first; waiting ones queue again in their original order.
      const waitingLast = (r: JobRecord) => Number(r.status === 'waiting');
      const resumable = records
        .sort((a, b) => waitingLast(a) - waitingLast(b) || a.createdAt - b.createdAt)
        .flatMap((record) => {
          // A job this process started after its adapters came up is already running here.
          if (controllers.has(record.id)) return [];
          if (options.platforms && !options.platforms.includes(record.platform)) return [];
          if (options.owns && !options.owns(record)) return [];
          const sink = replyFor(record);
          return sink ? [{ record, sink }] : [];
        });
      return Promise.all(resumable.map(({ record, sink }) => resume(record, sink, options.signal)));
    },
  };
  return runner;
}
