import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { createFfmpeg, FfmpegUnavailableError, type Ffmpeg } from '../../src/video/ffmpeg.js';
import { extractFirstFrame, extractLastFrame } from '../../src/video/frames.js';
import { joinClips, JoinTooLargeError } from '../../src/video/join.js';
import { NotAVideoError, parseClipInfo, probeClip } from '../../src/video/probe.js';

const logger = createLogger({ level: 'silent' });
let ffmpeg: Ffmpeg;
let dir: string;

/** A clip of one colour made by ffmpeg itself; `firstFrame` paints frame 0 another colour. */
async function clip(
  name: string,
  opts: { color: string; size?: string; fps?: number; seconds: number; audio?: boolean; firstFrame?: string },
): Promise<string> {
  const out = join(dir, name);
  const size = opts.size ?? '320x240';
  const fps = opts.fps ?? 24;
  const args = ['-f', 'lavfi', '-i', `color=c=${opts.color}:s=${size}:r=${fps}:d=${opts.seconds}`];
  if (opts.audio)
    args.push('-f', 'lavfi', '-t', String(opts.seconds), '-i', 'sine=frequency=440:sample_rate=44100');
  if (opts.firstFrame) args.push('-vf', `drawbox=c=${opts.firstFrame}:t=fill:enable='eq(n,0)'`);
  args.push(
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    ...(opts.audio ? ['-c:a', 'aac', '-shortest'] : []),
    '-y',
    out,
  );
  const run = await ffmpeg.run(args);
  expect(run.code, run.stderr).toBe(0);
  return out;
}

async function centre(png: Buffer): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}

beforeAll(async () => {
  ffmpeg = createFfmpeg({ concurrency: 2, timeoutMs: 60_000, logger });
  dir = await mkdtemp(join(tmpdir(), 'ffmpeg-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ffmpeg', () => {
  it('runs the bundled binary (or FFMPEG_PATH) on this machine', async () => {
    const run = await ffmpeg.run(['-version']);
    expect(run.code).toBe(0);
  });

  it('probes a clip: duration, size, frame rate, sound', async () => {
    const silent = await probeClip(ffmpeg, await clip('p1.mp4', { color: 'red', seconds: 2, fps: 25 }));
    expect(silent).toMatchObject({
      width: 320,
      height: 240,
      fps: 25,
      hasAudio: false,
      pixelFormat: 'yuv420p',
    });
    expect(silent.durationSeconds).toBeCloseTo(2, 1);
    const loud = await probeClip(ffmpeg, await clip('p2.mp4', { color: 'red', seconds: 1, audio: true }));
    expect(loud.hasAudio).toBe(true);
  });

  it('reads the pixel format past a codec description holding commas', () => {
    const info = parseClipInfo(
      '  Duration: 00:00:06.04, start: 0.000000, bitrate: 1 kb/s\n' +
        '    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 1280x720 [SAR 1:1 DAR 16:9], 900 kb/s, 30 fps, 30 tbr\n',
    );
    expect(info).toMatchObject({
      width: 1280,
      height: 720,
      fps: 30,
      pixelFormat: 'yuv420p',
      hasAudio: false,
    });
    expect(info?.durationSeconds).toBeCloseTo(6.04, 2);
  });

  it('refuses a file that is not a video with a clear, typed error', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'these are not the frames you are looking for\n'.repeat(50));
    const error = await probeClip(ffmpeg, text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAVideoError);
    expect((error as BotError).kind).toBe('invalid_input');
    expect((error as BotError).userMessage).toMatch(/not a video/);
    const frame = await extractLastFrame(ffmpeg, text, join(dir, 'x.png')).catch((e: unknown) => e);
    expect(frame).toBeInstanceOf(NotAVideoError);
  });

  it('extracts the last frame as a PNG', async () => {
    const video = await clip('lf.mp4', { color: 'blue', seconds: 1, firstFrame: 'red' });
    const last = await extractLastFrame(ffmpeg, video, join(dir, 'last.png'));
    expect(last.subarray(1, 4).toString('latin1')).toBe('PNG');
    const [r, , b] = await centre(last);
    expect(b).toBeGreaterThan(200);
    expect(r).toBeLessThan(40);
    const [r0] = await centre(await extractFirstFrame(ffmpeg, video, join(dir, 'first.png')));
    expect(r0).toBeGreaterThan(200);
  });

  it('joins clips: lengths add up, the first clip sets size and rate, its frames come first', async () => {
    const a = await clip('j1.mp4', { color: 'red', seconds: 2, size: '320x240', fps: 24 });
    const b = await clip('j2.mp4', { color: 'blue', seconds: 1, size: '640x360', fps: 30 });
    const c = await clip('j3.mp4', { color: 'green', seconds: 1.5, size: '320x240', fps: 24 });
    const joined = await joinClips(ffmpeg, [a, b, c], join(dir, 'joined.mp4'), {
      workDir: dir,
      maxBytes: 50 * 1024 * 1024,
    });
    expect(joined.info).toMatchObject({ width: 320, height: 240, fps: 24 });
    expect(Math.abs(joined.info.durationSeconds - 4.5)).toBeLessThanOrEqual(1 / 24 + 0.001);
    expect(joined.droppedFirstFrame).toEqual([false, false, false]);
    const [r, g, bl] = await centre(await extractFirstFrame(ffmpeg, joined.path, join(dir, 'jf.png')));
    expect(r).toBeGreaterThan(200);
    expect(g + bl).toBeLessThan(80);
    const [, , lastBlue] = await centre(await extractLastFrame(ffmpeg, joined.path, join(dir, 'jl.png')));
    expect(lastBlue).toBeLessThan(60);
  });

  it('drops the first frame of a clip that repeats the seam', async () => {
    const a = await clip('s1.mp4', { color: 'red', seconds: 1 });
    const b = await clip('s2.mp4', { color: 'blue', seconds: 1, firstFrame: 'red' });
    const joined = await joinClips(ffmpeg, [a, b], join(dir, 'seam.mp4'), { workDir: dir, maxBytes: 50e6 });
    expect(joined.droppedFirstFrame).toEqual([false, true]);
    expect(Math.abs(joined.info.durationSeconds - (2 - 1 / 24))).toBeLessThanOrEqual(1 / 24 + 0.001);
  });

  it('gives silence to silent clips when another clip has sound', async () => {
    const a = await clip('a1.mp4', { color: 'red', seconds: 1 });
    const b = await clip('a2.mp4', { color: 'blue', seconds: 1, audio: true });
    const joined = await joinClips(ffmpeg, [a, b], join(dir, 'audio.mp4'), { workDir: dir, maxBytes: 50e6 });
    expect(joined.info.hasAudio).toBe(true);
    expect(Math.abs(joined.info.durationSeconds - 2)).toBeLessThanOrEqual(1 / 24 + 0.03);
  });

  it('stops a join that passes the size cap', async () => {
    const a = await clip('c1.mp4', { color: 'red', seconds: 1 });
    const b = await clip('c2.mp4', { color: 'blue', seconds: 1 });
    const error = await joinClips(ffmpeg, [a, b], join(dir, 'big.mp4'), {
      workDir: dir,
      maxBytes: 2000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTooLargeError);
  });

  it('bounds concurrent runs and kills a run that passes the timeout', async () => {
    const one = createFfmpeg({ concurrency: 1, timeoutMs: 300, logger });
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, one.slots.running())), 5);
    const endless = ['-f', 'lavfi', '-i', 'testsrc=s=64x64', '-f', 'null', '-'];
    const runs = await Promise.allSettled([one.run(endless), one.run(endless), one.run(['-version'])]);
    clearInterval(watch);
    expect(most).toBe(1);
    expect(runs[0].status).toBe('rejected');
    expect((runs[0] as PromiseRejectedResult).reason).toBeInstanceOf(FfmpegUnavailableError);
    expect(runs[2].status).toBe('fulfilled');
  });

  it('says so when the binary cannot be run', async () => {
    const missing = createFfmpeg({ path: join(dir, 'no-ffmpeg'), concurrency: 1, timeoutMs: 1000, logger });
    await expect(missing.run(['-version'])).rejects.toBeInstanceOf(FfmpegUnavailableError);
  });
});
