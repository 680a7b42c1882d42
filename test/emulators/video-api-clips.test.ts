import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createFfmpeg, type Ffmpeg } from '../../src/video/ffmpeg.js';
import { extractFirstFrame, extractLastFrame } from '../../src/video/frames.js';
import { probeClip } from '../../src/video/probe.js';
import { clipColour, clipSize } from './video-api/clips.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './video-api/server.js';

let emu: VideoApiEmulator;
let ffmpeg: Ffmpeg;
let dir: string;

beforeAll(async () => {
  emu = await startVideoApiEmulator({ generationMs: 50, clips: 'rendered' });
  ffmpeg = createFfmpeg({ concurrency: 2, timeoutMs: 60_000, logger: createLogger({ level: 'silent' }) });
  dir = await mkdtemp(join(tmpdir(), 'emu-clips-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function finished(body: Record<string, unknown>): Promise<{ id: string; file: string }> {
  const res = await fetch(`${emu.baseUrl}/videos`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${emu.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'grok-imagine-video', ...body }),
  });
  const { id } = (await res.json()) as { id: string };
  emu.jobs.get(id)!.completesAt = Date.now();
  const content = await fetch(`${emu.baseUrl}/videos/${id}/content`, {
    headers: { Authorization: `Bearer ${emu.apiKey}` },
  });
  expect(content.status).toBe(200);
  const bytes = Buffer.from(await content.arrayBuffer());
  expect(bytes.equals(await emu.videoFor(id))).toBe(true);
  const file = join(dir, `${id}.mp4`);
  await writeFile(file, bytes);
  return { id, file };
}

async function centre(png: Buffer): Promise<string> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('');
}

function near(hex: string, expected: string): boolean {
  return [0, 2, 4].every(
    (i) => Math.abs(parseInt(hex.slice(i, i + 2), 16) - parseInt(expected.slice(i, i + 2), 16)) <= 12,
  );
}

describe('rendered clips', () => {
  it('names colours from the prompt, else derives one', () => {
    expect(clipColour('a red fox [emu:ms=5]')).toBe('d02020');
    expect(clipColour('the sea, blue and calm')).toBe('2040d0');
    expect(clipColour('a fox')).toBe(clipColour('a fox'));
    expect(clipColour('a fox')).not.toBe(clipColour('a cat'));
    expect(clipSize('720P', '16:9')).toEqual({ width: 1280, height: 720 });
    expect(clipSize('480P', '9:16')).toEqual({ width: 480, height: 854 });
  });

  it('serves a decodable clip: colour from the prompt, length from seconds, size from resolution', async () => {
    const { file } = await finished({
      prompt: 'a green meadow',
      seconds: '3',
      resolution: '480P',
      aspect_ratio: '1:1',
    });
    const info = await probeClip(ffmpeg, file);
    expect(info).toMatchObject({ width: 480, height: 480, fps: 24, hasAudio: false });
    expect(Math.abs(info.durationSeconds - 3)).toBeLessThanOrEqual(1 / 24);
    expect(near(await centre(await extractFirstFrame(ffmpeg, file, join(dir, 'g.png'))), '20b040')).toBe(
      true,
    );
  });

  it('starts an image-to-video clip on its reference image', async () => {
    const red = await sharp({ create: { width: 64, height: 36, channels: 3, background: '#d02020' } })
      .png()
      .toBuffer();
    const { file } = await finished({
      prompt: 'now blue',
      seconds: '2',
      resolution: '480P',
      image: `data:image/png;base64,${red.toString('base64')}`,
    });
    const info = await probeClip(ffmpeg, file);
    expect(Math.abs(info.durationSeconds - 2)).toBeLessThanOrEqual(1 / 24);
    expect(near(await centre(await extractFirstFrame(ffmpeg, file, join(dir, 'r0.png'))), 'd02020')).toBe(
      true,
    );
    expect(near(await centre(await extractLastFrame(ffmpeg, file, join(dir, 'b1.png'))), '2040d0')).toBe(
      true,
    );
  });

  it('renders each distinct clip once', async () => {
    const a = await finished({ prompt: 'a yellow kite', seconds: '1', resolution: '480P' });
    const started = Date.now();
    const b = await finished({ prompt: 'a yellow kite', seconds: '1', resolution: '480P' });
    expect(Date.now() - started).toBeLessThan(500);
    expect((await emu.videoFor(a.id)).equals(await emu.videoFor(b.id))).toBe(true);
  });
});
