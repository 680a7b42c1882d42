import { requireVideoApiKey, type Config, type GenerationLimits } from '../config.js';
import type { Logger } from '../log.js';
import { createVideoApiClient, type VideoApiClient } from '../video-api/client.js';
import { createSemaphore } from '../util/semaphore.js';
import {
  buildValidatedRequest,
  buildVideoRequest,
  validateRequest,
  type BuildRequestDeps,
  type GenerationRequest,
  type PreparedRequest,
  type RequestSummary,
} from './request.js';
import { createRateLimiter } from '../video-api/rate-limit.js';
import { createFfmpeg, type Ffmpeg } from '../video/ffmpeg.js';
import { createChainTools, type ChainTools } from './chain.js';
import { runVideoJob, type GenerationEvent, type JobStart, type VideoJobDeps } from './video-job.js';

/**
 * The generation core as every front end sees it: prepare a request, then run a job. Built once from the
 * config so the CLI, the bot and the tests wire the same pieces the same way.
 */
export interface GenerationService {
  readonly client: VideoApiClient;
  /** The generation limits of the config (MAX_SECONDS, MAX_EXTENDED_SECONDS, ...). */
  readonly limits: GenerationLimits;
  /** This process's ffmpeg (FFMPEG_CONCURRENCY runs at once, each under FFMPEG_TIMEOUT_SECONDS). */
  readonly ffmpeg: Ffmpeg;
  /** Extend: the last frame of the video a chain continues, and the joined result. */
  readonly chain: ChainTools;
  /** Checks everything that needs no I/O (throws `InvalidInputError`); cheap, so it runs before any other. */
  validate(request: GenerationRequest): RequestSummary;
  /** Fetches and decodes the images of a validated request and builds the body; bounded per process. */
  build(
    request: GenerationRequest,
    summary: RequestSummary,
    fetchImage?: BuildRequestDeps['fetchImage'],
  ): Promise<PreparedRequest>;
  /** `validate` then `build`, for callers with nothing to check in between. */
  prepare(request: GenerationRequest, fetchImage?: BuildRequestDeps['fetchImage']): Promise<PreparedRequest>;
  run(start: JobStart, signal?: AbortSignal): AsyncGenerator<GenerationEvent, void, undefined>;
}

export interface GenerationServiceOverrides {
  runner?: Partial<Omit<VideoJobDeps, 'client' | 'logger'>>;
  retry?: { baseDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
}

export function createGenerationService(
  config: Config,
  logger: Logger,
  overrides: GenerationServiceOverrides = {},
): GenerationService {
  const client = createVideoApiClient({
    baseUrl: config.videoApi.baseUrl,
    apiKey: requireVideoApiKey(config),
    timeoutMs: config.videoApi.timeoutMs,
    retry: { maxRetries: config.videoApi.maxRetries, ...overrides.retry },
    logger,
  });
  const runnerDeps: VideoJobDeps = {
    client,
    logger,
    maxVideoBytes: config.maxVideoBytes,
    jobTimeoutMs: config.jobTimeoutMs,
    // One per process, like the decode slots: the cap is on what this process asks of the provider.
    pollLimiter: createRateLimiter(config.videoApi.maxPollsPerSecond),
    ...overrides.runner,
  };
  const models = { defaultModel: config.videoApi.model, offered: config.videoApi.models };
  // One per process (the service is built once): decoding is what costs memory, whichever job asks.
  const decodeSlots = createSemaphore(config.imageDecodeConcurrency);
  const buildDeps = (fetchImage: BuildRequestDeps['fetchImage']): BuildRequestDeps => ({
    limits: config.limits,
    models,
    fetchImage,
    decodeSlots,
  });
  // One per process, like the decode slots: ffmpeg runs are what cost CPU and memory, whichever job asks.
  const ffmpeg = createFfmpeg({
    path: config.ffmpeg.path,
    concurrency: config.ffmpeg.concurrency,
    timeoutMs: config.ffmpeg.timeoutMs,
    logger,
  });
  const chain = createChainTools({
    client,
    ffmpeg,
    maxVideoBytes: config.maxVideoBytes,
    logger,
    tmpRoot: runnerDeps.tmpRoot,
  });
  return {
    client,
    limits: config.limits,
    ffmpeg,
    chain,
    validate: (request) => validateRequest(request, config.limits, models),
    build: (request, summary, fetchImage) => buildValidatedRequest(request, summary, buildDeps(fetchImage)),
    prepare: (request, fetchImage) => buildVideoRequest(request, buildDeps(fetchImage)),
    run: (start, signal) => runVideoJob(runnerDeps, start, signal),
  };
}
