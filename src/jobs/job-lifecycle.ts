import { randomUUID } from 'node:crypto';
import { BotError, toBotError } from '../errors.js';
import type {
  BuildRequestDeps,
  GenerationRequest,
  PreparedRequest,
  RequestSummary,
} from '../generation/request.js';
import type { GenerationEvent, JobStart } from '../generation/video-job.js';
import type { Logger } from '../log.js';
import { QuotaExceededError } from '../quota/quota.js';
import { scopeKey } from '../quota/scope.js';
import { CancelRequest, cancelledError, sentUpstream } from './cancellation.js';
import type { JobControl } from './job-control.js';
import type { JobRecord, JobRecordStatus } from './job-store.js';
import type { JobContext, JobObserver, JobRunnerDeps } from './types.js';
import type { GenerationReply } from '../port.js';
import { translator } from '../i18n/translate.js';
import { text } from '../i18n/text.js';

/**
 * The steps of one job that do not depend on where it runs: accept (validate, admit, reserve, images,
 * record), drive (submit or resume, poll, deliver, commit), settle a failure (refund, record, tell the user),
 * and rebuild a waiting job's request from its record (what a restart does with an unfinished record is
 * src/jobs/resume-plan.ts). The in-process runner and the BullMQ runner both use them;
 * they differ only in who decides when a job may start and which process drives it.
 * Kept in one file (past 300 lines) because accept's give-back path and drive's settlement must stay
 * symmetrical: every way out of a step that holds a place or a reservation is visible on one screen.
 */

/** Thrown to leave a job unsettled for another attempt (shutdown, or another process is delivering it). */
export class JobHandoff extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'JobHandoff';
  }
}

/** Before posting a finished video: 'deliver' it, it was already 'done' by an earlier attempt, or throw. */
export interface DeliveryGuard {
  claim(jobId: string): Promise<'deliver' | 'done'>;
  /** Called after the video is posted; the claim then holds for good. */
  done(jobId: string): Promise<void>;
  /** Called when posting failed, so a retry may claim again at once. */
  release(jobId: string): Promise<void>;
}

export interface DriveOptions {
  /** Stop (shutdown, the caller: settled as a failure or left, see `leaving`) or Cancel (settled as cancelled). */
  control: JobControl;
  /** True when the process is stopping: the job is left unsettled for the next attempt. */
  leaving: () => boolean;
  guard?: DeliveryGuard;
}

export interface DriveResult {
  record: JobRecord;
  /** False when the job was left unsettled (shutdown or handoff) for another attempt. */
  settled: boolean;
}

const STATUS_FOR_ERROR: Partial<Record<BotError['kind'], JobRecordStatus>> = {
  job_cancelled: 'cancelled',
  job_timeout: 'timeout',
};

/**
 * Accepting a job holds a place in line and a quota reservation while its images are fetched and decoded,
 * with no record yet; this bounds that time, so a place without a record older than it (plus the sweep's
 * margin) can only be a crash's leftover.
 */
export const ACCEPT_IMAGES_DEADLINE_MS = 120_000;

async function withinImagesDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new BotError('transient', `images not ready within ${ms} ms`, {
            userMessage: text('core.jobs.imagesTooSlow'),
          }),
        ),
      ms,
    );
  });
  // The slow work may still finish; its result is dropped.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function requestFromRecord(record: JobRecord): GenerationRequest {
  return {
    prompt: record.request.prompt,
    seconds: record.request.seconds,
    aspectRatio: record.request.aspectRatio,
    resolution: record.request.resolution,
    images: record.request.imageRefs.map((ref, i) => ({
      url: ref,
      name: `image-${i + 1}`,
      label: text('core.images.numbered', { n: i + 1 }),
    })),
    // Records from before models were chosen have none: they ran on the default model.
    ...(record.request.model === undefined ? {} : { model: record.request.model }),
  };
}

export function createJobLifecycle(deps: JobRunnerDeps) {
  const now = deps.now ?? Date.now;
  const log: Logger = deps.logger;
  const observe: JobObserver = (observation) => {
    try {
      deps.observe?.(observation);
    } catch (error) {
      log.warn({ err: error }, 'job observer failed');
    }
  };

  async function settleFailure(
    record: JobRecord,
    error: unknown,
    sink: GenerationReply | undefined,
  ): Promise<void> {
    // The stored record may be ahead of the caller's copy (the upstream id written by another step).
    const charged =
      error instanceof CancelRequest &&
      (sentUpstream(record) || sentUpstream((await deps.jobs.get(record.id)) ?? record));
    const botError = error instanceof CancelRequest ? cancelledError(error, charged) : toBotError(error);
    let refunded = false;
    if (charged) await deps.quota.commit(record.id);
    else refunded = await deps.quota.refund(record.id);
    const status = STATUS_FOR_ERROR[botError.kind] ?? 'failed';
    await deps.jobs.update(record.id, {
      status,
      reservation: charged ? 'committed' : 'refunded',
      error: botError.message,
    });
    observe({
      type: 'settled',
      platform: record.platform,
      status,
      kind: botError.kind,
      durationMs: now() - record.createdAt,
    });
    if (error instanceof CancelRequest) observe({ type: 'cancelled', platform: record.platform, charged });
    // A channel the bot is not in is the user's situation (they are told how to invite it), not a fault.
    const level =
      error instanceof CancelRequest || botError.kind === 'unreachable'
        ? 'info'
        : botError.kind === 'misconfigured' || botError.kind === 'internal'
          ? 'error'
          : 'warn';
    log[level](
      {
        jobId: record.id,
        upstreamId: record.upstreamId,
        platform: record.platform,
        userId: record.userId,
        refunded,
        charged,
        err: botError,
      },
      error instanceof CancelRequest ? 'job cancelled' : 'job failed',
    );
    // The message says the job did not count only when this settlement (or an earlier one) gave it back.
    const settled: JobRecord = {
      ...record,
      status,
      reservation: charged
        ? 'committed'
        : refunded || record.reservation === 'refunded'
          ? 'refunded'
          : record.reservation,
    };
    // About a started job: in the job's language (its record's), whoever shows it.
    await sink
      ?.fail(botError.localized(translator(settled.language ?? 'en')), settled)
      .catch((e: unknown) => log.error({ jobId: record.id, err: e }, 'could not report a failure'));
  }

  async function refuse(context: JobContext, error: unknown, sink: GenerationReply): Promise<undefined> {
    const botError = toBotError(error);
    observe({
      type: 'refused',
      platform: context.platform,
      kind: botError.kind,
      ...(botError instanceof QuotaExceededError ? { quotaLimit: botError.limit } : {}),
    });
    // An image that could not be fetched for a reason of ours is not the user's doing.
    const level = botError.kind === 'misconfigured' || botError.kind === 'internal' ? 'error' : 'info';
    log[level](
      { platform: context.platform, userId: context.userId, kind: botError.kind, err: botError },
      'request refused',
    );
    // Nothing started: a private refusal, in the user's language.
    await sink.fail(
      botError.localized(translator(context.privateLanguage ?? context.language ?? 'en')),
      undefined,
    );
    return undefined;
  }

  async function maybeNotify(record: JobRecord, sink: GenerationReply): Promise<void> {
    if (!sink.notify || deps.notifyAfterMs === undefined) return;
    if (now() - record.createdAt < deps.notifyAfterMs) return;
    try {
      if (deps.notifyEnabled && !(await deps.notifyEnabled(record))) return;
      await sink.notify(record);
    } catch (error) {
      log.warn({ jobId: record.id, err: error }, 'could not notify the requester');
    }
  }

  /** Marks a delivered job done: committed, completed, logged, and the requester notified if it was long. */
  async function finishDelivered(record: JobRecord, sink: GenerationReply | undefined): Promise<JobRecord> {
    await deps.quota.commit(record.id);
    const current =
      (await deps.jobs.update(record.id, { status: 'completed', reservation: 'committed' })) ?? record;
    observe({
      type: 'settled',
      platform: current.platform,
      status: 'completed',
      durationMs: now() - current.createdAt,
    });
    log.info(
      {
        jobId: current.id,
        upstreamId: current.upstreamId,
        platform: current.platform,
        userId: current.userId,
      },
      'job delivered',
    );
    if (sink) await maybeNotify(current, sink);
    return current;
  }

  /**
   * Submits (or resumes) the job and follows it to the end. Not itself async: the job's request (its images
   * included) goes to the generator, which lets go of it once posted, and to no frame that lives as long as
   * the job.
   */
  function drive(
    record: JobRecord,
    start: JobStart,
    sink: GenerationReply,
    options: DriveOptions,
  ): Promise<DriveResult> {
    return follow(record, deps.service.run(start, options.control.signal), 'body' in start, sink, options);
  }

  async function follow(
    // The record as it changes: a parameter reassigned, not a copy beside the first, which the job's frame
    // would hold, stale, for its whole run.
    current: JobRecord,
    events: AsyncGenerator<GenerationEvent, void, undefined>,
    submitting: boolean,
    sink: GenerationReply,
    options: DriveOptions,
  ): Promise<DriveResult> {
    const { control } = options;
    observe({ type: 'driving', delta: 1 });
    try {
      // Nothing goes upstream before the user's message for this job exists: a job the bot could not show
      // (`unreachable`: not a member where it was asked; or the platform failing) is settled here as a
      // failure, refunded, with nothing submitted, and the adapter's fail() says why.
      if (submitting) await sink.ready?.(current);
      if (control.cancelled) throw control.cancelReason;
      control.posting(submitting);
      for await (const event of events) {
        if (event.type === 'submitted' && submitting) {
          current =
            (await deps.jobs.update(current.id, {
              upstreamId: event.jobId,
              status: 'submitted',
              submittedAt: event.startedAt,
            })) ?? current;
          control.posting(false);
          if (control.cancelled) throw control.cancelReason;
        }
        // The record follows the job's status, which a restart needs, not each percent, which nothing reads
        // back (the reply renders the event): a write per percent cost a read, a parse and a write of the
        // record on the shared SQLite file at nearly every poll.
        if (event.type === 'progress' && event.status !== 'completed' && event.status !== current.status) {
          current =
            (await deps.jobs.update(current.id, { status: event.status, progress: event.progress })) ??
            current;
        }
        if (event.type === 'completed') {
          let posted = false;
          // An extension posts the whole video: the clips it continues joined with the new one.
          let video = event.video;
          try {
            if (current.chain) {
              await sink.progress(
                { type: 'downloading', jobId: event.jobId, elapsedMs: event.elapsedMs },
                current,
              );
              video = await deps.service.chain.join(
                current.chain,
                event.video,
                sink.fetchFile?.bind(sink),
                control.signal,
              );
            }
            const claim = options.guard ? await options.guard.claim(current.id) : 'deliver';
            if (claim === 'deliver') {
              try {
                await sink.deliver(video, current);
              } catch (error) {
                await options.guard?.release(current.id).catch(() => undefined);
                throw error;
              }
              await options.guard?.done(current.id);
              posted = true;
            } else {
              log.info({ jobId: current.id }, 'already delivered by an earlier attempt; not posting again');
            }
          } finally {
            if (video !== event.video) await video.cleanup();
            await event.video.cleanup();
          }
          // Marked delivered before committing: a crash between the two must not deliver twice on resume.
          current = (await deps.jobs.update(current.id, { deliveredAt: now(), progress: 100 })) ?? current;
          // The attempt that posted is the one that may notify.
          return { record: await finishDelivered(current, posted ? sink : undefined), settled: true };
        }
        await sink.progress(event, current);
      }
      throw new BotError('internal', 'job ended without a result');
    } catch (error) {
      if (options.leaving() || error instanceof JobHandoff) {
        log.info(
          { jobId: current.id, upstreamId: current.upstreamId, reason: String(error) },
          'job left unsettled for another attempt',
        );
        return { record: current, settled: false };
      }
      await settleFailure(current, control.cancelled ? control.cancelReason : error, sink);
      return { record: (await deps.jobs.get(current.id)) ?? current, settled: true };
    } finally {
      observe({ type: 'driving', delta: -1 });
    }
  }

  /**
   * Validates the request (no I/O), takes the job's place (`admit`, which may refuse), reserves quota, then
   * fetches and decodes the images and writes the record. Nothing costly happens before the checks that can
   * refuse the job. Undefined when refused or when an image is unusable: the sink was told why and nothing
   * is held.
   */
  async function accept(
    context: JobContext,
    request: GenerationRequest,
    sink: GenerationReply,
    places: {
      admit(id: string, userKey: string, prompt: string): Promise<void> | void;
      release(id: string): Promise<void> | void;
      /** Whether the job may start at once (its record then says `reserved`, else `waiting`). */
      startsNow(id: string): boolean;
    },
    fetchImage?: BuildRequestDeps['fetchImage'],
  ): Promise<{ record: JobRecord; body: Extract<JobStart, { body: unknown }>['body'] } | undefined> {
    const id = deps.newId?.() ?? `job_${randomUUID()}`;
    let summary: RequestSummary;
    try {
      summary = deps.service.validate(request);
      await places.admit(id, scopeKey(context), summary.prompt);
    } catch (error) {
      return refuse(context, error, sink);
    }
    let charged: NonNullable<JobRecord['charged']>;
    try {
      const reservation = await deps.quota.reserve(context, id, {
        seconds: summary.seconds,
        model: summary.model,
        resolution: summary.resolution,
      });
      charged = { amount: reservation.cost, unit: reservation.unit };
    } catch (error) {
      await places.release(id);
      return refuse(context, error, sink);
    }
    /** Undoes `admit` and `reserve` for a job that will not be recorded. */
    const giveBack = async () => {
      try {
        await places.release(id);
      } finally {
        await deps.quota.refund(id);
      }
    };
    let prepared: PreparedRequest;
    try {
      prepared = await withinImagesDeadline(
        deps.service.build(request, summary, fetchImage),
        deps.imagesDeadlineMs ?? ACCEPT_IMAGES_DEADLINE_MS,
      );
    } catch (error) {
      await giveBack();
      return refuse(context, error, sink);
    }
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
        model: summary.model,
      },
      ...(context.chain ? { chain: context.chain } : {}),
      status: places.startsNow(id) ? 'reserved' : 'waiting',
      reservation: 'reserved',
      charged,
      ...(context.language ? { language: context.language } : {}),
      createdAt: now(),
      updatedAt: now(),
    };
    try {
      await deps.jobs.put(record);
    } catch (error) {
      await giveBack();
      await sink.fail(
        toBotError(error).localized(translator(context.privateLanguage ?? context.language ?? 'en')),
        undefined,
      );
      return undefined;
    }
    observe({ type: 'accepted', platform: record.platform });
    return { record, body: prepared.body };
  }

  /**
   * The upstream request of a job that waited in line without its request at hand (after a restart, or
   * taken by another process): built again from the record, its images fetched again through the sink.
   */
  async function rebuild(record: JobRecord, sink: GenerationReply): Promise<JobStart> {
    const request = requestFromRecord(record);
    if (record.chain) {
      // An extension's reference image is a frame of the video it continues, taken again.
      const frame = await deps.service.chain.lastFrame(record.chain, sink.fetchFile?.bind(sink));
      request.images = [
        {
          bytes: frame.png,
          name: 'last-frame.png',
          label: text('core.images.lastFrame'),
          contentType: 'image/png',
        },
      ];
    }
    return { body: (await deps.service.prepare(request, sink.fetchImage)).body };
  }

  /** Refunds reservations left with no job record by a crash between the two writes. */
  async function refundOrphans(known: ReadonlySet<string>): Promise<void> {
    for (const reservation of await deps.ledger.pending()) {
      if (known.has(reservation.reservationId)) continue;
      if (now() - reservation.createdAt < (deps.orphanAfterMs ?? 10 * 60_000)) continue;
      if (await deps.jobs.get(reservation.reservationId)) continue;
      const refunded = await deps.ledger.refund(reservation.reservationId);
      log.warn(
        { reservationId: reservation.reservationId, scope: reservation.charges[0]?.scope, refunded },
        'refunded an orphaned reservation',
      );
    }
  }

  return { accept, drive, settleFailure, finishDelivered, rebuild, refundOrphans };
}
export type JobLifecycle = ReturnType<typeof createJobLifecycle>;
