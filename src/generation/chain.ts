import { text } from '../i18n/text.js';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotError, toBotError } from '../errors.js';
import type { JobChain } from '../jobs/job-store.js';
import type { Logger } from '../log.js';
import type { VideoApiClient } from '../video-api/client.js';
import { DOWNLOAD_DIR_PREFIX, downloadVideo, type DownloadedVideo } from '../video-api/download.js';
import { looksLikeMp4, VIDEO_HEAD_BYTES } from '../video-api/video-type.js';
import type { Ffmpeg } from '../video/ffmpeg.js';
import { extractLastFrame } from '../video/frames.js';
import { joinClips } from '../video/join.js';
import { NotAVideoError, probeClip, type ClipInfo } from '../video/probe.js';
import type { ImageSource } from './request.js';

/**
 * The video side of Extend: the video a chain continues (its clips from the provider while it keeps them,
 * else the platform's copy through the adapter's allowlisted fetcher), its last frame (the new clip's
 * reference image), and the joined result. Every file lives in a temporary folder named like the downloads'
 * (so a crash's leftovers are swept at the next start) and is removed when done; sizes are capped at
 * MAX_VIDEO_BYTES like every download.
 */

/** The adapter's file fetcher: streams `source` to `path` under `maxBytes`, resolves with its size. */
export type FetchFile = (source: ImageSource, maxBytes: number, path: string) => Promise<number>;

export interface ChainDeps {
  client: VideoApiClient;
  ffmpeg: Ffmpeg;
  maxVideoBytes: number;
  logger: Logger;
  tmpRoot?: string;
}

export interface LastFrame {
  png: Buffer;
  /** What the frame was taken from: the whole video continued (platform copy) or its last clip. */
  info: ClipInfo;
  /** Where the frame's video came from. */
  from: 'provider' | 'platform';
}

export interface ChainTools {
  /** The last frame of the video `chain` continues. A file that is no video is a `NotAVideoError`. */
  lastFrame(chain: JobChain, fetchFile: FetchFile | undefined, signal?: AbortSignal): Promise<LastFrame>;
  /** The previous clips and `clip` joined into one MP4, in a temporary file the caller cleans up. */
  join(
    chain: JobChain,
    clip: DownloadedVideo,
    fetchFile: FetchFile | undefined,
    signal?: AbortSignal,
  ): Promise<DownloadedVideo>;
}

/** The video to continue is gone from the provider and the platform: nothing can be made from it. */
export const PREVIOUS_GONE = text('core.chain.previousGone');

/**
 * The largest video Extend continues, by its longer side, and the highest frame rate. The provider makes at
 * most 1080P; a joined video takes the first clip's size and rate, so a phone's 4K or a crafted 16000×16000
 * video with few bytes would make every join decode and encode that much (minutes of ffmpeg, gigabytes of
 * frames) for one press. Checked on the probe, which reads only the headers, before any frame is decoded.
 */
export const MAX_CONTINUED_SIDE = 1920;
export const MAX_CONTINUED_FPS = 60;

function checkContinuable(info: ClipInfo): void {
  const side = Math.max(info.width, info.height);
  if (side > MAX_CONTINUED_SIDE) {
    throw new BotError('invalid_input', `video to continue is ${info.width}x${info.height}`, {
      userMessage: text('core.chain.tooBig', {
        width: info.width,
        height: info.height,
        max: MAX_CONTINUED_SIDE,
      }),
      detail: { width: info.width, height: info.height },
    });
  }
  if (info.fps > MAX_CONTINUED_FPS) {
    throw new BotError('invalid_input', `video to continue has ${info.fps} fps`, {
      userMessage: text('core.chain.tooManyFps', { fps: info.fps, max: MAX_CONTINUED_FPS }),
      detail: { fps: info.fps },
    });
  }
}

async function workDir(tmpRoot: string | undefined): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpRoot ?? tmpdir(), `${DOWNLOAD_DIR_PREFIX}${process.pid}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function createChainTools(deps: ChainDeps): ChainTools {
  const log = deps.logger.child({ component: 'chain' });

  /** One clip by the provider's id, from its /content. */
  function fromProvider(upstreamId: string, signal?: AbortSignal): Promise<DownloadedVideo> {
    return downloadVideo(
      deps.client,
      {
        id: upstreamId,
        status: 'completed',
        rawStatus: 'completed',
        statusKnown: true,
        progress: 100,
        videoUrl: undefined,
        createdAt: undefined,
        errorMessage: undefined,
      },
      { maxBytes: deps.maxVideoBytes, logger: log, signal, maxRetries: 1, tmpRoot: deps.tmpRoot },
    );
  }

  /** The platform's copy, streamed by the adapter's fetcher (its host allowlist and credentials) into `dir`. */
  async function fromPlatform(
    chain: JobChain,
    fetchFile: FetchFile | undefined,
    dir: string,
  ): Promise<string> {
    const source = chain.source;
    if (!source || !fetchFile) {
      throw new BotError('job_failed', 'no platform copy of the video to continue', {
        userMessage: PREVIOUS_GONE,
      });
    }
    const path = join(dir, 'previous.mp4');
    const bytes = await fetchFile(
      {
        url: source.url,
        name: source.name,
        contentType: 'video/mp4',
        ...(source.size === undefined ? {} : { size: source.size }),
      },
      deps.maxVideoBytes,
      path,
    );
    const head = Buffer.alloc(VIDEO_HEAD_BYTES);
    const file = await open(path, 'r');
    try {
      await file.read(head, 0, VIDEO_HEAD_BYTES, 0);
    } finally {
      await file.close();
    }
    if (!looksLikeMp4(head)) {
      throw new NotAVideoError(`“${source.name}” does not start like an MP4`, { bytes });
    }
    return path;
  }

  /** Every previous clip from the provider, or undefined when any of them is gone there. */
  async function clipsFromProvider(
    chain: JobChain,
    signal?: AbortSignal,
  ): Promise<DownloadedVideo[] | undefined> {
    if (chain.clips.some((clip) => clip.upstreamId === undefined)) return undefined;
    const got: DownloadedVideo[] = [];
    try {
      for (const clip of chain.clips) got.push(await fromProvider(clip.upstreamId!, signal));
      return got;
    } catch (error) {
      await Promise.all(got.map((video) => video.cleanup()));
      if (signal?.aborted) throw error;
      log.info(
        { err: toBotError(error) },
        'a previous clip is gone from the provider; using the platform copy',
      );
      return undefined;
    }
  }

  return {
    async lastFrame(chain, fetchFile, signal) {
      const { dir, cleanup } = await workDir(deps.tmpRoot);
      try {
        const last = chain.clips.at(-1);
        let video: string | undefined;
        let from: LastFrame['from'] = 'provider';
        // A chain's last frame is its last clip's: one clip from the provider rather than the whole video.
        if (last?.upstreamId !== undefined) {
          const clip = await fromProvider(last.upstreamId, signal).catch((error: unknown) => {
            if (signal?.aborted) throw error;
            return undefined;
          });
          if (clip) {
            video = join(dir, 'last.mp4');
            await rename(clip.path, video);
            await clip.cleanup();
          }
        }
        if (video === undefined) {
          video = await fromPlatform(chain, fetchFile, dir);
          from = 'platform';
        }
        const info = await probeClip(deps.ffmpeg, video, signal);
        checkContinuable(info);
        const png = await extractLastFrame(deps.ffmpeg, video, join(dir, 'last.png'), signal);
        return { png, info, from };
      } finally {
        await cleanup();
      }
    },

    async join(chain, clip, fetchFile, signal) {
      const { dir, cleanup } = await workDir(deps.tmpRoot);
      const downloads = await clipsFromProvider(chain, signal);
      try {
        const previous = downloads?.map((video) => video.path) ?? [await fromPlatform(chain, fetchFile, dir)];
        const out = join(dir, 'joined.mp4');
        const joined = await joinClips(deps.ffmpeg, [...previous, clip.path], out, {
          workDir: dir,
          maxBytes: deps.maxVideoBytes,
          signal,
        });
        log.info(
          {
            clips: previous.length + 1,
            seconds: joined.info.durationSeconds,
            bytes: joined.info.bytes,
            from: downloads ? 'provider' : 'platform',
          },
          'clips joined',
        );
        return {
          path: joined.path,
          bytes: joined.info.bytes,
          contentType: 'video/mp4',
          source: clip.source,
          publicUrl: undefined,
          cleanup,
        };
      } catch (error) {
        await cleanup();
        throw error;
      } finally {
        await Promise.all((downloads ?? []).map((video) => video.cleanup()));
      }
    },
  };
}
