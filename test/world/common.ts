import type { App, JobQueueOverrides } from '../../src/app.js';
import type { JobObserver } from '../../src/jobs/types.js';
import type { Logger } from '../../src/log.js';
import type { GenerationReply, JobRecord } from '../../src/port.js';
import {
  startVideoApiEmulator,
  type RecordedRequest,
  type VideoApiEmulator,
} from '../emulators/video-api/server.js';
import { appFor } from '../helpers/app.js';
import { capturedLogger } from '../helpers/core.js';

/**
 * What both platforms' worlds share: the video-API emulator and the app (core, stores, runner) the bot runs on.
 * Kept free of vitest so child processes (crash workers, benches) can import the worlds' bot starters.
 */

export interface BackendOptions {
  /** Use this video-API emulator (the world leaves it running) instead of starting one. */
  video?: VideoApiEmulator;
  /** Per video, for a started video-API emulator. Default 1000 ms. */
  generationMs?: number;
  /** What a started video-API emulator serves: the shared sample (default) or a real clip per job. */
  clips?: 'sample' | 'rendered';
  /** Use this app (the world leaves it open) instead of opening one. */
  app?: App;
  /** Environment over the test defaults (`STORE_URL=memory://`), read by the app's config. */
  env?: Record<string, string>;
  jobTimeoutMs?: number;
  jobQueue?: JobQueueOverrides;
  /** Told of every job's acceptance, refusal and settlement, as the metrics endpoint is. */
  observe?: JobObserver;
}

/** A bot process: one app and one platform adapter on it. `close` stops the bot, then closes the app (once). */
export interface BotProcess<Bot> {
  app: App;
  bot: Bot;
  /** The app's logger, which the bot logs to as well; `logLines` is what it wrote. */
  logger: Logger;
  logLines: string[];
  close(graceMs?: number): Promise<void>;
}

/** An app for a bot process: the one given (left open), or one opened on the world's video API and env. */
export async function processApp(
  video: VideoApiEmulator,
  options: BackendOptions,
): Promise<{ app: App; logger: Logger; logLines: string[]; close: () => Promise<void> }> {
  if (options.app) {
    const log = capturedLogger();
    return { app: options.app, logger: log.logger, logLines: log.lines, close: async () => undefined };
  }
  const { app, logger, lines } = await appFor(video, options.env, {
    jobTimeoutMs: options.jobTimeoutMs,
    jobQueue: options.jobQueue,
    observe: options.observe,
  });
  return { app, logger, logLines: lines, close: once(() => app.close()) };
}

/** What a world needs of a started bot: to stop it, and the reply of a job it resumes. */
export interface WorldBot {
  stop(graceMs?: number): Promise<void>;
  replyFor(record: JobRecord): GenerationReply | undefined;
}

/**
 * A bot process of a world: its app (given, or opened on the world's video API with `env` over the world's),
 * the bot `start` puts on it, stopped at most once and closed with the world; with `resume`, its workers
 * started as bin/main.ts does (with Redis: the BullMQ worker).
 */
export async function startBotProcess<Bot extends WorldBot>(
  video: VideoApiEmulator,
  stack: ReturnType<typeof closeStack>,
  world: BackendOptions,
  proc: Pick<BackendOptions, 'app' | 'env'> & { resume?: boolean },
  start: (app: App, logger: Logger) => Promise<Bot>,
): Promise<BotProcess<Bot>> {
  const opened = await processApp(video, { ...world, app: proc.app, env: { ...world.env, ...proc.env } });
  let started: Bot;
  try {
    started = await start(opened.app, opened.logger);
  } catch (error) {
    await opened.close();
    throw error;
  }
  const bot: Bot = { ...started, stop: once((graceMs?: number) => started.stop(graceMs)) };
  const close = once(async (graceMs?: number) => {
    await bot.stop(graceMs ?? 1000);
    await opened.close();
  });
  stack.push(() => close(1000));
  if (proc.resume) await opened.app.runner?.startWorkers((record) => bot.replyFor(record));
  return { app: opened.app, bot, logger: opened.logger, logLines: opened.logLines, close };
}

/** The video-API emulator a world uses: the one given (left running), or a new one it closes. */
export async function worldVideo(
  options: BackendOptions,
): Promise<{ video: VideoApiEmulator; close: () => Promise<void> }> {
  if (options.video) return { video: options.video, close: async () => undefined };
  const video = await startVideoApiEmulator({
    generationMs: options.generationMs ?? 1000,
    ...(options.clips ? { clips: options.clips } : {}),
  });
  return { video, close: () => video.close() };
}

/** The requests that created a video, in order. */
export const videoPosts = (video: VideoApiEmulator): RecordedRequest[] =>
  video.requests.filter((r) => r.method === 'POST');

/** `fn` run at most once: later calls get the first call's promise (a test may stop a bot the world stops too). */
export function once<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let done: Promise<void> | undefined;
  return (...args) => (done ??= fn(...args));
}

/**
 * Things to close, last opened first. Every step runs even when an earlier one fails; the first failure is
 * thrown at the end, so a broken teardown does not leave servers listening.
 */
export function closeStack() {
  const steps: Array<() => Promise<void>> = [];
  return {
    push(step: () => Promise<void>) {
      steps.push(step);
    },
    async close() {
      let failure: unknown;
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}

/** Runs `build` with a close stack; when it throws, what was opened so far is closed before rethrowing. */
export async function building<T>(build: (stack: ReturnType<typeof closeStack>) => Promise<T>): Promise<T> {
  const stack = closeStack();
  try {
    return await build(stack);
  } catch (error) {
    await stack.close().catch(() => undefined);
    throw error;
  }
}
