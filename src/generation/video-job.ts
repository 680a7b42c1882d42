import { text } from '../i18n/text.js';
import { BotError } from '../errors.js';
import type { Logger } from '../log.js';
import { abortReason, sleep } from '../util/sleep.js';
import type { VideoApiClient } from '../video-api/client.js';
import { downloadVideo, type DownloadedVideo } from '../video-api/download.js';
import { VideoApiError } from '../video-api/errors.js';
import type { RateLimiter } from '../video-api/rate-limit.js';
import type { CreateVideoBody, JobStatus, VideoJob } from '../video-api/schemas.js';
import {
  DEFAULT_POLL_POLICY,
  MAX_PROGRESS_SAMPLES,
  createDurationHistory,
  nextPoll,
  type DurationHistory,
  type PollPolicy,
  type ProgressSample,
} from './poll-schedule.js';

/**
 * One video from the API: submit, poll, download. A plain async iterator of events, so each adapter renders
 * them its own way and a CLI can print them; it knows nothing of chat platforms, queues or quotas (the job
 * runner in src/jobs/ drives it).
 */

export type GenerationEvent =
  | { type: 'submitted'; jobId: string; startedAt: number }
  | { type: 'progress'; jobId: string; status: JobStatus; progress: number | undefined; elapsedMs: number }
  /** Polling has failed for a while; the job may still finish. Lets the adapter tell the user it is slow. */
  | { type: 'delayed'; jobId: string; reason: string; elapsedMs: number }
  | { type: 'downloading'; jobId: string; elapsedMs: number }
  | { type: 'completed'; jobId: string; video: DownloadedVideo; job: VideoJob; elapsedMs: number };

export interface VideoJobDeps {
  client: VideoApiClient;
  logger: Logger;
  maxVideoBytes: number;
  jobTimeoutMs: number;
  pollPolicy?: PollPolicy;
  /** VIDEO_API_MAX_RPS: each status poll waits for its slot, so thousands of jobs poll spread out. */
  pollLimiter?: RateLimiter;
  durations?: DurationHistory;
  now?: () => number;
  tmpRoot?: string;
}

/** Either a new job to submit, or one submitted earlier (a restart) to pick up with GETs only. */
export type JobStart = { body: CreateVideoBody } | { jobId: string; startedAt: number };

const reportedUnknownStatuses = new Set<string>();

/** A poll waiting this long for its VIDEO_API_MAX_RPS slot means the cap, not the provider, sets the pace. */
const POLL_BACKLOG_WARN_MS = 5000;
let pollBacklogWarnedAt = -Infinity;

function warnOfPollBacklog(backlogMs: number, log: Logger, at: number): void {
  if (backlogMs < POLL_BACKLOG_WARN_MS || at - pollBacklogWarnedAt < 60_000) return;
  pollBacklogWarnedAt = at;
  log.warn(
    { backlogMs: Math.round(backlogMs) },
    'status polls are waiting for VIDEO_API_MAX_RPS; finished videos are noticed later (raise it if the provider allows)',
  );
}
const sharedDurations = createDurationHistory();

export async function* runVideoJob(
  deps: VideoJobDeps,
  start: JobStart,
  signal?: AbortSignal,
): AsyncGenerator<GenerationEvent, void, undefined> {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  let jobId: string;
  let startedAt: number;
  /** The job as last seen: the POST's answer, then each poll's. */
  let job: VideoJob | undefined;

  if ('body' in start) {
    startedAt = now();
    const created = await deps.client.createJob(start.body, { signal });
    jobId = created.id;
    job = created;
    // Polled from here like a resumed job: the request, images and all, is not held for the minutes it runs.
    start = { jobId, startedAt };
    log.info({ jobId, status: created.rawStatus }, 'video job submitted');
  } else {
    jobId = start.jobId;
    startedAt = start.startedAt;
    log.info({ jobId }, 'resuming video job');
  }
  yield { type: 'submitted', jobId, startedAt };

  // One generator for the whole job, polls included: each job in flight holds its suspended frame for minutes.
  const policy = deps.pollPolicy ?? DEFAULT_POLL_POLICY;
  const durations = deps.durations ?? sharedDurations;
  const deadline = startedAt + deps.jobTimeoutMs;
  const samples: ProgressSample[] = [];
  let polls = 0;
  let missedLanding = false;
  let failuresSince: number | undefined;
  let delayedReported = false;
  let shown: { status: JobStatus; progress: number | undefined } | undefined;
  /** When the request behind `job` went out, ms since submission (the POST's answer: unknown, so none). */
  let sentMs: number | undefined;

  for (;;) {
    if (job) {
      if (!job.statusKnown && !reportedUnknownStatuses.has(job.rawStatus)) {
        reportedUnknownStatuses.add(job.rawStatus);
        log.warn(
          { jobId, rawStatus: job.rawStatus },
          'unknown job status from the video API; treating it as running',
        );
      }
      const elapsedMs = now() - startedAt;
      if (job.progress !== undefined && job.progress > 0 && job.status === 'processing') {
        samples.push({
          atMs: elapsedMs,
          ...(sentMs === undefined ? {} : { sentMs }),
          progress: job.progress,
        });
        // The first and the latest few pin the rate down; dropping the rest bounds memory on long jobs.
        if (samples.length > MAX_PROGRESS_SAMPLES) samples.splice(1, 1);
      }
      if (!shown || shown.status !== job.status || shown.progress !== job.progress) {
        shown = { status: job.status, progress: job.progress };
        yield { type: 'progress', jobId, status: job.status, progress: job.progress, elapsedMs };
      }
      if (job.status === 'completed') {
        durations.record(elapsedMs);
        log.info({ jobId, elapsedMs, polls }, 'video job completed');
        break;
      }
      if (job.status === 'failed') {
        throw new BotError(
          'job_failed',
          `video job failed upstream: ${job.errorMessage ?? 'no reason given'}`,
          {
            userMessage: job.errorMessage
              ? text('core.job.failedWithReason', { reason: job.errorMessage })
              : text('core.job.failedNoReason'),
            detail: { jobId, polls },
          },
        );
      }
      if (job.status === 'cancelled') {
        throw new BotError('job_cancelled', 'video job was cancelled upstream', {
          userMessage: text('core.job.cancelledUpstream'),
          detail: { jobId },
        });
      }
    }

    const elapsedMs = now() - startedAt;
    if (now() >= deadline) {
      throw new BotError(
        'job_timeout',
        `video job still ${job?.rawStatus ?? 'unknown'} after ${elapsedMs} ms`,
        {
          userMessage: text('core.job.timedOut', { minutes: Math.round(deps.jobTimeoutMs / 60_000) }),
          detail: { jobId, polls },
        },
      );
    }
    const planned = nextPoll(
      { elapsedMs, polls, samples, expectedDurationMs: durations.typicalMs(), missedLanding },
      policy,
    );
    let delay = planned.delayMs;
    if (failuresSince !== undefined) delay = Math.max(delay, policy.maxIntervalMs);
    // Progress checks get ±10 %: jobs started in one burst would otherwise poll in lockstep, opening a
    // connection each at the same instant, and answers queued behind each other widen the window their
    // samples leave for the finish. Polls aimed at a predicted finish stay exact.
    if (!planned.landing) delay *= 0.9 + 0.2 * Math.random();
    await sleep(Math.min(delay, Math.max(0, deadline - now())), signal);
    if (signal?.aborted) throw abortReason(signal);

    polls++;
    try {
      if (deps.pollLimiter) {
        warnOfPollBacklog(deps.pollLimiter.backlogMs(), log, now());
        await deps.pollLimiter.acquire(planned.landing ? 'landing' : 'routine', signal);
      }
      sentMs = now() - startedAt;
      job = await deps.client.getJob(jobId, { signal });
      // If this was a landing poll and the job is still running, the next one aims at the latest finish.
      missedLanding = planned.landing;
      failuresSince = undefined;
      delayedReported = false;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof VideoApiError && error.httpStatus === 404) {
        throw new BotError('job_failed', 'the video API no longer knows this job (404)', {
          userMessage: text('core.job.lost'),
          detail: { jobId },
          cause: error,
        });
      }
      const retryable =
        error instanceof VideoApiError && (error.kind === 'transient' || error.kind === 'rate_limited');
      if (!retryable) throw error;
      failuresSince ??= now();
      log.warn(
        { jobId, err: error, polls },
        'polling the video job failed; will keep trying until the job deadline',
      );
      if (!delayedReported && now() - failuresSince >= 10_000) {
        delayedReported = true;
        yield { type: 'delayed', jobId, reason: error.userMessage, elapsedMs: now() - startedAt };
      }
      if (error.retryAfterMs)
        await sleep(Math.min(error.retryAfterMs, Math.max(0, deadline - now())), signal);
      job = undefined;
    }
  }

  yield { type: 'downloading', jobId, elapsedMs: now() - startedAt };
  const video = await downloadVideo(deps.client, job, {
    maxBytes: deps.maxVideoBytes,
    logger: log,
    signal,
    tmpRoot: deps.tmpRoot,
  });
  yield { type: 'completed', jobId, video, job, elapsedMs: now() - startedAt };
}
