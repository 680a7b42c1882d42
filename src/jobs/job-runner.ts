import type { JobStart } from '../generation/video-job.js';
import { scopeKey } from '../quota/scope.js';
import { settleWithin } from '../util/sleep.js';
import { CancelRequest } from './cancellation.js';
import { createJobControls, type JobControl } from './job-control.js';
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

/**
 * The request of an accepted job, as `run` asks for it. Made out here on purpose: a closure made inside `start`
 * would share its scope with the crash handler that lives as long as the job, and keep the request, images
 * and all, for the job's whole run.
 */
function bodyOf(body: Extract<JobStart, { body: unknown }>['body']): () => Promise<JobStart> {
  return async () => ({ body });
}

/** Stops the job when `signal` aborts, until the returned function unlinks the two. */
function stopWith(signal: AbortSignal, control: JobControl): () => void {
  const stop = () => control.stop(signal.reason);
  if (signal.aborted) stop();
  signal.addEventListener('abort', stop, { once: true });
  return () => signal.removeEventListener('abort', stop);
}

export function createJobRunner(deps: JobRunnerDeps) {
  const now = deps.now ?? Date.now;
  const life = createJobLifecycle(deps);
  const scheduler = createScheduler(
    deps.limits ?? { maxConcurrent: Number.POSITIVE_INFINITY, maxPerUser: Number.POSITIVE_INFINITY },
    now,
  );
  /**
   * Per running or waiting job: how to cancel it (the user) or stop it (shutdown: running jobs stop polling and
   * keep their records, unsettled, for the next start).
   */
  const controls = createJobControls();
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
    const id = record.id;
    const control = controls.open(id);
    // A caller's signal stops the job like shutdown does; linked only when given (the bot passes none).
    const unlink = signal ? stopWith(signal, control) : undefined;
    const leave = () => {
      unlink?.();
      controls.close(id);
      scheduler.release(id);
    };
    let begun: { record: JobRecord; start?: JobStart };
    try {
      begun = await begin(record, startsNow, body, sink);
    } catch (error) {
      leave();
      throw error;
    }
    if (!begun.start) {
      leave();
      return begun.record;
    }
    const running = life.drive(begun.record, begun.start, sink, { control, leaving: controls.stopping });
    active.add(running);
    // The generation is awaited by a reaction, not by this function: a suspended async function keeps its
    // whole frame (the record, the sink, the body's closure) for the minutes the job runs.
    return running.then(
      (result) => {
        active.delete(running);
        leave();
        return result.record;
      },
      (error: unknown) => {
        active.delete(running);
        leave();
        throw error;
      },
    );
  }

  /**
   * Waits for the job's turn when it must, then builds its request. Returns the start to drive, or only the
   * record when the job was settled (or left, on shutdown) before it started.
   */
  async function begin(
    record: JobRecord,
    startsNow: boolean,
    body: () => Promise<JobStart>,
    sink: GenerationReply,
  ): Promise<{ record: JobRecord; start?: JobStart }> {
    let current = record;
    if (!startsNow) {
      try {
        await scheduler.waitForSlot(record.id, (update) => {
          void Promise.resolve(
            sink.progress({ type: 'waiting', ...update, elapsedMs: now() - record.createdAt }, current),
          ).catch(() => undefined);
        });
      } catch (error) {
        if (controls.stopping()) return { record: current };
        await life.settleFailure(current, error, sink);
        return { record: (await deps.jobs.get(current.id)) ?? current };
      }
      current = (await deps.jobs.update(current.id, { status: 'reserved' })) ?? current;
    }
    try {
      return { record: current, start: await body() };
    } catch (error) {
      await life.settleFailure(current, error, sink);
      return { record: (await deps.jobs.get(current.id)) ?? current };
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
      const running = run(record, record.status === 'reserved', bodyOf(body), sink, options.signal);
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
      const control = controls.get(jobId);
      if (!control) return Promise.resolve(false);
      control.cancel(error);
      return Promise.resolve(true);
    },

    resume,

    async shutdown(graceMs = 5000) {
      const reason = controls.stopAll();
      // Waiting jobs leave the line unsettled; their records say `waiting`, so the next start queues them.
      for (const id of controls.ids()) scheduler.cancelWaiting(id, reason);
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
          if (controls.get(record.id)) return [];
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
