import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { InvalidInputError } from '../../src/errors.js';
import type * as Images from '../../src/generation/images.js';
import type { ImageSource } from '../../src/generation/request.js';
import type { JobContext } from '../../src/jobs/types.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor, recordingSink } from '../helpers/app.js';
import { testImage } from '../helpers/images.js';
import { emptyRedisDatabase } from '../helpers/redis.js';

/**
 * Images cost memory and CPU to fetch and decode, so a job's images are touched only once the job holds its
 * place under the per-user cap and its quota: a refused user costs nothing, a broken image gives both back,
 * and decodes across all jobs of a process are bounded by IMAGE_DECODE_CONCURRENCY. Both runners share the
 * accept step; each is exercised.
 */

/** Every decode the bot starts, counted; `delayMs` slows each one so overlapping decodes show. */
const decodes = vi.hoisted(() => ({ calls: 0, inFlight: 0, peak: 0, delayMs: 0 }));
vi.mock('../../src/generation/images.js', async (importOriginal) => {
  const real = await importOriginal<typeof Images>();
  return {
    ...real,
    async prepareImage(...args: Parameters<typeof Images.prepareImage>) {
      decodes.calls++;
      decodes.inFlight++;
      decodes.peak = Math.max(decodes.peak, decodes.inFlight);
      try {
        if (decodes.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decodes.delayMs));
        return await real.prepareImage(...args);
      } finally {
        decodes.inFlight--;
      }
    },
  };
});

const DB = 10;
let video: VideoApiEmulator;
let png: Buffer;
beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 100 });
  png = await testImage({ width: 64 });
});
afterAll(async () => {
  await video.close();
});
beforeEach(() => {
  Object.assign(decodes, { calls: 0, inFlight: 0, peak: 0, delayMs: 0 });
});
afterEach(() => {
  video.reset();
});

const context: JobContext = {
  platform: 'discord',
  spaceId: 'guild1',
  channelId: 'chan1',
  userId: 'alice',
  messageRef: {},
  imageRefs: ['https://cdn.example/cat.png'],
};
const alice = { platform: 'discord', spaceId: 'guild1', userId: 'alice' } as const;

/** A fetcher that records what it was asked for and hands back `bytes` (or throws `error`). */
function recordingFetcher(bytes: () => Uint8Array, error?: Error) {
  const calls: string[] = [];
  const fetchImage = (source: ImageSource) => {
    calls.push(source.name);
    return error ? Promise.reject(error) : Promise.resolve(bytes());
  };
  return { calls, fetchImage };
}

/** One image by URL (fetched through the adapter) and one already in hand (decoded only). */
const withImages = (prompt: string) => ({
  prompt,
  images: [
    { url: 'https://cdn.example/cat.png', name: 'cat.png' },
    { bytes: png, name: 'dog.png' },
  ],
});

const runners = [
  { name: 'in-process runner', env: async () => ({}) },
  { name: 'BullMQ runner', env: async () => ({ STORE_URL: await emptyRedisDatabase(DB) }) },
];

describe.each(runners)('$name: images only after the cap and the quota', ({ env }) => {
  async function open(extra: Record<string, string>): Promise<App> {
    const { app } = await appFor(video, { ...(await env()), ...extra });
    onTestFinished(() => app.close());
    return app;
  }

  it('fetches and decodes nothing for a user whose quota is 0', async () => {
    const app = await open({ QUOTA_DEFAULT: '0' });
    const fetcher = recordingFetcher(() => png);
    const out = recordingSink();
    const started = await app.runner?.start(context, withImages('x'), out.sink, {
      fetchImage: fetcher.fetchImage,
    });
    expect(started).toBeUndefined();
    expect(out.failures.map((f) => f.kind)).toEqual(['quota_exceeded']);
    expect(out.failures[0]?.userMessage).toMatch(/your quota is 0/);
    expect(fetcher.calls).toEqual([]);
    expect(decodes.calls).toBe(0);
    expect(await app.jobs.list()).toEqual([]);
  });

  it('fetches and decodes nothing for a user whose quota is used up', async () => {
    const app = await open({ QUOTA_DEFAULT: '1', MAX_JOBS_PER_USER: '5' });
    await app.runner?.start(context, { prompt: 'first' }, recordingSink().sink);
    const fetcher = recordingFetcher(() => png);
    const out = recordingSink();
    const started = await app.runner?.start(context, withImages('second'), out.sink, {
      fetchImage: fetcher.fetchImage,
    });
    expect(started).toBeUndefined();
    expect(out.failures.map((f) => f.kind)).toEqual(['quota_exceeded']);
    expect(out.failures[0]?.userMessage).toMatch(/used 1 of your 1 video/);
    expect(fetcher.calls).toEqual([]);
    expect(decodes.calls).toBe(0);
  });

  it('fetches and decodes nothing for a user at the per-user cap', async () => {
    const app = await open({ MAX_JOBS_PER_USER: '1' });
    void app.runner?.start(context, { prompt: '[emu:ms=3000] holding the place' }, recordingSink().sink);
    await vi.waitFor(async () => expect(await app.jobs.list()).toHaveLength(1), 5000);
    const fetcher = recordingFetcher(() => png);
    const out = recordingSink();
    const started = await app.runner?.start(context, withImages('one too many'), out.sink, {
      fetchImage: fetcher.fetchImage,
    });
    expect(started).toBeUndefined();
    expect(out.failures.map((f) => f.kind)).toEqual(['too_many_jobs']);
    expect(fetcher.calls).toEqual([]);
    expect(decodes.calls).toBe(0);
    expect((await app.quota.status(alice)).used).toBe(1);
  });

  it.each([
    {
      name: 'fails to fetch',
      fetcher: () =>
        recordingFetcher(
          () => png,
          new InvalidInputError('images', '“cat.png” could not be downloaded; try attaching it again.'),
        ),
      message: /“cat\.png” could not be downloaded/,
    },
    {
      name: 'is not an image',
      fetcher: () => recordingFetcher(() => Buffer.from('not a picture at all, just text\n'.repeat(8))),
      message: /“cat\.png” is not a PNG, JPEG, WebP or GIF image\./,
    },
  ])('gives the place and the quota back when an image $name', async ({ fetcher: make, message }) => {
    const app = await open({ QUOTA_DEFAULT: '1', MAX_JOBS_PER_USER: '1' });
    const fetcher = make();
    const out = recordingSink();
    const started = await app.runner?.start(context, withImages('broken'), out.sink, {
      fetchImage: fetcher.fetchImage,
    });
    expect(started).toBeUndefined();
    expect(fetcher.calls).toEqual(['cat.png']);
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]?.userMessage).toMatch(message);
    expect((await app.quota.status(alice)).used).toBe(0);
    expect(await app.ledger.pending()).toEqual([]);
    expect(await app.jobs.list()).toEqual([]);
    expect(video.requests).toHaveLength(0);

    // The place is free again: the same user (cap 1, quota 1) is accepted at once.
    const next = recordingSink();
    expect(await app.runner?.start(context, { prompt: 'again' }, next.sink)).toBeDefined();
    expect(next.failures).toEqual([]);
  });

  it.each([
    { setting: undefined, bound: 2 },
    { setting: '1', bound: 1 },
  ])(
    'decodes at most $bound images at once across jobs',
    async ({ setting, bound }) => {
      const app = await open({
        MAX_JOBS_PER_USER: '10',
        ...(setting === undefined ? {} : { IMAGE_DECODE_CONCURRENCY: setting }),
      });
      decodes.delayMs = 150;
      const started = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          app.runner?.start(
            { ...context, userId: `user${i}` },
            { prompt: `job ${i}`, images: [{ bytes: png, name: `p${i}.png` }] },
            recordingSink().sink,
          ),
        ),
      );
      expect(started.every((record) => record !== undefined)).toBe(true);
      expect(decodes.calls).toBe(6);
      expect(decodes.peak).toBe(bound);
    },
    20_000,
  );
});

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe.each(runners)('$name: a running job holds no images', ({ env }) => {
  it('lets go of the request, images and all, once it is posted, for the minutes the job then runs', async () => {
    const { app } = await appFor(video, await env());
    onTestFinished(() => app.close());
    const client = app.service?.client;
    if (!client) throw new Error('no video API client');
    // A weak reference to each request body the bot posts: only the bot's own references keep it alive.
    const posted: Array<WeakRef<object>> = [];
    const createJob = client.createJob.bind(client);
    client.createJob = (body, options) => {
      posted.push(new WeakRef(body));
      return createJob(body, options);
    };
    const out = recordingSink();
    await app.runner?.startWorkers(() => out.sink);
    let running: Promise<unknown> | undefined;
    const accepted = await app.runner?.start(context, withImages('[emu:ms=2500] a cat and a dog'), out.sink, {
      fetchImage: recordingFetcher(() => png).fetchImage,
      detach: (run) => void (running = run),
    });
    const id = accepted?.id ?? '';
    await vi.waitFor(async () => expect((await app.jobs.get(id))?.status).toBe('processing'), 5000);
    expect(posted).toHaveLength(1);
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    expect((await app.jobs.get(id))?.status).toBe('processing');
    expect(posted[0]?.deref()).toBeUndefined();
    await running;
    await vi.waitFor(() => expect(out.delivered).toHaveLength(1), 10_000);
  }, 20_000);
});

describe('images that never arrive', () => {
  it('refuses the job after the images deadline and gives back its place and quota', async () => {
    const { app } = await appFor(video, { QUOTA_DEFAULT: '1', MAX_JOBS_PER_USER: '1' });
    onTestFinished(() => app.close());
    const { createJobRunner } = await import('../../src/jobs/job-runner.js');
    const { capturedLogger } = await import('../helpers/core.js');
    const runner = createJobRunner({
      service: app.service!,
      quota: app.quota,
      ledger: app.ledger,
      jobs: app.jobs,
      logger: capturedLogger().logger,
      limits: { maxConcurrent: 4, maxPerUser: 1 },
      imagesDeadlineMs: 200,
    });
    const out = recordingSink();
    const hanging = () => new Promise<Uint8Array>(() => undefined);
    const accepted = await runner.start(
      context,
      { prompt: 'never fetched', images: [{ url: 'https://cdn.example/slow.png', name: 'slow.png' }] },
      out.sink,
      { fetchImage: hanging },
    );
    expect(accepted).toBeUndefined();
    expect(out.failures[0]?.userMessage).toMatch(/took too long to fetch and prepare/);
    expect((await app.quota.status(context)).used).toBe(0);
    expect(await app.jobs.list({}, 10)).toEqual([]);
    // The place came back too: the same user is accepted at once (MAX_JOBS_PER_USER is 1).
    const again = recordingSink();
    expect(await runner.start(context, { prompt: '[emu:ms=0] right after' }, again.sink)).toBeDefined();
    expect(again.failures).toEqual([]);
  });
});
