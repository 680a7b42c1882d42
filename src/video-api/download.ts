import { randomUUID } from 'node:crypto';
import { mkdtemp, open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotError } from '../errors.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/sleep.js';
import type { FileAnswer, VideoApiClient } from './client.js';
import { NOT_FETCHED, VideoApiError } from './errors.js';
import { text } from '../i18n/text.js';
import { megabytesIn } from '../util/format.js';
import type { VideoJob } from './schemas.js';
import { looksLikeMp4, VIDEO_HEAD_BYTES } from './video-type.js';

/**
 * Gets a finished job's MP4 onto local disk, streaming under a size cap so a huge or endless body never
 * sits in memory, and refusing anything that does not start like an MP4 (the client refuses private
 * addresses). The caller owns the file and must call `cleanup()`.
 */

export interface DownloadedVideo {
  path: string;
  bytes: number;
  contentType: string;
  /** Where it came from: the API's /content endpoint or the job's video_url. */
  source: 'content' | 'video_url';
  /**
   * A link to the same video that works without our API key, when the provider gave one that users may be
   * shown (not on a private address).
   */
  publicUrl: string | undefined;
  cleanup(): Promise<void>;
}

export interface DownloadOptions {
  maxBytes: number;
  logger: Logger;
  signal?: AbortSignal;
  /** Abort when no byte arrives for this long. */
  idleTimeoutMs?: number;
  maxRetries?: number;
  /** Parent folder of the process's download folder; the OS temp dir by default. */
  tmpRoot?: string;
}

/**
 * Downloads go into a folder `grok-video-<pid>-XXXXXX` in the temporary folder, one per process: the pid says
 * which process may still be using it, so a later start can remove those a crash left (download-sweep.ts).
 */
export const DOWNLOAD_DIR_PREFIX = 'grok-video-';

/** The video exists but is larger than we may handle; `publicUrl` is a link that works without our key. */
export class VideoTooLargeError extends BotError {
  readonly bytes: number | undefined;
  readonly maxBytes: number;
  readonly publicUrl: string | undefined;
  constructor(bytes: number | undefined, maxBytes: number, publicUrl: string | undefined) {
    const mb = megabytesIn;
    super('too_large', `video is ${bytes ?? 'more than'} bytes; MAX_VIDEO_BYTES is ${maxBytes}`, {
      userMessage:
        bytes === undefined
          ? text('core.videoApi.tooLarge', { limit: mb(maxBytes) })
          : text('core.videoApi.tooLargeSized', { size: mb(bytes), limit: mb(maxBytes) }),
      detail: { bytes, maxBytes, hasPublicUrl: publicUrl !== undefined },
    });
    this.name = 'VideoTooLargeError';
    this.bytes = bytes;
    this.maxBytes = maxBytes;
    this.publicUrl = publicUrl;
  }
}

/**
 * A video_url users may be given as a link: off the API's origin (so it works without our key) and not on an
 * address inside our network (a link to one would tell users about it, and is no use to them anyway).
 * Never rejects: no link is the answer to anything doubtful.
 */
export async function shareableVideoUrl(
  client: VideoApiClient,
  job: VideoJob,
  logger: Logger,
): Promise<string | undefined> {
  if (!job.videoUrl) return undefined;
  try {
    const url = new URL(job.videoUrl).toString();
    if (client.isApiOrigin(url)) return undefined;
    const refused = await client.addressRefusal(url);
    if (refused === undefined) return url;
    logger.warn(
      { jobId: job.id, refused: refused.message },
      `video_url is not shown to users: ${refused.message}`,
    );
  } catch {
    // Not a URL: nothing to share.
  }
  return undefined;
}

const downloadDirs = new Map<string, Promise<string>>();

/**
 * This process's download folder under `root` (`grok-video-<pid>-XXXXXX`, private to the bot's user, the name
 * download-sweep.ts knows), made on first use. One folder for every download, each a file of its own: a folder
 * made and removed per video cost ~1 ms of the main thread a job (mkdtemp, then rm's lstat, readdir, unlink,
 * rmdir) in bench:e2e's profile. `forget` drops the folder when a file cannot be made in it (a temp cleaner
 * removed it after a quiet spell), so the next call makes it again.
 */
function downloadDir(root: string, forget?: Promise<string>): Promise<string> {
  if (forget && downloadDirs.get(root) === forget) downloadDirs.delete(root);
  const known = downloadDirs.get(root);
  if (known) return known;
  const made = mkdtemp(join(root, `${DOWNLOAD_DIR_PREFIX}${process.pid}-`));
  downloadDirs.set(root, made);
  void made.catch(() => downloadDirs.get(root) === made && downloadDirs.delete(root));
  return made;
}

/** A new file for one download, in the process's folder; if the folder is gone, it is made again. */
async function createDownloadFile(root: string, name: string): Promise<{ path: string; file: FileHandle }> {
  const dir = downloadDir(root);
  const path = join(await dir, name);
  try {
    return { path, file: await open(path, 'wx', 0o600) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const again = join(await downloadDir(root, dir), name);
    return { path: again, file: await open(again, 'wx', 0o600) };
  }
}

/** Removes a downloaded file; one already gone is fine (rm would also lstat it first). */
async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export async function downloadVideo(
  client: VideoApiClient,
  job: VideoJob,
  options: DownloadOptions,
): Promise<DownloadedVideo> {
  const sources: Array<{ url: string; source: DownloadedVideo['source'] }> = [
    { url: client.contentUrl(job.id), source: 'content' },
  ];
  if (job.videoUrl && job.videoUrl !== sources[0]?.url) {
    try {
      sources.push({ url: new URL(job.videoUrl, client.baseUrl).toString(), source: 'video_url' });
    } catch {
      options.logger.warn({ jobId: job.id }, 'video_url is not a URL; ignoring it');
    }
  }
  const root = options.tmpRoot ?? tmpdir();
  const name = `${job.id.replace(/[^\w.-]/g, '_')}-${randomUUID()}.mp4`;
  let path: string | undefined;
  /** The file an attempt writes from its start: made by the first, emptied again by a retry. */
  const target = async (): Promise<{ path: string; file: FileHandle }> => {
    if (path !== undefined) return { path, file: await open(path, 'w') };
    const made = await createDownloadFile(root, name);
    path = made.path;
    return made;
  };
  const cleanup = async () => {
    if (path !== undefined) await removeFile(path);
  };
  const maxRetries = options.maxRetries ?? 3;
  // Checked while the download runs; a too-large video and a delivered one both may carry the link.
  const publicUrl = shareableVideoUrl(client, job, options.logger);
  let lastError: unknown;
  try {
    for (const { url, source } of sources) {
      for (let attempt = 0; attempt <= maxRetries; attempt++) {
        try {
          const result = await streamToFile(client, url, target, options);
          options.logger.info({ jobId: job.id, bytes: result.bytes, source }, 'video downloaded');
          return {
            path: result.path,
            bytes: result.bytes,
            contentType: result.contentType,
            source,
            publicUrl: await publicUrl,
            cleanup,
          };
        } catch (error) {
          lastError = error;
          if (error instanceof VideoTooLargeError)
            throw new VideoTooLargeError(error.bytes, error.maxBytes, await publicUrl);
          if (options.signal?.aborted) throw error;
          const transient = error instanceof VideoApiError && error.kind === 'transient';
          options.logger.warn(
            { jobId: job.id, source, attempt: attempt + 1, err: error },
            transient ? 'video download failed; retrying' : 'video download failed from this source',
          );
          if (!transient) break;
          await sleep(Math.min(8000, 500 * 2 ** attempt), options.signal);
        }
      }
    }
    throw lastError instanceof Error ? lastError : new Error('video download failed');
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Refuses a file that does not start like a video; its bytes are never logged (they may be anyone's secrets). */
function notAVideo(response: FileAnswer, url: string, received: number): VideoApiError {
  const from = new URL(response.url || url);
  const type = response.header('content-type') ?? 'none';
  return new VideoApiError({
    kind: 'job_failed',
    logMessage: `upstream error: the file from ${from.host}${from.pathname} is not an MP4 or QuickTime video (Content-Type ${type}; judged on its first ${received} bytes); nothing of it is posted`,
    userMessage: NOT_FETCHED,
    code: 'not_a_video',
    maybeProcessed: 'no',
  });
}

/**
 * The link is added by the caller, which checks it while this runs. The body is read chunk by chunk straight into
 * the file, with no stream layers between (web-to-Node conversion, a Transform, a WriteStream): 100 videos
 * finishing together are delivered while the other jobs' last polls wait for the same thread, and those layers
 * cost more than the copy.
 */
async function streamToFile(
  client: VideoApiClient,
  url: string,
  target: () => Promise<{ path: string; file: FileHandle }>,
  options: DownloadOptions,
): Promise<{ path: string; bytes: number; contentType: string }> {
  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  // One timer, pushed back by each chunk.
  const timer = setTimeout(() => idle.abort(new Error('download stalled')), idleTimeoutMs);
  let file: FileHandle | undefined;
  try {
    const response = await client.fetchFile(url, { signal, timeoutMs: idleTimeoutMs });
    const declared = Number(response.header('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      response.cancel();
      throw new VideoTooLargeError(declared, options.maxBytes, undefined);
    }
    let opened: { path: string; file: FileHandle };
    try {
      opened = await target();
    } catch (error) {
      response.cancel();
      throw error;
    }
    file = opened.file;
    let bytes = 0;
    // The first bytes are held back until they show a video, so not one byte of anything else is written.
    let head: Buffer | undefined = Buffer.alloc(0);
    try {
      for await (const chunk of response.body) {
        bytes += chunk.length;
        timer.refresh();
        if (bytes > options.maxBytes) throw new VideoTooLargeError(undefined, options.maxBytes, undefined);
        if (head === undefined) {
          await file.write(chunk);
          continue;
        }
        head = Buffer.concat([head, chunk]);
        if (head.length < VIDEO_HEAD_BYTES) continue;
        const checked = head;
        head = undefined;
        if (!looksLikeMp4(checked)) throw notAVideo(response, url, checked.length);
        await file.write(checked);
      }
    } catch (error) {
      response.cancel();
      if (error instanceof VideoTooLargeError || error instanceof VideoApiError || options.signal?.aborted)
        throw error;
      throw new VideoApiError({
        kind: 'transient',
        logMessage: `download interrupted after ${bytes} bytes: ${error instanceof Error ? error.message : String(error)}`,
        maybeProcessed: 'no',
        cause: error,
      });
    }
    if (head !== undefined) throw notAVideo(response, url, head.length);
    if (Number.isFinite(declared) && bytes !== declared) {
      throw new VideoApiError({
        kind: 'transient',
        logMessage: `download ended after ${bytes} of ${declared} bytes`,
        maybeProcessed: 'no',
      });
    }
    return { path: opened.path, bytes, contentType: response.header('content-type') ?? 'video/mp4' };
  } finally {
    clearTimeout(timer);
    await file?.close();
  }
}
