import type { App, JobQueueOverrides } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
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
  /** Use this app (the world leaves it open) instead of opening one. */
  app?: App;
  /** Environment over the test defaults (`STORE_URL=memory://`), read by the app's config. */
  env?: Record<string, string>;
  jobTimeoutMs?: number;
  jobQueue?: JobQueueOverrides;
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
  });
  return { app, logger, logLines: lines, close: once(() => app.close()) };
}

/** The video-API emulator a world uses: the one given (left running), or a new one it closes. */
export async function worldVideo(
  options: BackendOptions,
): Promise<{ video: VideoApiEmulator; close: () => Promise<void> }> {
  if (options.video) return { video: options.video, close: async () => undefined };
  const video = await startVideoApiEmulator({ generationMs: options.generationMs ?? 1000 });
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
