import { Writable } from 'node:stream';
import { parseConfig, type Config } from '../../src/config.js';
import { createGenerationService, type GenerationService } from '../../src/generation/service.js';
import { DEFAULT_POLL_POLICY } from '../../src/generation/poll-schedule.js';
import type { GenerationEvent } from '../../src/generation/video-job.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';

/** A poll policy that keeps tests quick while exercising the same scheduling code. */
export const FAST_POLL = {
  warmupDelaysMs: [30, 30, 60],
  maxIntervalMs: 150,
  overdueIntervalMs: 40,
  landingMarginMs: 20,
  landingAim: DEFAULT_POLL_POLICY.landingAim,
};

export interface CapturedLog {
  logger: Logger;
  lines: string[];
}

export function capturedLogger(secrets: string[] = []): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ stream, secrets, level: 'debug' }), lines };
}

export function configFor(emulator: VideoApiEmulator, env: Record<string, string> = {}): Config {
  return parseConfig({
    VIDEO_API_BASE_URL: emulator.baseUrl,
    VIDEO_API_KEY: emulator.apiKey,
    VIDEO_API_TIMEOUT_MS: '2000',
    ...env,
  });
}

export function serviceFor(
  emulator: VideoApiEmulator,
  options: { env?: Record<string, string>; jobTimeoutMs?: number } = {},
): { service: GenerationService; config: Config; log: CapturedLog } {
  const config = configFor(emulator, options.env);
  const log = capturedLogger([emulator.apiKey]);
  const service = createGenerationService(config, log.logger, {
    retry: { baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5000 },
    runner: {
      pollPolicy: FAST_POLL,
      jobTimeoutMs: options.jobTimeoutMs ?? config.jobTimeoutMs,
    },
  });
  return { service, config, log };
}

export async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}
