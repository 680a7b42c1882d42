import { text } from '../i18n/text.js';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { BotError } from '../errors.js';
import type { Logger } from '../log.js';
import { createSemaphore, type Semaphore } from '../util/semaphore.js';

/**
 * The one door to the ffmpeg binary: where it is (FFMPEG_PATH, else the `@ffmpeg-installer/ffmpeg` binary npm
 * installed, else `ffmpeg` on PATH), at most `concurrency` runs at once in this process (each decodes and
 * encodes video: CPU and a few hundred MB), and each run killed after `timeoutMs`. Callers give file paths;
 * nothing of a video passes through memory here.
 */

export interface FfmpegOptions {
  /** FFMPEG_PATH; undefined: the npm-installed binary, else `ffmpeg` on PATH. */
  path?: string;
  concurrency: number;
  timeoutMs: number;
  logger: Logger;
}

export interface FfmpegRun {
  code: number | null;
  /** The last 64 KB of stderr: the probe reads stream lines from it, the errors quote its end. */
  stderr: string;
}

export interface Ffmpeg {
  readonly path: string;
  /** Runs ffmpeg with `args` (`-hide_banner -nostdin` are added); resolves whatever the exit code. */
  run(args: string[], options?: { signal?: AbortSignal }): Promise<FfmpegRun>;
  readonly slots: Semaphore;
}

const STDERR_KEEP = 64 * 1024;

/**
 * `-i path` for a video the bot did not make itself (a user's, the platform's copy, the provider's): read as
 * MP4/QuickTime only and from that one file only. Left to guess, ffmpeg reads an HLS playlist or ffconcat list
 * named `.mp4` and opens the files (or URLs) it names: a user could have the bot read its own disk
 * (test/video/untrusted-input.test.ts).
 */
export function videoInput(path: string): string[] {
  return ['-protocol_whitelist', 'file', '-f', 'mov', '-i', path];
}

/** The npm-installed binary for this platform, or undefined when the package has none (it throws a string). */
export function bundledFfmpegPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const found = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof found.path === 'string' ? found.path : undefined;
  } catch {
    return undefined;
  }
}

export function resolveFfmpegPath(configured: string | undefined): string {
  return configured ?? bundledFfmpegPath() ?? 'ffmpeg';
}

/** ffmpeg could not be run at all, or a run took longer than the timeout: the operator's problem. */
export class FfmpegUnavailableError extends BotError {
  constructor(logMessage: string, cause?: unknown) {
    super('misconfigured', logMessage, {
      userMessage: text('core.video.ffmpegUnavailable'),
      cause,
    });
    this.name = 'FfmpegUnavailableError';
  }
}

export function createFfmpeg(options: FfmpegOptions): Ffmpeg {
  const path = resolveFfmpegPath(options.path);
  const slots = createSemaphore(options.concurrency);
  const log = options.logger.child({ component: 'ffmpeg' });

  function once(args: string[], signal: AbortSignal | undefined): Promise<FfmpegRun> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new BotError('aborted', 'ffmpeg run aborted before start'));
        return;
      }
      const child = spawn(path, ['-hide_banner', '-nostdin', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      let settled = false;
      let timedOut = false;
      const kill = () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
      const onAbort = () => kill();
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEEP);
      });
      const finish = (error: Error | undefined, code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else if (signal?.aborted) reject(new BotError('aborted', 'ffmpeg run aborted'));
        else if (timedOut)
          reject(new FfmpegUnavailableError(`ffmpeg took longer than ${options.timeoutMs} ms; killed`));
        else resolve({ code, stderr });
      };
      child.on('error', (error) =>
        finish(
          new FfmpegUnavailableError(`ffmpeg at ${path} could not be run: ${error.message}`, error),
          null,
        ),
      );
      child.on('close', (code) => finish(undefined, code));
    });
  }

  return {
    path,
    slots,
    run(args, runOptions = {}) {
      return slots.run(async () => {
        const started = Date.now();
        const result = await once(args, runOptions.signal);
        log.debug({ ms: Date.now() - started, code: result.code }, 'ffmpeg run');
        return result;
      });
    },
  };
}

/** The last lines of an ffmpeg stderr, for a log line. */
export function stderrTail(stderr: string, lines = 4): string {
  return stderr.trim().split('\n').slice(-lines).join(' | ');
}
