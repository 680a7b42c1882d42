import { readFile } from 'node:fs/promises';
import { openApp, type App, type JobQueueOverrides } from '../../src/app.js';
import type { BotError } from '../../src/errors.js';
import type { JobEvent } from '../../src/jobs/events.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobObserver } from '../../src/jobs/types.js';
import type { GenerationReply } from '../../src/port.js';
import type { Logger } from '../../src/log.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { FAST_POLL, capturedLogger, configFor } from './core.js';

/** Opens the whole stateful app against the video emulator, with quick polling. */
export async function appFor(
  emulator: VideoApiEmulator,
  env: Record<string, string> = {},
  options: { jobTimeoutMs?: number; jobQueue?: JobQueueOverrides; observe?: JobObserver } = {},
): Promise<{ app: App; lines: string[]; logger: Logger }> {
  const config = configFor(emulator, { STORE_URL: 'memory://', ...env });
  const log = capturedLogger([emulator.apiKey]);
  const app = await openApp(config, log.logger, {
    generation: {
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      runner: { pollPolicy: FAST_POLL, jobTimeoutMs: options.jobTimeoutMs ?? config.jobTimeoutMs },
    },
    jobQueue: options.jobQueue,
    observe: options.observe,
  });
  return { app, lines: log.lines, logger: log.logger };
}

/** A GenerationReply that records what the user would see, keeping delivered bytes. */
export function recordingSink(options: { failDelivery?: boolean } = {}) {
  const progress: JobEvent[] = [];
  const delivered: Array<{ bytes: Buffer; record: JobRecord }> = [];
  const failures: BotError[] = [];
  /** The record each failure came with, as settled (its reservation says whether the job counted). */
  const failedRecords: Array<JobRecord | undefined> = [];
  const sink: GenerationReply = {
    ref: undefined,
    async text() {},
    progress(event) {
      progress.push(event);
    },
    async deliver(video, record) {
      if (options.failDelivery) throw new Error('platform upload failed');
      delivered.push({ bytes: await readFile(video.path), record });
    },
    async fail(error, record) {
      failures.push(error);
      failedRecords.push(record);
    },
  };
  return { sink, progress, delivered, failures, failedRecords };
}
