import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createLogger } from '../../src/log.js';
import { createFfmpeg } from '../../src/video/ffmpeg.js';
import { extractFirstFrame, extractLastFrame } from '../../src/video/frames.js';
import { probeClip, type ClipInfo } from '../../src/video/probe.js';

/** What a test asserts about a video users got: its probe, and the colour at the centre of its first and last frames. */
export interface SeenVideo {
  info: ClipInfo;
  /** `rrggbb` at the centre of the first frame, and of the third (past any seam) */
  first: string;
  last: string;
}

const ffmpeg = createFfmpeg({ concurrency: 2, timeoutMs: 60_000, logger: createLogger({ level: 'silent' }) });

async function centre(png: Buffer): Promise<string> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
}

export async function seeVideo(bytes: Uint8Array): Promise<SeenVideo> {
  const dir = await mkdtemp(join(tmpdir(), 'seen-video-'));
  try {
    const file = join(dir, 'video.mp4');
    await writeFile(file, bytes);
    const info = await probeClip(ffmpeg, file);
    const first = await centre(await extractFirstFrame(ffmpeg, file, join(dir, 'first.png')));
    const last = await centre(await extractLastFrame(ffmpeg, file, join(dir, 'last.png')));
    return { info, first, last };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether two `rrggbb` colours are the same after video compression (each channel within 16). */
export function sameColour(seen: string, expected: string): boolean {
  return [0, 2, 4].every(
    (i) => Math.abs(parseInt(seen.slice(i, i + 2), 16) - parseInt(expected.slice(i, i + 2), 16)) <= 16,
  );
}
