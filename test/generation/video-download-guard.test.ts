import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import type { GenerationEvent } from '../../src/generation/video-job.js';
import { VideoTooLargeError } from '../../src/video-api/download.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { collect, serviceFor } from '../helpers/core.js';
import { startInternalService, type InternalService } from '../helpers/internal-service.js';

/**
 * The video API (or whoever controls it) must not be able to point the bot's download at the bot's own
 * network, nor get anything but a video posted: redirects and off-origin video_urls are checked on the address
 * they resolve to, every hop, and the bytes must start like an MP4. The API's own host (127.0.0.1 here) is the
 * one exception, so a local relay keeps working.
 */

let emulator: VideoApiEmulator;
/** On 127.0.0.2: another loopback address, so a private one that is not the API's host. */
let internal: InternalService;
/** On 127.0.0.1 but reached by the name `localhost`, which resolves to a loopback address. */
let byName: InternalService;

beforeAll(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 200 });
  internal = await startInternalService({ body: emulator.mp4 });
  byName = await startInternalService({ host: '127.0.0.1', body: emulator.mp4 });
});
afterAll(async () => {
  await Promise.all([emulator.close(), internal.close(), byName.close()]);
});
afterEach(() => {
  emulator.reset();
  internal.requests.length = 0;
  byName.requests.length = 0;
});

async function failureOf(events: AsyncIterable<GenerationEvent>): Promise<BotError> {
  try {
    const done = (await collect(events)).at(-1);
    if (done?.type === 'completed') await done.video.cleanup();
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected the download to be refused');
}

async function run(prompt: string, env: Record<string, string> = {}) {
  const { service, log } = serviceFor(emulator, { env });
  const prepared = await service.prepare({ prompt });
  return { events: service.run({ body: prepared.body }), log };
}

function expectRefusedFetch(error: BotError): void {
  expect(error.kind).toBe('job_failed');
  expect(error.userMessage).toMatch(/could not be fetched/);
}

describe('addresses a download may reach', () => {
  it.each([
    ['a loopback address', () => `${internal.origin}/secret`],
    ['the same address in decimal', () => `http://2130706434:${internal.port}/secret`],
  ])('refuses a /content redirect to %s: the service is never reached', async (_what, target) => {
    emulator.configure({ contentRedirect: target() });
    const { events, log } = await run('x');
    expectRefusedFetch(await failureOf(events));
    expect(internal.requests).toHaveLength(0);
    const logs = log.lines.join('\n');
    expect(logs).toContain('127.0.0.2');
    expect(logs).toMatch(/refused/);
  });

  it('refuses an off-origin video_url whose name resolves to a loopback address', async () => {
    emulator.configure({ videoUrl: `http://localhost:${byName.port}/files/{id}.mp4` });
    const { events, log } = await run('[emu:no-content] x');
    expectRefusedFetch(await failureOf(events));
    expect(byName.requests).toHaveLength(0);
    const refusal = log.lines.find((l) => l.includes('localhost') && l.includes('127.0.0.1'));
    expect(refusal).toMatch(/refused/);
  });

  it('refuses a redirect to a scheme other than http(s), such as a data: URL holding a video', async () => {
    emulator.configure({
      contentRedirect: `data:video/mp4;base64,${emulator.mp4.toString('base64')}`,
    });
    const { events } = await run('x');
    expectRefusedFetch(await failureOf(events));
  });

  it('follows a redirect that stays on the API’s own host, whatever its address', async () => {
    emulator.configure({ contentRedirect: `${emulator.foreignOrigin}/files/{id}.mp4` });
    const { events } = await run('x');
    const done = (await collect(events)).at(-1);
    if (done?.type !== 'completed') throw new Error('expected the video');
    try {
      expect(await readFile(done.video.path)).toEqual(emulator.mp4);
    } finally {
      await done.video.cleanup();
    }
    expect(emulator.foreignRequests).toHaveLength(1);
  });
});

describe('what a download must be', () => {
  it.each([
    ['/content', '[emu:foreign] x'],
    ['the foreign video_url', '[emu:foreign] [emu:no-content] x'],
  ])('refuses a file from %s that does not start like an MP4', async (_where, prompt) => {
    emulator.configure({ fileBody: Buffer.from('INTERNAL ONLY: db_password=hunter2\n'.repeat(4)) });
    const { events, log } = await run(prompt);
    expectRefusedFetch(await failureOf(events));
    expect(log.lines.join('\n')).toMatch(/not an MP4/);
    expect(log.lines.join('\n')).not.toContain('hunter2');
  });

  it('refuses a file too short to hold an MP4 header', async () => {
    emulator.configure({ fileBody: Buffer.from('ftyp') });
    const { events } = await run('x');
    expectRefusedFetch(await failureOf(events));
  });

  it('accepts a QuickTime file that starts with another atom than ftyp', async () => {
    const quickTime = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('wide'), emulator.mp4]);
    emulator.configure({ fileBody: quickTime });
    const { events } = await run('x');
    const done = (await collect(events)).at(-1);
    if (done?.type !== 'completed') throw new Error('expected the video');
    try {
      expect(await readFile(done.video.path)).toEqual(quickTime);
    } finally {
      await done.video.cleanup();
    }
  });
});

describe('links shown to users', () => {
  it('never offers a video_url on a private address as the link to a too-large video', async () => {
    emulator.configure({ videoUrl: `${internal.origin}/files/{id}.mp4` });
    const { events, log } = await run('x', { MAX_VIDEO_BYTES: '1024' });
    const error = await failureOf(events);
    expect(error).toBeInstanceOf(VideoTooLargeError);
    expect((error as VideoTooLargeError).publicUrl).toBeUndefined();
    expect(internal.requests).toHaveLength(0);
    expect(log.lines.join('\n')).toMatch(/127\.0\.0\.2.*not shown|not shown.*127\.0\.0\.2/);
  });

  it('never offers it on a delivered video either (the adapter would show it over the upload limit)', async () => {
    emulator.configure({ videoUrl: `http://localhost:${byName.port}/files/{id}.mp4` });
    const { events } = await run('x');
    const done = (await collect(events)).at(-1);
    if (done?.type !== 'completed') throw new Error('expected the video');
    await done.video.cleanup();
    expect(done.video.source).toBe('content');
    expect(done.video.publicUrl).toBeUndefined();
  });
});
