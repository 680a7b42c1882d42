import { text } from '../i18n/text.js';
import { stat } from 'node:fs/promises';
import { BotError } from '../errors.js';
import { stderrTail, videoInput, type Ffmpeg } from './ffmpeg.js';

/**
 * What a clip is, read from `ffmpeg -i` (ffprobe is not bundled): its length, frame size, frame rate, pixel
 * format and whether it has sound. Anything ffmpeg cannot open as a video is a `NotAVideoError`.
 */

export interface ClipInfo {
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  pixelFormat: string;
  hasAudio: boolean;
  bytes: number;
}

/** The user's file is not a video this bot can read: a clear answer, and nothing is charged. */
export class NotAVideoError extends BotError {
  constructor(logMessage: string, detail: Record<string, unknown> = {}) {
    super('invalid_input', logMessage, {
      userMessage: text('core.video.notAVideo'),
      detail,
    });
    this.name = 'NotAVideoError';
  }
}

const DURATION = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;
const VIDEO_LINE = /Stream #\d+:\d+[^:]*: Video: ([^\n]+)/;
const AUDIO_LINE = /Stream #\d+:\d+[^:]*: Audio: /;

/** Parses `ffmpeg -i` output; undefined when it shows no video stream with a size and a length. */
export function parseClipInfo(stderr: string): Omit<ClipInfo, 'bytes'> | undefined {
  const duration = DURATION.exec(stderr);
  const video = VIDEO_LINE.exec(stderr)?.[1];
  if (!duration || !video) return undefined;
  const durationSeconds = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  const size = /, (\d{1,5})x(\d{1,5})/.exec(video);
  // The codec part may hold commas only inside parentheses; the pixel format follows the first top-level comma.
  const pixelFormat = /^[^,(]+(?:\([^)]*\)\s*)*, ([a-z0-9_]+)/.exec(video)?.[1] ?? 'yuv420p';
  const fps = /([\d.]+) fps/.exec(video) ?? /([\d.]+k?) tbr/.exec(video);
  if (!size || !(durationSeconds > 0)) return undefined;
  return {
    durationSeconds,
    width: Number(size[1]),
    height: Number(size[2]),
    fps: fps && !fps[1]!.endsWith('k') ? Number(fps[1]) : 24,
    pixelFormat,
    hasAudio: AUDIO_LINE.test(stderr),
  };
}

export async function probeClip(ffmpeg: Ffmpeg, path: string, signal?: AbortSignal): Promise<ClipInfo> {
  const { bytes } = await stat(path).then((s) => ({ bytes: s.size }));
  const { stderr } = await ffmpeg.run(videoInput(path), { signal });
  const info = parseClipInfo(stderr);
  if (!info) {
    throw new NotAVideoError(`ffmpeg finds no video in the file: ${stderrTail(stderr, 2)}`, { bytes });
  }
  return { ...info, bytes };
}
