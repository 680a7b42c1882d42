import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import type { GenerationEvent } from '../../src/generation/video-job.js';
import { VideoApiError } from '../../src/video-api/errors.js';
import { VideoTooLargeError } from '../../src/video-api/download.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { collect, serviceFor } from '../helpers/core.js';
import { testImage } from '../helpers/images.js';

let emulator: VideoApiEmulator;

beforeAll(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 400 });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.reset();
});

async function thrown(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected a BotError');
}

function completedOf(events: GenerationEvent[]) {
  const last = events.at(-1);
  if (last?.type !== 'completed') throw new Error(`last event was ${last?.type}`);
  return last;
}

const posts = () => emulator.requests.filter((r) => r.method === 'POST');

describe('text-to-video through the emulator', () => {
  it('submits, reports progress as it changes, and downloads the exact MP4', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({
      prompt: 'a fox running through snow',
      seconds: 8,
      aspectRatio: '9x16',
    });
    const events = await collect(service.run({ body: prepared.body }));
    const done = completedOf(events);
    try {
      expect(await readFile(done.video.path)).toEqual(emulator.mp4);
      expect(done.video.source).toBe('content');
    } finally {
      await done.video.cleanup();
    }
    expect(existsSync(done.video.path)).toBe(false);

    expect(posts()).toHaveLength(1);
    expect(posts()[0]?.body).toEqual({
      model: 'grok-imagine-video',
      prompt: 'a fox running through snow',
      seconds: '8',
      aspect_ratio: '9:16',
      resolution: '720P',
    });
    expect(posts()[0]?.headers.authorization).toBe(`Bearer ${emulator.apiKey}`);

    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1], progress[i]];
      // Only changes are reported, and progress never goes backwards.
      expect(a?.status !== b?.status || a?.progress !== b?.progress).toBe(true);
      expect(b?.progress ?? 0).toBeGreaterThanOrEqual(a?.progress ?? 0);
    }
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['submitted', 'progress', 'downloading', 'completed']),
    );
  });

  it('tolerates unknown fields, in_progress and a missing or out-of-range progress', async () => {
    emulator.configure({ extraFields: true });
    const { service } = serviceFor(emulator);
    for (const prompt of ['[emu:in_progress] waves', '[emu:no-progress] waves', '[emu:progress=150] waves']) {
      const prepared = await service.prepare({ prompt });
      const events = await collect(service.run({ body: prepared.body }));
      await completedOf(events).video.cleanup();
      for (const e of events)
        if (e.type === 'progress' && e.progress !== undefined) expect(e.progress).toBeLessThanOrEqual(100);
    }
  });

  it('treats an unknown status as running and logs it once', async () => {
    const { service, log } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:status=rendering_v2] a lighthouse' });
    const events = await collect(service.run({ body: prepared.body }));
    await completedOf(events).video.cleanup();
    const statuses = events.flatMap((e) => (e.type === 'progress' ? [e.status] : []));
    expect(statuses).toContain('processing');
    const warned = log.lines.filter((l) => l.includes('rendering_v2') && l.includes('unknown job status'));
    expect(warned).toHaveLength(1);
  });
});

describe('upstream outcomes', () => {
  it('a failed job throws job_failed with the provider message', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:fail=Content policy violation] x' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('job_failed');
    expect(error.userMessage).toContain('Content policy violation');
  });

  it('a cancelled job throws job_cancelled', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:cancel] x' });
    expect((await thrown(collect(service.run({ body: prepared.body })))).kind).toBe('job_cancelled');
  });

  it('a job stuck past JOB_TIMEOUT gives up with job_timeout and stops polling', async () => {
    const { service } = serviceFor(emulator, { jobTimeoutMs: 600 });
    const prepared = await service.prepare({ prompt: '[emu:stuck] x' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('job_timeout');
    const count = emulator.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(emulator.requests.length).toBe(count);
  });

  it('an abort signal stops the job at once', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:stuck] x' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user cancelled')), 200);
    await expect(collect(service.run({ body: prepared.body }, controller.signal))).rejects.toThrow(
      'user cancelled',
    );
  });

  it('resumes a submitted job with GETs only', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'resume me' });
    const created = await service.client.createJob(prepared.body);
    const events = await collect(service.run({ jobId: created.id, startedAt: Date.now() }));
    await completedOf(events).video.cleanup();
    expect(posts()).toHaveLength(1);
  });
});

describe('retries and faults', () => {
  it('honours 429 Retry-After on the POST and creates one job', async () => {
    emulator.configure({ rateLimit: { onRequests: [1], retryAfter: '1' } });
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'rate limited' });
    const started = Date.now();
    const events = await collect(service.run({ body: prepared.body }));
    await completedOf(events).video.cleanup();
    expect(emulator.requests[0]?.status).toBe(429);
    expect(emulator.requests[1]?.at ?? 0).toBeGreaterThanOrEqual(started + 950);
    expect(emulator.jobs.size).toBe(1);
  });

  it('honours a Retry-After given as an HTTP date on a poll', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'date retry' });
    // HTTP dates have whole seconds: two seconds ahead is at least one second of waiting.
    const retryAfter = new Date(Date.now() + 2000).toUTCString();
    emulator.configure({ rateLimit: { onRequests: [2], retryAfter } });
    const events = await collect(service.run({ body: prepared.body }));
    await completedOf(events).video.cleanup();
    const limited = emulator.requests.findIndex((r) => r.status === 429);
    expect(limited).toBe(1);
    // Not before the date the API named (measured against the date, not against when the 429 came, which
    // a loaded machine may send late).
    expect(emulator.requests[2]?.at ?? 0).toBeGreaterThanOrEqual(Date.parse(retryAfter) - 50);
  });

  it('rides out a burst of 5xx on polls', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'burst' });
    emulator.configure({ errorBurst: { status: 502, count: 6, methods: ['GET'], body: 'html' } });
    const events = await collect(service.run({ body: prepared.body }));
    await completedOf(events).video.cleanup();
    expect(emulator.requests.filter((r) => r.status === 502)).toHaveLength(6);
  });

  it('retries a POST answered 503 (not taken) but never a POST whose answer was lost', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'dropped' });

    emulator.configure({ errorBurst: { status: 503, count: 2, methods: ['POST'] } });
    const events = await collect(service.run({ body: prepared.body }));
    await completedOf(events).video.cleanup();
    expect(emulator.jobs.size).toBe(1);

    emulator.reset();
    emulator.configure({ dropConnection: { method: 'POST', after: 'processing' } });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error).toBeInstanceOf(VideoApiError);
    expect(error.kind).toBe('transient');
    expect(posts()).toHaveLength(1);
    expect(emulator.jobs.size).toBe(1);

    emulator.reset();
    emulator.configure({ errorBurst: { status: 500, count: 1, methods: ['POST'] } });
    expect((await thrown(collect(service.run({ body: prepared.body })))).kind).toBe('transient');
    expect(posts()).toHaveLength(1);
  });

  it('retries a POST when the connection was refused', async () => {
    const closed = await startVideoApiEmulator();
    const { service, log } = serviceFor(closed);
    await closed.close();
    const prepared = await service.prepare({ prompt: 'nobody home' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('transient');
    expect(log.lines.filter((l) => l.includes('retrying'))).toHaveLength(4);
  });

  it('times out a hung request', async () => {
    emulator.configure({ hang: true });
    const { service } = serviceFor(emulator, { env: { VIDEO_API_TIMEOUT_MS: '1000' } });
    const prepared = await service.prepare({ prompt: 'hang' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('timed out');
  });

  it('re-downloads a truncated body', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: 'truncated' });
    emulator.configure({ dropConnection: { method: 'GET', after: 'processing', nth: 1 } });
    // The fault counts GETs from now: the first poll is dropped mid-answer, polls retry, downloads succeed.
    const events = await collect(service.run({ body: prepared.body }));
    const done = completedOf(events);
    expect(await readFile(done.video.path)).toEqual(emulator.mp4);
    await done.video.cleanup();
  });
});

describe('auth and origins', () => {
  it('reports a wrong key as an operator problem', async () => {
    const { service } = serviceFor(emulator, { env: { VIDEO_API_KEY: 'wrong-key' } });
    const prepared = await service.prepare({ prompt: 'x' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('misconfigured');
    expect(error.userMessage).toMatch(/misconfigured/);
    expect(error.message).toContain('401');
  });

  it('shows the provider message for a 400', async () => {
    const { service } = serviceFor(emulator, { env: { VIDEO_MODEL: 'grok-nonexistent' } });
    const prepared = await service.prepare({ prompt: 'x' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error.kind).toBe('upstream_invalid');
    expect(error.userMessage).toMatch(/^The video service refused this request: /);
  });

  it('never sends the key to a foreign video_url host', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:foreign] x' });
    const events = await collect(service.run({ body: prepared.body }));
    const done = completedOf(events);
    await done.video.cleanup();
    const foreignUrl = done.job.videoUrl ?? '';
    expect(foreignUrl.startsWith(emulator.foreignOrigin)).toBe(true);

    const response = await service.client.fetchFile(foreignUrl);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(emulator.mp4);
    expect(emulator.foreignRequests.length).toBeGreaterThan(0);
    for (const r of emulator.foreignRequests) expect(r.headers.authorization).toBeUndefined();
  });

  it('refuses a video over MAX_VIDEO_BYTES and offers the keyless link', async () => {
    const { service } = serviceFor(emulator, { env: { MAX_VIDEO_BYTES: '1024' } });
    const prepared = await service.prepare({ prompt: '[emu:foreign] big' });
    const error = await thrown(collect(service.run({ body: prepared.body })));
    expect(error).toBeInstanceOf(VideoTooLargeError);
    expect((error as VideoTooLargeError).publicUrl?.startsWith(emulator.foreignOrigin)).toBe(true);
    expect(error.userMessage).toMatch(/larger than this bot's limit/);
  });
});

describe('download source', () => {
  it('falls back to a foreign video_url without the key when /content is missing', async () => {
    const { service } = serviceFor(emulator);
    const prepared = await service.prepare({ prompt: '[emu:foreign] [emu:no-content] x' });
    const events = await collect(service.run({ body: prepared.body }));
    const done = completedOf(events);
    expect(done.video.source).toBe('video_url');
    expect(await readFile(done.video.path)).toEqual(emulator.mp4);
    await done.video.cleanup();
    expect(emulator.foreignRequests).toHaveLength(1);
    expect(emulator.foreignRequests[0]?.headers.authorization).toBeUndefined();
  });
});

const photo = (width: number, height: number, color: string) => testImage({ width, height, fill: color });

describe('image-to-video', () => {
  it('sends one image as `image` and several as `images`, never both', async () => {
    const { service } = serviceFor(emulator);
    const one = await service.prepare({
      prompt: 'animate',
      images: [{ bytes: await photo(2000, 1000, '#ff0000'), name: 'a.png' }],
    });
    expect(one.body.image).toMatch(/^data:image\/jpeg;base64,/);
    expect(one.body.images).toBeUndefined();

    const two = await service.prepare(
      {
        prompt: 'blend these',
        seconds: 10,
        images: [
          { bytes: await photo(300, 300, '#00ff00'), name: 'b.png' },
          { url: 'https://files.example/c.png', name: 'c.png' },
        ],
      },
      async () => photo(300, 300, '#0000ff'),
    );
    expect(two.body.image).toBeUndefined();
    expect(two.body.images).toHaveLength(2);

    const events = await collect(service.run({ body: two.body }));
    const done = completedOf(events);
    expect(await readFile(done.video.path)).toEqual(emulator.mp4);
    await done.video.cleanup();
    const sent = posts()[0]?.body as { images?: string[]; seconds?: string };
    expect(sent.images).toHaveLength(2);
    expect(sent.seconds).toBe('10');
  });
});

describe('validation happens before any request', () => {
  const cases: Array<[string, Parameters<ReturnType<typeof serviceFor>['service']['prepare']>[0], RegExp]> = [
    ['empty prompt', { prompt: '  ' }, /prompt is empty/],
    ['long prompt', { prompt: 'x'.repeat(4310) }, /4,310 characters; the limit is 4,096/],
    ['seconds too long', { prompt: 'x', seconds: 16 }, /at most 15 seconds/],
    ['seconds not whole', { prompt: 'x', seconds: '2.5' }, /whole number/],
    [
      'seconds with references',
      {
        prompt: 'x',
        seconds: 12,
        images: [
          { url: 'u1', name: 'a' },
          { url: 'u2', name: 'b' },
        ],
      },
      /at most 10 seconds/,
    ],
    ['aspect ratio', { prompt: 'x', aspectRatio: '5:1' }, /too wide/],
    ['resolution', { prompt: 'x', resolution: '1080P' }, /480P or 720P/],
    [
      'too many images',
      { prompt: 'x', images: Array.from({ length: 5 }, (_, i) => ({ url: `u${i}`, name: `${i}` })) },
      /5 images; the limit is 4/,
    ],
    [
      'image too big',
      { prompt: 'x', images: [{ url: 'u', name: 'huge.jpg', size: 30 * 1024 * 1024 }] },
      /huge.jpg.*30 MB; the limit is 20 MB/,
    ],
    [
      'not an image',
      { prompt: 'x', images: [{ bytes: Buffer.from('%PDF-1.4 hello'), name: 'doc.png' }] },
      /not a PNG, JPEG, WebP or GIF/,
    ],
  ];
  for (const [name, request, message] of cases) {
    it(`refuses: ${name}`, async () => {
      const { service } = serviceFor(emulator);
      const fetchImage = async () => photo(10, 10, '#000');
      const error = await thrown(service.prepare(request, fetchImage));
      expect(error.kind).toBe('invalid_input');
      expect(error.userMessage).toMatch(message);
      expect(emulator.requests).toHaveLength(0);
    });
  }
});
