import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startVideoApiEmulator } from './video-api/server.js';
import type { VideoApiEmulator } from './video-api/server.js';
import { syntheticMp4Sha256 } from './video-api/synthetic-mp4.js';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

let emu: VideoApiEmulator;

beforeAll(async () => {
  emu = await startVideoApiEmulator({ generationMs: 300 });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

interface JobBody {
  id: string;
  object: string;
  model: string;
  status: string;
  progress?: number;
  created_at: number;
  seconds: string;
  size: string;
  video_url: string;
  error?: { message: string; code: string };
  [extra: string]: unknown;
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

function auth(key = emu.apiKey): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

function post(body: unknown, headers: Record<string, string> = auth()): Promise<Response> {
  return fetch(`${emu.baseUrl}/videos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function get(path: string, headers: Record<string, string> = auth()): Promise<Response> {
  return fetch(`${emu.baseUrl}${path}`, { headers });
}

async function submit(prompt: string, extra: Record<string, unknown> = {}): Promise<JobBody> {
  const res = await post({ model: 'grok-imagine-video', prompt, ...extra });
  expect(res.status).toBe(200);
  return (await res.json()) as JobBody;
}

async function poll(id: string): Promise<JobBody> {
  const res = await get(`/videos/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JobBody;
}

function storedJob(id: string) {
  const job = emu.jobs.get(id);
  if (job === undefined) throw new Error(`no job ${id}`);
  return job;
}

function finishNow(id: string): void {
  storedJob(id).completesAt = Date.now();
}

/** Moves a job `ms` into its life without waiting (status is derived from these times). */
function age(id: string, ms: number): void {
  const job = storedJob(id);
  job.createdAt -= ms;
  job.completesAt -= ms;
}

async function expectError(res: Response, status: number, param: string | null, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as ErrorBody;
  expect(body.error.type).toBe('new_api_error');
  expect(body.error.param).toBe(param);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('auth and routing', () => {
  it('answers 401 with the envelope without a valid bearer key, on every endpoint', async () => {
    const job = await submit('a cat');
    for (const headers of [{}, auth('wrong'), { Authorization: emu.apiKey }]) {
      await expectError(
        await post({ model: 'grok-imagine-video', prompt: 'x' }, headers),
        401,
        null,
        'invalid_api_key',
      );
      await expectError(await get(`/videos/${job.id}`, headers), 401, null, 'invalid_api_key');
      await expectError(await get(`/videos/${job.id}/content`, headers), 401, null, 'invalid_api_key');
    }
    expect(emu.jobs.size).toBe(1);
  });

  it('answers 404 envelopes for unknown ids and routes', async () => {
    await expectError(await get('/videos/video_nope'), 404, 'id', 'not_found');
    await expectError(await get('/videos/video_nope/content'), 404, 'id', 'not_found');
    await expectError(await get('/models'), 404, null, 'not_found');
    await expectError(await fetch(`${emu.origin}/videos`, { headers: auth() }), 404, null);
    await expectError(await get('/videos'), 404, null);
  });

  it('records every request with lowercased headers, parsed body and status', async () => {
    await submit('recorded', { seconds: '3' });
    await get('/videos/none');
    expect(emu.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/v1/videos', 200],
      ['GET', '/v1/videos/none', 404],
    ]);
    const first = emu.requests[0];
    expect(first?.headers.authorization).toBe(`Bearer ${emu.apiKey}`);
    expect(first?.body).toEqual({ model: 'grok-imagine-video', prompt: 'recorded', seconds: '3' });
    expect(emu.requests[1]?.body).toBeUndefined();
  });
});

describe('validation', () => {
  const base = { model: 'grok-imagine-video', prompt: 'a lighthouse at dusk' };
  const cases: [string, unknown, string | null][] = [
    ['model missing', { prompt: 'x' }, 'model'],
    ['model not a string', { ...base, model: 7 }, 'model'],
    ['model not the configured one', { ...base, model: 'grok-video-3' }, 'model'],
    ['prompt missing', { model: base.model }, 'prompt'],
    ['prompt not a string', { ...base, prompt: ['x'] }, 'prompt'],
    ['prompt empty', { ...base, prompt: '' }, 'prompt'],
    ['prompt 4097 ASCII characters', { ...base, prompt: 'a'.repeat(4097) }, 'prompt'],
    ['prompt 4098 UTF-16 units in 2049 emoji', { ...base, prompt: '🎬'.repeat(2049) }, 'prompt'],
    ['seconds as a number', { ...base, seconds: 6 }, 'seconds'],
    ['seconds "0"', { ...base, seconds: '0' }, 'seconds'],
    ['seconds "16"', { ...base, seconds: '16' }, 'seconds'],
    ['seconds "1.5"', { ...base, seconds: '1.5' }, 'seconds'],
    ['seconds "six"', { ...base, seconds: 'six' }, 'seconds'],
    ['seconds "11" with several images', { ...base, seconds: '11', images: [PNG, PNG] }, 'seconds'],
    ['aspect_ratio "wide"', { ...base, aspect_ratio: 'wide' }, 'aspect_ratio'],
    ['aspect_ratio "16/9"', { ...base, aspect_ratio: '16/9' }, 'aspect_ratio'],
    ['aspect_ratio "0:1"', { ...base, aspect_ratio: '0:1' }, 'aspect_ratio'],
    ['aspect_ratio as a number', { ...base, aspect_ratio: 1.5 }, 'aspect_ratio'],
    ['resolution "1080P"', { ...base, resolution: '1080P' }, 'resolution'],
    ['resolution "720p"', { ...base, resolution: '720p' }, 'resolution'],
    ['image as a URL', { ...base, image: 'https://example.com/a.png' }, 'image'],
    ['image of type bmp', { ...base, image: 'data:image/bmp;base64,Qk0=' }, 'image'],
    ['image without payload', { ...base, image: 'data:image/png;base64,' }, 'image'],
    ['images not an array', { ...base, images: PNG }, 'images'],
    ['images with a bad item', { ...base, images: [PNG, 'nope'] }, 'images'],
    ['images empty', { ...base, images: [] }, 'images'],
    ['image and images together', { ...base, image: PNG, images: [PNG] }, 'images'],
    ['body an array', [base], null],
    ['body null', null, null],
    ['unknown directive', { ...base, prompt: 'x [emu:fial]' }, 'prompt'],
    ['directive without its value', { ...base, prompt: 'x [emu:ms]' }, 'prompt'],
  ];
  it.each(cases)('400 for %s', async (_name, body, param) => {
    const error = await expectError(await post(body), 400, param, 'invalid_request');
    expect(error.message.length).toBeGreaterThan(0);
    expect(emu.jobs.size).toBe(0);
  });

  it('uses the provider wording for a missing prompt', async () => {
    const error = await expectError(await post({ model: base.model }), 400, 'prompt');
    expect(error.message).toBe('prompt is required');
  });

  it('400 for malformed JSON and for a non-JSON content type', async () => {
    await expectError(await post('{"model":'), 400, null, 'invalid_request');
    const res = await fetch(`${emu.baseUrl}/videos`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'text/plain' },
      body: JSON.stringify(base),
    });
    await expectError(res, 400, null, 'invalid_request');
  });

  const valid: [string, Record<string, unknown>][] = [
    ['the provider example', { seconds: '8', aspect_ratio: '16:9', resolution: '720P' }],
    ['4096 ASCII characters', { prompt: 'a'.repeat(4096) }],
    ['4096 UTF-16 units in 2048 emoji', { prompt: '🎬'.repeat(2048) }],
    ['seconds "15"', { seconds: '15' }],
    ['seconds "1"', { seconds: '1' }],
    ['seconds "10" with several images', { seconds: '10', images: [PNG, 'data:image/webp;base64,UklGRg=='] }],
    ['seconds "15" with one image', { seconds: '15', image: 'data:image/jpeg;base64,/9j/4A==' }],
    ['a preset aspect_ratio', { aspect_ratio: '9:19.5' }],
    ['a custom aspect_ratio', { aspect_ratio: '21:9' }],
    ['resolution "480"', { resolution: '480' }],
    ['a gif image', { image: 'data:image/gif;base64,R0lGODlh' }],
    ['unknown extra fields', { user: 'someone', n: 1 }],
  ];
  it.each(valid)('accepts %s', async (_name, extra) => {
    const job = await submit(base.prompt, extra);
    expect(job.status).toBe('queued');
  });

  it('echoes seconds and normalises resolution into size', async () => {
    expect(await submit('x')).toMatchObject({ seconds: '6', size: '720P' });
    expect(await submit('x', { seconds: '3', resolution: '480' })).toMatchObject({
      seconds: '3',
      size: '480P',
    });
  });

  it('answers 413 for a body over the limit', async () => {
    const small = await startVideoApiEmulator({ maxBodyBytes: 1024 });
    try {
      const res = await fetch(`${small.baseUrl}/videos`, {
        method: 'POST',
        headers: { ...auth(small.apiKey), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          model: 'grok-imagine-video',
          prompt: 'x',
          image: `${PNG}${'A'.repeat(2000)}`,
        }),
      });
      await expectError(res, 413, null, 'request_too_large');
      expect(small.jobs.size).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('accepts a configured model name only', async () => {
    const other = await startVideoApiEmulator({ model: 'grok-imagine-video-2' });
    try {
      const res = await fetch(`${other.baseUrl}/videos`, {
        method: 'POST',
        headers: { ...auth(other.apiKey), 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'grok-imagine-video', prompt: 'x' }),
      });
      await expectError(res, 400, 'model');
    } finally {
      await other.close();
    }
  });
});

describe('lifecycle', () => {
  it('goes queued → processing with rising progress → completed, then serves the MP4', async () => {
    const created = await submit('a slow pan [emu:ms=600]');
    expect(created).toEqual({
      id: expect.stringMatching(/^video_[A-Za-z0-9]+$/),
      object: 'video',
      model: 'grok-imagine-video',
      status: 'queued',
      progress: 0,
      created_at: expect.any(Number),
      seconds: '6',
      size: '720P',
      video_url: '',
    });
    expect(Math.abs(created.created_at - Date.now() / 1000)).toBeLessThan(5);

    const seen: JobBody[] = [];
    for (let i = 0; i < 100; i++) {
      const job = await poll(created.id);
      seen.push(job);
      if (job.status === 'completed') break;
      await sleep(25);
    }
    const statuses = [...new Set(seen.map((j) => j.status))];
    expect(statuses).toEqual(['queued', 'processing', 'completed']);
    const progress = seen.map((j) => j.progress ?? -1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const running = seen.filter((j) => j.status === 'processing').map((j) => j.progress ?? -1);
    expect(new Set(running).size).toBeGreaterThan(2);
    expect(Math.max(...running)).toBeLessThanOrEqual(99);
    const done = seen.at(-1);
    expect(done?.progress).toBe(100);
    expect(done?.video_url).toBe(`${emu.origin}/v1/videos/${created.id}/content`);
    expect(emu.jobs.get(created.id)?.polls).toBe(seen.length);

    const res = await fetch(done?.video_url ?? '', { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(emu.mp4.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(emu.mp4)).toBe(true);
    expect(emu.jobs.get(created.id)?.downloads).toBe(1);
  });

  it('serves a real MP4', () => {
    expect(emu.mp4.length).toBeGreaterThan(1000);
    expect(emu.mp4.length).toBeLessThan(20_000);
    expect(emu.mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(emu.mp4.includes(Buffer.from('avc1'))).toBe(true);
  });

  it('uses the instance generationMs when the prompt does not say', async () => {
    const job = await submit('default timing');
    const stored = emu.jobs.get(job.id);
    expect(stored && stored.completesAt - stored.createdAt).toBe(300);
  });

  it('refuses /content before completion', async () => {
    const job = await submit('not yet [emu:ms=5000]');
    await expectError(await get(`/videos/${job.id}/content`), 400, 'id', 'video_not_ready');
  });
});

describe('faults', () => {
  it('rateLimit answers 429 with Retry-After on the chosen request numbers', async () => {
    const date = new Date(Date.now() + 2000).toUTCString();
    emu.configure({ rateLimit: { onRequests: [2, 3] } });
    const job = await submit('x');
    const second = await get(`/videos/${job.id}`);
    await expectError(second, 429, null, 'rate_limit_exceeded');
    expect(second.headers.get('retry-after')).toBe('1');
    emu.configure({ rateLimit: { onRequests: [3, 4], retryAfter: date } });
    const third = await get(`/videos/${job.id}`);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe(date);
    expect((await get(`/videos/${job.id}`)).status).toBe(429);
    expect((await get(`/videos/${job.id}`)).status).toBe(200);
    expect(emu.requests.map((r) => r.status)).toEqual([200, 429, 429, 429, 200]);
  });

  it('errorBurst fails the next matching requests, then recovers', async () => {
    const job = await submit('x');
    emu.configure({ errorBurst: { status: 503, count: 2, methods: ['GET'], retryAfter: '2' } });
    expect((await submit('POST is not hit')).status).toBe('queued');
    const first = await get(`/videos/${job.id}`);
    await expectError(first, 503, null, 'upstream_error');
    expect(first.headers.get('retry-after')).toBe('2');
    await expectError(await get(`/videos/${job.id}`), 503, null);
    expect((await get(`/videos/${job.id}`)).status).toBe(200);

    emu.configure({ errorBurst: { status: 502, count: 1, body: 'html' } });
    const html = await post({ model: 'grok-imagine-video', prompt: 'x' });
    expect(html.status).toBe(502);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('502');
    expect(emu.jobs.size).toBe(2);
  });

  it('dropConnection after processing on POST creates the job anyway (a retry duplicates it)', async () => {
    emu.configure({ dropConnection: { method: 'POST', after: 'processing' } });
    await expect(submit('once')).rejects.toThrow();
    expect(emu.jobs.size).toBe(1);
    expect(emu.requests[0]?.status).toBe(0);
    await submit('once');
    expect(emu.jobs.size).toBe(2);
    expect([...emu.jobs.values()].map((j) => j.prompt)).toEqual(['once', 'once']);
  });

  it('dropConnection before processing creates nothing; nth and count pick the requests', async () => {
    emu.configure({ dropConnection: { method: 'POST', after: 'before', nth: 2, count: 2 } });
    await submit('first');
    await expect(submit('second')).rejects.toThrow();
    await expect(submit('third')).rejects.toThrow();
    await submit('fourth');
    expect([...emu.jobs.values()].map((j) => j.prompt)).toEqual(['first', 'fourth']);
    expect(emu.requests.map((r) => r.status)).toEqual([200, 0, 0, 200]);
  });

  it('dropConnection on GET drops a poll, and truncates a download after processing', async () => {
    const job = await submit('x [emu:ms=0]');
    emu.configure({ dropConnection: { method: 'GET', after: 'before' } });
    await expect(get(`/videos/${job.id}`)).rejects.toThrow();
    expect((await poll(job.id)).status).toBe('completed');

    emu.configure({ dropConnection: { method: 'GET', after: 'processing' } });
    const res = await get(`/videos/${job.id}/content`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    const again = await get(`/videos/${job.id}/content`);
    expect(Buffer.from(await again.arrayBuffer()).equals(emu.mp4)).toBe(true);
  });

  it('downloadBytesPerSecond throttles /content and the foreign server', async () => {
    const job = await submit('x [emu:ms=0] [emu:foreign]');
    const rate = emu.mp4.length * 4; // about 250 ms per download
    emu.configure({ downloadBytesPerSecond: rate });
    for (const [url, headers] of [
      [`${emu.baseUrl}/videos/${job.id}/content`, auth()],
      [`${emu.foreignOrigin}/files/${job.id}.mp4`, {}],
    ] as const) {
      const started = Date.now();
      const res = await fetch(url, { headers });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
      expect(bytes.equals(emu.mp4)).toBe(true);
    }
  });

  it('hang never answers, and close() still returns', async () => {
    const hung = await startVideoApiEmulator({ faults: { hang: true } });
    await expect(
      fetch(`${hung.baseUrl}/videos/x`, { headers: auth(hung.apiKey), signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    // A client without a timeout stays open until the emulator closes under it.
    const pending = new Promise<string>((resolve) => {
      const req = httpRequest(`${hung.baseUrl}/videos/y`, { headers: auth(hung.apiKey) }, () =>
        resolve('answered'),
      );
      req.on('error', (error) => resolve(error.message));
      req.end();
    });
    await sleep(50);
    expect(hung.requests.map((r) => [r.path, r.status])).toEqual([
      ['/v1/videos/x', 0],
      ['/v1/videos/y', 0],
    ]);
    const started = Date.now();
    await hung.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
  });

  it('extraFields adds unknown fields to every job JSON', async () => {
    emu.configure({ extraFields: true });
    const job = await submit('x [emu:ms=0]');
    expect(job).toMatchObject({ x_relay: expect.any(String), usage: expect.any(Object), completed_at: null });
    const done = await poll(job.id);
    expect(done.completed_at).toEqual(expect.any(Number));
    expect(done.status).toBe('completed');
  });

  it('contentRedirect sends a finished /content elsewhere with 302, naming the job', async () => {
    emu.configure({ contentRedirect: 'http://127.0.0.2:9/files/{id}.mp4' });
    const job = await submit('x [emu:ms=0]');
    const res = await fetch(`${emu.baseUrl}/videos/${job.id}/content`, {
      headers: auth(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`http://127.0.0.2:9/files/${job.id}.mp4`);
    expect(emu.jobs.get(job.id)?.downloads).toBe(0);
  });

  it('videoUrl replaces a completed job’s video_url; fileBody replaces the bytes on both servers', async () => {
    emu.configure({ videoUrl: 'http://10.0.0.7/v/{id}', fileBody: Buffer.from('not a video\n') });
    const running = await submit('x [emu:ms=5000]');
    expect(running.video_url).toBe('');
    const job = await submit('y [emu:ms=0] [emu:foreign]');
    expect((await poll(job.id)).video_url).toBe(`http://10.0.0.7/v/${job.id}`);
    const content = await get(`/videos/${job.id}/content`);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    expect(await content.text()).toBe('not a video\n');
    const foreign = await fetch(`${emu.foreignOrigin}/files/${job.id}.mp4`);
    expect(await foreign.text()).toBe('not a video\n');
  });

  it('configure merges, undefined clears, reset clears everything', async () => {
    emu.configure({ extraFields: true, rateLimit: { onRequests: [99] } });
    emu.configure({ extraFields: undefined });
    expect(await submit('x')).not.toHaveProperty('x_relay');
    emu.configure({ errorBurst: { status: 500, count: 5 } });
    const jobs = emu.jobs;
    const requests = emu.requests;
    emu.reset();
    expect(jobs.size).toBe(0);
    expect(requests.length).toBe(0);
    expect((await submit('after reset')).status).toBe('queued');
    expect(emu.requests.length).toBe(1);
  });
});

describe('prompt directives', () => {
  it('[emu:ms=N] sets the generation time', async () => {
    const job = await submit('quick [emu:ms=250]');
    expect((await poll(job.id)).status).not.toBe('completed');
    await sleep(300);
    expect((await poll(job.id)).status).toBe('completed');
  });

  it('[emu:fail] and [emu:fail=...] end failed with an error object', async () => {
    const plain = await submit('[emu:fail] [emu:ms=0]');
    const custom = await submit('x [emu:fail=Content policy violation] [emu:ms=0]');
    const a = await poll(plain.id);
    expect(a).toMatchObject({
      status: 'failed',
      video_url: '',
      error: { message: expect.any(String), code: 'generation_failed' },
    });
    const b = await poll(custom.id);
    expect(b.error).toEqual({ message: 'Content policy violation', code: 'generation_failed' });
    await expectError(await get(`/videos/${custom.id}/content`), 400, 'id');
  });

  it('[emu:fail] is still running before its completion time', async () => {
    const job = await submit('x [emu:fail] [emu:ms=5000]');
    const running = await poll(job.id);
    expect(['queued', 'processing']).toContain(running.status);
    expect(running).not.toHaveProperty('error');
  });

  it('[emu:cancel] ends cancelled', async () => {
    const job = await submit('x [emu:cancel] [emu:ms=0]');
    expect(await poll(job.id)).toMatchObject({ status: 'cancelled', video_url: '' });
  });

  it('[emu:stuck] stays processing forever', async () => {
    const job = await submit('x [emu:stuck] [emu:ms=40]');
    expect(emu.jobs.get(job.id)?.completesAt).toBe(Infinity);
    await sleep(80);
    expect(await poll(job.id)).toMatchObject({ status: 'processing', progress: 99, video_url: '' });
  });

  it('[emu:status=rendering] and [emu:in_progress] replace processing while running', async () => {
    const rendering = await submit('x [emu:status=rendering] [emu:ms=5000]');
    const inProgress = await submit('x [emu:in_progress] [emu:ms=5000]');
    age(rendering.id, 1000);
    age(inProgress.id, 1000);
    expect((await poll(rendering.id)).status).toBe('rendering');
    expect((await poll(inProgress.id)).status).toBe('in_progress');
    finishNow(rendering.id);
    finishNow(inProgress.id);
    expect((await poll(rendering.id)).status).toBe('completed');
    expect((await poll(inProgress.id)).status).toBe('completed');
  });

  it('[emu:foreign] points video_url at the foreign server, which needs no auth', async () => {
    const job = await submit('x [emu:foreign] [emu:ms=0]');
    const done = await poll(job.id);
    expect(done.video_url).toBe(`${emu.foreignOrigin}/files/${job.id}.mp4`);
    expect(new URL(done.video_url).port).not.toBe(new URL(emu.origin).port);
    const res = await fetch(done.video_url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await res.arrayBuffer()).equals(emu.mp4)).toBe(true);
    expect(emu.foreignRequests).toHaveLength(1);
    expect(emu.foreignRequests[0]).toMatchObject({
      method: 'GET',
      path: `/files/${job.id}.mp4`,
      status: 200,
    });
    expect(emu.foreignRequests[0]?.headers.authorization).toBeUndefined();
    expect((await fetch(`${emu.foreignOrigin}/files/video_nope.mp4`)).status).toBe(404);
  });

  it('[emu:bytes=N] serves a generated MP4 of that size, the same bytes each time, truncatable', async () => {
    const bytes = 3 * 65_536 + 123;
    const job = await submit(`x [emu:bytes=${bytes}] [emu:ms=0]`);
    await poll(job.id);
    const res = await get(`/videos/${job.id}/content`);
    expect(res.headers.get('content-length')).toBe(String(bytes));
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(bytes);
    expect(body.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(body.subarray(36, 40).toString('latin1')).toBe('mdat');
    expect(body.readUInt32BE(32)).toBe(bytes - 32);
    expect(createHash('sha256').update(body).digest('hex')).toBe(syntheticMp4Sha256(bytes));
    expect(syntheticMp4Sha256(bytes)).not.toBe(syntheticMp4Sha256(bytes + 1));

    emu.configure({ dropConnection: { method: 'GET', after: 'processing' } });
    const truncated = await new Promise<number>((resolve) => {
      httpRequest(`${emu.baseUrl}/videos/${job.id}/content`, { headers: auth() }, (r) => {
        let n = 0;
        r.on('data', (chunk: Buffer) => (n += chunk.length));
        r.on('error', () => resolve(n));
        r.on('close', () => resolve(n));
      }).end();
    });
    expect(truncated).toBe(Math.floor(bytes / 2));

    expect((await post({ model: 'grok-imagine-video', prompt: 'x [emu:bytes=12]' })).status).toBe(400);
  });

  it('[emu:no-progress] omits progress; [emu:progress=150] reports it while running', async () => {
    const none = await submit('x [emu:no-progress] [emu:ms=0]');
    expect(none).not.toHaveProperty('progress');
    expect(await poll(none.id)).not.toHaveProperty('progress');
    const odd = await submit('x [emu:progress=150] [emu:ms=5000]');
    expect(odd.progress).toBe(150);
    age(odd.id, 1000);
    expect(await poll(odd.id)).toMatchObject({ status: 'processing', progress: 150 });
    finishNow(odd.id);
    expect(await poll(odd.id)).toMatchObject({ status: 'completed', progress: 100 });
  });
});

describe('main.ts', () => {
  it('prints the .env lines, logs requests, and exits cleanly on SIGINT', async () => {
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const main = fileURLToPath(new URL('./video-api/main.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      [tsx, main, '--port', '0', '--key', 'k1', '--generation-ms', '50'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => String((await lines.next()).value);
    try {
      const baseLine = await next();
      expect(baseLine).toMatch(/^VIDEO_API_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(await next()).toBe('VIDEO_API_KEY=k1');
      const baseUrl = baseLine.slice('VIDEO_API_BASE_URL='.length);
      const res = await fetch(`${baseUrl}/videos/none`, { headers: { Authorization: 'Bearer k1' } });
      expect(res.status).toBe(404);
      let line = await next();
      while (line.startsWith('#')) line = await next();
      expect(line).toContain('GET /v1/videos/none -> 404');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
