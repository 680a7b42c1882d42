import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import type { GenerationEvent } from '../../src/generation/video-job.js';
import {
  startVideoApiEmulator,
  type RecordedForm,
  type VideoApiEmulator,
} from '../emulators/video-api/server.js';
import { collect, serviceFor } from '../helpers/core.js';
import { testImage } from '../helpers/images.js';

/**
 * The relay's model family over real HTTP: grok-imagine-video takes JSON, its siblings multipart with
 * `size`, fixed lengths and the image as the file `input_reference`. The emulator refuses a body in the
 * other model's format, so a client that picks the wrong one fails these tests.
 */

let emulator: VideoApiEmulator;
const ALL = { VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' };

beforeAll(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 300 });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.reset();
});

const posts = () => emulator.requests.filter((r) => r.method === 'POST');

function formOf(body: unknown): RecordedForm {
  const form = body as RecordedForm | undefined;
  if (form?.kind !== 'multipart') throw new Error(`not a multipart body: ${JSON.stringify(body)}`);
  return form;
}

async function runToVideo(events: AsyncIterable<GenerationEvent>): Promise<Buffer> {
  const all = await collect(events);
  const last = all.at(-1);
  if (last?.type !== 'completed') throw new Error(`last event was ${last?.type}`);
  try {
    return await readFile(last.video.path);
  } finally {
    await last.video.cleanup();
  }
}

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return error.userMessage;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the client speaks each model’s wire format', () => {
  it('sends grok-video-3 as multipart with size and seconds, and no JSON-only fields', async () => {
    const { service } = serviceFor(emulator, { env: ALL });
    const prepared = await service.prepare({
      prompt: 'a lighthouse at dusk',
      model: 'grok-video-3',
      seconds: '15s',
      resolution: '1080p',
      aspectRatio: '9:16',
    });
    expect(await runToVideo(service.run({ body: prepared.body }))).toEqual(emulator.mp4);

    const post = posts()[0];
    expect(post?.status).toBe(200);
    expect(post?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = formOf(post?.body);
    expect(form.fields).toEqual({
      model: 'grok-video-3',
      prompt: 'a lighthouse at dusk',
      seconds: '15',
      aspect_ratio: '9:16',
      size: '1080P',
    });
    expect(form.files).toEqual({});
    expect(emulator.jobs.get([...emulator.jobs.keys()][0] ?? '')?.size).toBe('1080P');
  });

  it('sends grok-video-1.5’s reference image as the file part input_reference, 10 s (Pro) by default', async () => {
    const { service } = serviceFor(emulator, { env: ALL });
    const prepared = await service.prepare({
      prompt: 'animate the flag',
      model: 'grok-video-1.5',
      resolution: '540P',
      images: [{ bytes: await testImage({ width: 400, height: 300, fill: '#3366ff' }), name: 'flag.png' }],
    });
    expect(await runToVideo(service.run({ body: prepared.body }))).toEqual(emulator.mp4);

    const form = formOf(posts()[0]?.body);
    expect(form.fields).toMatchObject({ model: 'grok-video-1.5', seconds: '10', size: '540P' });
    for (const field of ['resolution', 'image', 'images', 'input_reference'])
      expect(form.fields[field]).toBeUndefined();
    const file = form.files.input_reference;
    expect(file?.type).toBe('image/jpeg');
    const sentUri = prepared.body.image ?? '';
    expect(file?.bytes).toEqual(Buffer.from(sentUri.replace(/^data:image\/jpeg;base64,/, ''), 'base64'));
  });

  it('keeps grok-imagine-video on JSON with resolution and image', async () => {
    const { service } = serviceFor(emulator, { env: ALL });
    const prepared = await service.prepare({
      prompt: 'waves',
      seconds: 7,
      resolution: '480',
      images: [{ bytes: await testImage({ width: 200, height: 200, fill: '#00aa00' }), name: 'w.png' }],
    });
    expect(await runToVideo(service.run({ body: prepared.body }))).toEqual(emulator.mp4);
    const post = posts()[0];
    expect(post?.headers['content-type']).toMatch(/^application\/json/);
    expect(post?.body).toMatchObject({ model: 'grok-imagine-video', seconds: '7', resolution: '480P' });
    expect(post?.body).not.toHaveProperty('size');
    expect((post?.body as { image?: string }).image).toMatch(/^data:image\/jpeg;base64,/);
  });
});

describe('the emulator refuses the other format and names the broken field', () => {
  async function submit(body: string | FormData, contentType?: string) {
    const response = await fetch(`${emulator.baseUrl}/videos`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${emulator.apiKey}`,
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    });
    const json = (await response.json()) as { error: { message: string; param: string | null } };
    return { status: response.status, message: json.error.message, param: json.error.param };
  }
  function form(fields: Record<string, string>, file?: { type: string; bytes: Uint8Array }): FormData {
    const out = new FormData();
    for (const [name, value] of Object.entries(fields)) out.append(name, value);
    if (file) out.append('input_reference', new Blob([file.bytes], { type: file.type }), 'ref');
    return out;
  }

  it('refuses JSON for a multipart model and multipart for the JSON model', async () => {
    expect(
      await submit(JSON.stringify({ model: 'grok-video-3', prompt: 'x', seconds: '10' }), 'application/json'),
    ).toEqual({
      status: 400,
      message: 'model grok-video-3 takes multipart/form-data, not JSON',
      param: 'model',
    });
    expect(await submit(form({ model: 'grok-imagine-video', prompt: 'x' }))).toEqual({
      status: 400,
      message: 'model grok-imagine-video takes application/json, not multipart/form-data',
      param: 'model',
    });
    expect(emulator.jobs.size).toBe(0);
  });

  it.each([
    [{ seconds: '12' }, 'seconds must be 10 (Pro) or 15 (Max)', 'seconds'],
    [{ size: '2K' }, 'size must be one of 480P, 540P, 720P, 1080P', 'size'],
    [{ resolution: '720P' }, 'resolution is not a field of grok-video-1.5; use size', 'resolution'],
    [
      { image: 'data:image/png;base64,AAAA' },
      'image is not a field of grok-video-1.5; use a file part input_reference',
      'image',
    ],
    [{ input_reference: 'data:image/png;base64,AAAA' }, 'input_reference must be a file', 'input_reference'],
  ])('answers 400 for %j', async (extra, message, param) => {
    const sent = form({ model: 'grok-video-1.5', prompt: 'x', ...extra });
    expect(await submit(sent)).toEqual({ status: 400, message, param });
  });

  it('refuses a reference file that is not an image', async () => {
    const sent = form(
      { model: 'grok-video-3', prompt: 'x' },
      { type: 'text/plain', bytes: Buffer.from('hi') },
    );
    expect(await submit(sent)).toMatchObject({ status: 400, param: 'input_reference' });
  });
});

describe('validation names the model’s own rules, before anything is sent', () => {
  const all = () => serviceFor(emulator, { env: ALL }).service;
  afterEach(() => {
    expect(emulator.requests).toEqual([]);
  });

  it.each([
    [
      { prompt: 'x', model: 'grok-video-3', seconds: 12 },
      'grok-video-3 makes 10 s (Pro) or 15 s (Max) videos; “12” is not one of them.',
    ],
    [
      { prompt: 'x', model: 'grok-video-1.5', resolution: '4K' },
      'grok-video-1.5 makes 480P, 540P, 720P or 1080P videos; “4K” is not one of them.',
    ],
    [
      {
        prompt: 'x',
        model: 'grok-video-3',
        images: [
          { url: 'u1', name: 'a' },
          { url: 'u2', name: 'b' },
        ],
      },
      'grok-video-3 takes one reference image; you attached 2.',
    ],
    [
      { prompt: 'x', resolution: '1080P' },
      'The resolution must be 480P or 720P; “1080P” is not one of them.',
    ],
    [
      { prompt: 'x', model: 'grok-video-9' },
      'This bot does not offer grok-video-9; choose grok-imagine-video, grok-video-1.5 or grok-video-3.',
    ],
  ])('%j', (request, message) => {
    expect(messageOf(() => all().validate(request))).toBe(message);
  });

  it('refuses a sibling the bot does not offer', () => {
    const { service: single } = serviceFor(emulator);
    expect(messageOf(() => single.validate({ prompt: 'x', model: 'grok-video-3' }))).toBe(
      'This bot does not offer grok-video-3; choose grok-imagine-video.',
    );
  });

  it('accepts the tiers and the four sizes', () => {
    const service = all();
    expect(
      service.validate({ prompt: 'x', model: 'grok-video-3', seconds: '10', resolution: '540' }),
    ).toMatchObject({
      model: 'grok-video-3',
      seconds: 10,
      resolution: '540P',
    });
    expect(service.validate({ prompt: 'x' })).toMatchObject({ model: 'grok-imagine-video', seconds: 6 });
  });
});
