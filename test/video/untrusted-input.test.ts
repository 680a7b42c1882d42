import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createFfmpeg, type Ffmpeg } from '../../src/video/ffmpeg.js';
import { extractFirstFrame, extractLastFrame } from '../../src/video/frames.js';
import { joinClips } from '../../src/video/join.js';
import { NotAVideoError, probeClip } from '../../src/video/probe.js';

/**
 * A "video" a user replies to is theirs to craft. ffmpeg left to guess the format reads an HLS playlist or an
 * ffconcat list named `video.mp4` and opens what it points at: files on the bot's machine (measured with the
 * bundled ffmpeg: a playlist naming a local file was probed, and its first frame extracted, as if it were the
 * user's video), and on other builds URLs inside the network. Every input the bot hands ffmpeg is read as
 * MP4/QuickTime only, from that one file only: such a file is "not a video", and nothing it names is opened.
 */

const logger = createLogger({ level: 'silent' });
let ffmpeg: Ffmpeg;
let dir: string;
let canary: string;
let clip: string;

beforeAll(async () => {
  ffmpeg = createFfmpeg({ concurrency: 2, timeoutMs: 60_000, logger });
  dir = await mkdtemp(join(tmpdir(), 'untrusted-'));
  // A file of the bot's machine that no user may read: a red clip, so leaking it would show.
  canary = join(dir, 'secret.ts');
  const made = await ffmpeg.run([
    '-f',
    'lavfi',
    '-i',
    'color=c=red:s=64x64:d=1',
    '-c:v',
    'libx264',
    '-f',
    'mpegts',
    '-y',
    canary,
  ]);
  expect(made.code, made.stderr).toBe(0);
  clip = join(dir, 'real.mp4');
  const real = await ffmpeg.run([
    '-f',
    'lavfi',
    '-i',
    'color=c=blue:s=64x64:d=1',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-y',
    clip,
  ]);
  expect(real.code, real.stderr).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function crafted(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const attacks = [
  [
    'an HLS playlist naming a local file',
    () =>
      crafted(
        'hls.mp4',
        `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nfile://${canary}\n#EXT-X-ENDLIST\n`,
      ),
  ],
  [
    'an HLS playlist naming an address inside the network',
    () =>
      crafted(
        'hls-net.mp4',
        '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nhttp://127.0.0.1:9/internal.ts\n#EXT-X-ENDLIST\n',
      ),
  ],
  [
    'an ffconcat list naming a local file',
    () => crafted('concat.mp4', `ffconcat version 1.0\nfile '${canary}'\n`),
  ],
] as const;

describe('ffmpeg reads only MP4/QuickTime, and only the file it is given', () => {
  for (const [name, make] of attacks) {
    it(`refuses ${name} as not a video: probe, frames and join`, async () => {
      const evil = await make();
      await expect(probeClip(ffmpeg, evil)).rejects.toBeInstanceOf(NotAVideoError);
      await expect(extractFirstFrame(ffmpeg, evil, join(dir, 'first.png'))).rejects.toBeInstanceOf(
        NotAVideoError,
      );
      await expect(extractLastFrame(ffmpeg, evil, join(dir, 'last.png'))).rejects.toBeInstanceOf(
        NotAVideoError,
      );
      await expect(
        joinClips(ffmpeg, [clip, evil], join(dir, 'joined.mp4'), {
          workDir: dir,
          maxBytes: 50 * 1024 * 1024,
        }),
      ).rejects.toBeInstanceOf(NotAVideoError);
    });
  }

  it('still reads a real MP4', async () => {
    const info = await probeClip(ffmpeg, clip);
    expect(info.width).toBe(64);
  });
});
