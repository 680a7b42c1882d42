import { readFile, rm, stat } from 'node:fs/promises';
import { stderrTail, videoInput, type Ffmpeg } from './ffmpeg.js';
import { NotAVideoError } from './probe.js';

/**
 * Single frames out of a clip, as PNG files: the last one is the next clip's reference image, the first one
 * tells whether a new clip starts on the frame the previous one ended with (a frozen frame at the seam).
 */

const MAX_FRAME_BYTES = 32 * 1024 * 1024;

async function frameFile(
  ffmpeg: Ffmpeg,
  args: string[],
  out: string,
  what: string,
  signal?: AbortSignal,
): Promise<Buffer> {
  await rm(out, { force: true });
  const { code, stderr } = await ffmpeg.run([...args, '-y', out], { signal });
  const size = await stat(out).then(
    (s) => s.size,
    () => 0,
  );
  if (code !== 0 || size === 0) {
    throw new NotAVideoError(`ffmpeg could not extract the ${what} frame: ${stderrTail(stderr, 2)}`);
  }
  if (size > MAX_FRAME_BYTES) throw new NotAVideoError(`the ${what} frame is ${size} bytes`);
  return readFile(out);
}

/** The clip's last frame as a PNG (written to `out`, returned too: the reference image of the next clip). */
export function extractLastFrame(ffmpeg: Ffmpeg, video: string, out: string, signal?: AbortSignal) {
  // Decodes only the last second, overwriting one image per frame: the file left is the last frame.
  return frameFile(
    ffmpeg,
    ['-sseof', '-1', ...videoInput(video), '-an', '-update', '1', '-f', 'image2', '-c:v', 'png'],
    out,
    'last',
    signal,
  );
}

export function extractFirstFrame(ffmpeg: Ffmpeg, video: string, out: string, signal?: AbortSignal) {
  return frameFile(
    ffmpeg,
    [...videoInput(video), '-an', '-frames:v', '1', '-f', 'image2', '-c:v', 'png'],
    out,
    'first',
    signal,
  );
}

/**
 * Whether two frames show the same picture: both reduced to 32×32 grey, mean absolute difference below 2 %
 * of the range (a re-encoded frame is never byte-equal to its source).
 */
export async function sameFrame(a: Buffer, b: Buffer): Promise<boolean> {
  // Loaded here, not at the top: this module comes in with Extend at start, and sharp (libvips) costs ~27 MB
  // of RSS that a bot which never compares frames should not carry.
  const { default: sharp } = await import('sharp');
  const small = (png: Buffer) => sharp(png).resize(32, 32, { fit: 'fill' }).greyscale().raw().toBuffer();
  const [x, y] = await Promise.all([small(a), small(b)]);
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.abs(x[i]! - (y[i] ?? 0));
  return total / x.length < 255 * 0.02;
}
