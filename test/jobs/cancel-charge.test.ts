import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/app.js';
import { endView } from '../../src/generation/progress-view.js';
import { translator } from '../../src/i18n/translate.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobContext } from '../../src/jobs/types.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor, recordingSink } from '../helpers/app.js';
import { ensureRedis } from '../helpers/redis.js';

/**
 * The Cancel loop: the API has no cancel call, so a job cancelled after it was submitted keeps generating
 * upstream. Such a job counts against the quota (start, Cancel, repeat must not buy unlimited videos); a job
 * cancelled while still waiting in the bot's own line never reached the provider and is refunded. Both runners.
 */
const DB = 9;
let video: VideoApiEmulator;
const apps: App[] = [];

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 400 });
});
afterAll(async () => {
  await video.close();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  video.reset();
});

const context = (key: string): JobContext => ({
  platform: 'slack',
  spaceId: 'T1',
  channelId: 'C1',
  userId: 'mallory',
  messageRef: { key },
  imageRefs: [],
});
const mallory = { platform: 'slack', spaceId: 'T1', userId: 'mallory' } as const;

/**
 * Between the bot and the emulator: holds each POST a while before passing it on, as a slow provider would,
 * and passes it on even when the bot gave up waiting (the provider then has the job all the same).
 */
async function slowPostProxy(target: string, holdMs: number) {
  let posts = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') posts++;
      const forward = async () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            (e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host',
          ),
        );
        const answer = await fetch(`${target}${req.url ?? ''}`, {
          method: req.method,
          headers,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        });
        const body = Buffer.from(await answer.arrayBuffer());
        if (res.writable) {
          res
            .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' })
            .end(body);
        }
      };
      setTimeout(() => void forward().catch(() => res.destroy()), req.method === 'POST' ? holdMs : 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    posts: () => posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Sinks = Map<string, ReturnType<typeof recordingSink>>;
const sinkFor = (sinks: Sinks, key: string) => {
  let sink = sinks.get(key);
  if (!sink) {
    sink = recordingSink();
    sinks.set(key, sink);
  }
  return sink;
};
const keyOf = (record: JobRecord) => (record.messageRef as { key?: string } | undefined)?.key ?? '?';

/** What the job's message says of its end, from the error and the settled record the sink was given. */
function endOf(seen: ReturnType<typeof recordingSink>) {
  const [error] = seen.failures;
  const [record] = seen.failedRecords;
  if (!error || !record) throw new Error('the sink was told no failure with a record');
  return endView(error, record, translator('en'));
}

async function inProcess(env: Record<string, string>, sinks: Sinks): Promise<App> {
  const { app } = await appFor(video, env);
  apps.push(app);
  await app.runner!.startWorkers((record) => sinkFor(sinks, keyOf(record)).sink);
  return app;
}

async function bullmq(env: Record<string, string>, sinks: Sinks): Promise<App> {
  const storeUrl = `${ensureRedis()}/${DB}`;
  const redis = new Redis(storeUrl);
  await redis.flushdb();
  await redis.quit();
  const { app } = await appFor(
    video,
    { STORE_URL: storeUrl, WORKER_LOCK_SECONDS: '2', ...env },
    { jobQueue: { refreshMs: 100, sweepMs: 500 } },
  );
  apps.push(app);
  await app.runner!.startWorkers((record) => sinkFor(sinks, keyOf(record)).sink);
  return app;
}

/** Starts a job; the in-process runner resolves only at its end, so its record is found by its key. */
async function startJob(app: App, sinks: Sinks, key: string, prompt: string): Promise<JobRecord> {
  void app.runner!.start(context(key), { prompt }, sinkFor(sinks, key).sink);
  let found: JobRecord | undefined;
  await vi.waitFor(async () => {
    found = (await app.jobs.list()).find((r) => keyOf(r) === key);
    expect(found).toBeDefined();
  }, 5000);
  return found!;
}

describe.each([
  ['in-process', inProcess],
  ['BullMQ', bullmq],
] as const)('Cancel with the %s runner', (_name, open) => {
  it('charges a job cancelled after it was submitted upstream, so the quota of 1 is spent', async () => {
    const sinks: Sinks = new Map();
    const app = await open({ QUOTA_DEFAULT: '1' }, sinks);
    const job = await startJob(app, sinks, 'first', '[emu:stuck] a fox');
    await vi.waitFor(async () => expect((await app.jobs.get(job.id))?.upstreamId).toMatch(/^video_/), 5000);

    expect(await app.runner!.cancel(job.id, { by: 'mallory' })).toBe(true);
    await vi.waitFor(() => expect(sinkFor(sinks, 'first').failures).toHaveLength(1), 5000);
    expect(sinkFor(sinks, 'first').failures[0]?.userMessage).toBe(
      'Cancelled by mallory; the video service had already started it, so it counts.',
    );
    // Charged: its message must not say it did not count.
    expect(endOf(sinkFor(sinks, 'first'))).toEqual({
      state: 'cancelled',
      text: 'Cancelled by mallory; the video service had already started it, so it counts.',
      tryAgain: false,
    });
    await vi.waitFor(
      async () =>
        expect(await app.jobs.get(job.id)).toMatchObject({ status: 'cancelled', reservation: 'committed' }),
      5000,
    );
    expect((await app.quota.status(mallory)).used).toBe(1);

    const again = recordingSink();
    expect(await app.runner!.start(context('second'), { prompt: 'a fox again' }, again.sink)).toBeUndefined();
    expect(again.failures[0]?.kind).toBe('quota_exceeded');
    expect(video.jobs.size).toBe(1);
  }, 20_000);

  it('refunds a job cancelled while it waited in line (never sent upstream)', async () => {
    const sinks: Sinks = new Map();
    const app = await open({ QUOTA_DEFAULT: '2', MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '2' }, sinks);
    const running = await startJob(app, sinks, 'running', '[emu:stuck] first');
    await vi.waitFor(async () => expect((await app.jobs.get(running.id))?.upstreamId).toBeDefined(), 5000);
    const waiting = await startJob(app, sinks, 'waiting', 'second');
    expect((await app.jobs.get(waiting.id))?.status).toBe('waiting');

    expect(await app.runner!.cancel(waiting.id, { by: 'an admin' })).toBe(true);
    await vi.waitFor(() => expect(sinkFor(sinks, 'waiting').failures).toHaveLength(1), 5000);
    expect(sinkFor(sinks, 'waiting').failures[0]?.userMessage).toBe('Cancelled by an admin.');
    expect(endOf(sinkFor(sinks, 'waiting')).text).toBe(
      `Cancelled by an admin. ${translator('en').t('progress.notCounted')}`,
    );
    expect(await app.jobs.get(waiting.id)).toMatchObject({ status: 'cancelled', reservation: 'refunded' });
    // The running job still holds its reservation; the cancelled one gave its back.
    expect((await app.quota.status(mallory)).used).toBe(1);
    expect(video.jobs.size).toBe(1);
  }, 20_000);

  it('charges a job cancelled while its POST was on its way: the provider may have it already', async () => {
    const proxy = await slowPostProxy(new URL(video.baseUrl).origin, 800);
    try {
      const sinks: Sinks = new Map();
      const app = await open({ QUOTA_DEFAULT: '1', VIDEO_API_BASE_URL: proxy.baseUrl }, sinks);
      const job = await startJob(app, sinks, 'posting', '[emu:stuck] a fox in flight');
      await vi.waitFor(() => expect(proxy.posts()).toBe(1), 5000);

      expect(await app.runner!.cancel(job.id, { by: 'mallory' })).toBe(true);
      await vi.waitFor(() => expect(sinkFor(sinks, 'posting').failures).toHaveLength(1), 5000);
      expect(sinkFor(sinks, 'posting').failures[0]?.userMessage).toBe(
        'Cancelled by mallory; the video service had already started it, so it counts.',
      );
      expect(endOf(sinkFor(sinks, 'posting')).text).not.toContain(translator('en').t('progress.notCounted'));
      expect(video.jobs.size).toBe(1);
      expect(await app.jobs.get(job.id)).toMatchObject({ status: 'cancelled', reservation: 'committed' });
      expect((await app.jobs.get(job.id))?.upstreamId).toBe([...video.jobs.keys()][0]);
      expect((await app.quota.status(mallory)).used).toBe(1);
    } finally {
      await proxy.close();
    }
  }, 20_000);
});
