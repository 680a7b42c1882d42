import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFfmpegPath } from '../../../src/video/ffmpeg.js';

/**
 * Real, decodable clips for the emulator: one colour for the whole clip (the colour word in the prompt, else
 * one derived from the prompt), as long as the job's seconds, at the size its resolution and aspect ratio
 * give, 24 frames a second. A job with a reference image starts on that image, as image-to-video does, so the
 * bot's seam handling is exercised. Rendered by ffmpeg once per distinct clip and kept on disk
 * (`$TMPDIR/gvb-emulator-clips`), so a test run pays for each clip once.
 */

export const CLIP_FPS = 24;

const COLOUR_WORDS: Record<string, string> = {
  red: 'd02020',
  orange: 'e08020',
  yellow: 'e0d020',
  green: '20b040',
  cyan: '20c0c0',
  blue: '2040d0',
  purple: '8030c0',
  magenta: 'd020c0',
  pink: 'e070a0',
  white: 'f0f0f0',
  black: '101010',
  grey: '808080',
  gray: '808080',
};

/** The clip colour for a prompt, as `rrggbb`. */
export function clipColour(prompt: string): string {
  const words =
    prompt
      .replace(/\[emu:[^\]]*\]/gi, ' ')
      .toLowerCase()
      .match(/[a-z]+/g) ?? [];
  for (const word of words) {
    const named = COLOUR_WORDS[word];
    if (named) return named;
  }
  const digest = createHash('sha256').update(prompt).digest();
  // Mid-range channels, so the colour never reads as black or white.
  return [0, 1, 2].map((i) => (64 + (digest[i]! % 128)).toString(16).padStart(2, '0')).join('');
}

/** Width and height: the resolution's number is the short side; even numbers, as H.264 wants. */
export function clipSize(
  resolution: string,
  aspectRatio: string | undefined,
): { width: number; height: number } {
  const short = Number(/^(\d+)/.exec(resolution)?.[1] ?? '720');
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(aspectRatio ?? '16:9');
  const w = Number(match?.[1] ?? 16);
  const h = Number(match?.[2] ?? 9);
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  return w >= h
    ? { width: even((short * w) / h), height: short }
    : { width: short, height: even((short * h) / w) };
}

export interface ClipSpec {
  colour: string;
  seconds: number;
  width: number;
  height: number;
  reference?: Buffer;
}

const CACHE_DIR = join(tmpdir(), 'gvb-emulator-clips');
const rendering = new Map<string, Promise<Buffer>>();

function run(ffmpeg: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr.slice(-400)}`)),
    );
  });
}

async function render(spec: ClipSpec, out: string, work: string): Promise<void> {
  const { width, height, seconds, colour } = spec;
  const frame = 1 / CLIP_FPS;
  const base = ['-f', 'lavfi', '-i', `color=c=0x${colour}:s=${width}x${height}:r=${CLIP_FPS}`];
  const encode = [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
  ];
  if (spec.reference === undefined) {
    await run(resolveFfmpegPath(process.env.FFMPEG_PATH), [
      ...base,
      '-t',
      String(seconds),
      ...encode,
      '-y',
      out,
    ]);
    return;
  }
  const image = join(work, 'reference');
  await writeFile(image, spec.reference);
  await run(resolveFfmpegPath(process.env.FFMPEG_PATH), [
    '-loop',
    '1',
    '-framerate',
    String(CLIP_FPS),
    '-t',
    frame.toFixed(6),
    '-i',
    image,
    ...base,
    '-filter_complex',
    `[0:v]scale=${width}:${height},setsar=1,format=yuv420p[a];[1:v]trim=end=${(seconds - frame).toFixed(6)},format=yuv420p[b];[a][b]concat=n=2:v=1[v]`,
    '-map',
    '[v]',
    ...encode,
    '-y',
    out,
  ]);
}

/** The clip's bytes, rendered on first use and cached on disk; a reference that cannot be read is left out. */
export function clipBytes(spec: ClipSpec): Promise<Buffer> {
  const key = createHash('sha256')
    .update(JSON.stringify({ ...spec, reference: undefined, v: 1 }))
    .update(spec.reference ?? Buffer.alloc(0))
    .digest('hex')
    .slice(0, 32);
  let pending = rendering.get(key);
  if (pending === undefined) {
    pending = (async () => {
      const file = join(CACHE_DIR, `${key}.mp4`);
      const cached = await readFile(file).catch(() => undefined);
      if (cached !== undefined) return cached;
      await mkdir(CACHE_DIR, { recursive: true });
      const work = await mkdtemp(join(CACHE_DIR, 'render-'));
      try {
        const out = join(work, 'clip.mp4');
        try {
          await render(spec, out, work);
        } catch (error) {
          if (spec.reference === undefined) throw error;
          await render({ ...spec, reference: undefined }, out, work);
        }
        await rename(out, file);
        return await readFile(file);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    })();
    rendering.set(key, pending);
    pending.catch(() => rendering.delete(key));
  }
  return pending;
}
