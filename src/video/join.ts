import { megabytesIn } from '../util/format.js';
import { text } from '../i18n/text.js';
import { join as joinPath } from 'node:path';
import { rm, stat } from 'node:fs/promises';
import { BotError } from '../errors.js';
import { stderrTail, videoInput, type Ffmpeg } from './ffmpeg.js';
import { extractFirstFrame, extractLastFrame, sameFrame } from './frames.js';
import { probeClip, type ClipInfo } from './probe.js';

/**
 * Several clips into one MP4 that plays smoothly: every clip after the first is brought to the first one's
 * frame size (scaled, letterboxed when its shape differs), frame rate and pixel format; a clip whose first
 * frame repeats the previous clip's last one (an image-to-video clip starts on its reference image) loses that
 * frame, so nothing freezes at the seam; when any clip has sound, the silent ones get silence of their length,
 * so the sound stays in step. One ffmpeg pass (the concat filter), written to `out` and capped at `maxBytes`.
 */

export interface JoinOptions {
  /** A folder the caller owns and removes: the seam frames are written there. */
  workDir: string;
  maxBytes: number;
  signal?: AbortSignal;
}

export interface JoinedVideo {
  path: string;
  info: ClipInfo;
  /** Per input: whether its first frame was dropped as a repeat of the seam. */
  droppedFirstFrame: boolean[];
}

const AUDIO_RATE = 48_000;

export class JoinTooLargeError extends BotError {
  constructor(maxBytes: number) {
    super('too_large', `the joined video reached MAX_VIDEO_BYTES (${maxBytes})`, {
      userMessage: text('core.video.joinTooLarge', {
        limit: megabytesIn(maxBytes),
      }),
      detail: { maxBytes },
    });
    this.name = 'JoinTooLargeError';
  }
}

/** Whether `next` starts on the frame `previous` ends with. */
async function repeatsSeam(
  ffmpeg: Ffmpeg,
  previous: string,
  next: string,
  workDir: string,
  index: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const [last, first] = await Promise.all([
    extractLastFrame(ffmpeg, previous, joinPath(workDir, `seam-${index}-last.png`), signal),
    extractFirstFrame(ffmpeg, next, joinPath(workDir, `seam-${index}-first.png`), signal),
  ]);
  return sameFrame(last, first);
}

export function joinFilterGraph(
  clips: ClipInfo[],
  dropFirst: boolean[],
  silenceInputs: Map<number, number>,
): string {
  const head = clips[0]!;
  const withAudio = clips.some((clip) => clip.hasAudio);
  const parts: string[] = [];
  const labels: string[] = [];
  clips.forEach((clip, i) => {
    const frame = 1 / head.fps;
    const drop = dropFirst[i] === true;
    const length = Math.max(frame, clip.durationSeconds - (drop ? frame : 0));
    const normalise =
      `scale=${head.width}:${head.height}:force_original_aspect_ratio=decrease,` +
      `pad=${head.width}:${head.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${head.fps},format=${head.pixelFormat}`;
    parts.push(`[${i}:v:0]${normalise}${drop ? ',trim=start_frame=1' : ''},setpts=PTS-STARTPTS[v${i}]`);
    labels.push(`[v${i}]`);
    if (withAudio) {
      const source = clip.hasAudio ? `[${i}:a:0]` : `[${silenceInputs.get(i)}:a:0]`;
      parts.push(
        `${source}aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo` +
          `${drop ? `,atrim=start=${frame.toFixed(6)}` : ''},asetpts=PTS-STARTPTS,` +
          `apad,atrim=0:${length.toFixed(6)}[a${i}]`,
      );
      labels.push(`[a${i}]`);
    }
  });
  parts.push(
    `${labels.join('')}concat=n=${clips.length}:v=1:a=${withAudio ? 1 : 0}[v]${withAudio ? '[a]' : ''}`,
  );
  return parts.join(';');
}

export async function joinClips(
  ffmpeg: Ffmpeg,
  inputs: string[],
  out: string,
  options: JoinOptions,
): Promise<JoinedVideo> {
  if (inputs.length < 2) throw new RangeError('joinClips needs at least two clips');
  const { signal } = options;
  const clips = await Promise.all(inputs.map((path) => probeClip(ffmpeg, path, signal)));
  const dropFirst = await Promise.all(
    inputs.map((path, i) =>
      i === 0 ? false : repeatsSeam(ffmpeg, inputs[i - 1]!, path, options.workDir, i, signal),
    ),
  );
  const withAudio = clips.some((clip) => clip.hasAudio);
  const args: string[] = [];
  for (const path of inputs) args.push(...videoInput(path));
  const silenceInputs = new Map<number, number>();
  if (withAudio) {
    clips.forEach((clip, i) => {
      if (clip.hasAudio) return;
      silenceInputs.set(i, inputs.length + silenceInputs.size);
      args.push(
        '-f',
        'lavfi',
        '-t',
        clip.durationSeconds.toFixed(3),
        '-i',
        `anullsrc=r=${AUDIO_RATE}:cl=stereo`,
      );
    });
  }
  const head = clips[0]!;
  args.push(
    '-filter_complex',
    joinFilterGraph(clips, dropFirst, silenceInputs),
    '-map',
    '[v]',
    ...(withAudio ? ['-map', '[a]', '-c:a', 'aac', '-b:a', '160k'] : []),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '18',
    '-pix_fmt',
    head.pixelFormat,
    '-r',
    String(head.fps),
    '-movflags',
    '+faststart',
    '-fs',
    String(options.maxBytes),
    '-f',
    'mp4',
    '-y',
    out,
  );
  const { code, stderr } = await ffmpeg.run(args, { signal });
  const bytes = await stat(out).then(
    (s) => s.size,
    () => 0,
  );
  if (code !== 0 || bytes === 0) {
    await rm(out, { force: true });
    throw new BotError('internal', `ffmpeg could not join ${inputs.length} clips: ${stderrTail(stderr)}`, {
      userMessage: text('core.video.joinFailed'),
    });
  }
  if (bytes >= options.maxBytes) {
    await rm(out, { force: true });
    throw new JoinTooLargeError(options.maxBytes);
  }
  const info = await probeClip(ffmpeg, out, signal);
  return { path: out, info, droppedFirstFrame: dropFirst };
}
