import { requireVideoApiKey, type Config } from '../config.js';
import type { Logger } from '../log.js';
import { createVideoApiClient, type VideoApiClient } from '../video-api/client.js';
import {
  buildVideoRequest,
  type BuildRequestDeps,
  type GenerationRequest,
  type PreparedRequest,
} from './request.js';
import { runVideoJob, type GenerationEvent, type JobStart, type VideoJobDeps } from './video-job.js';

/**
 * The generation core as every front end sees it: prepare a request, then run a job. Built once from the
 * config so the CLI, the bot and the tests wire the same pieces the same way.
 */
export interface GenerationService {
  readonly client: VideoApiClient;
  prepare(request: GenerationRequest, fetchImage?: BuildRequestDeps['fetchImage']): Promise<PreparedRequest>;
  run(start: JobStart, signal?: AbortSignal): AsyncGenerator<GenerationEvent, void, undefined>;
}

export interface GenerationServiceOverrides {
  fetch?: typeof fetch;
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
    fetch: overrides.fetch,
  });
  const runnerDeps: VideoJobDeps = {
    client,
    logger,
    maxVideoBytes: config.maxVideoBytes,
    jobTimeoutMs: config.jobTimeoutMs,
    ...overrides.runner,
  };
  return {
    client,
    prepare: (request, fetchImage) =>
      buildVideoRequest(request, { limits: config.limits, model: config.videoApi.model, fetchImage }),
    run: (start, signal) => runVideoJob(runnerDeps, start, signal),
  };
}
