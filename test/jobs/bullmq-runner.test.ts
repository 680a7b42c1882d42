import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { BotError } from '../../src/errors.js';
import type { JobEvent } from '../../src/jobs/events.js';
import type { JobContext } from '../../src/jobs/types.js';
import type { GenerationReply } from '../../src/port.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor } from '../helpers/app.js';
import { ensureRedis } from '../helpers/redis.js';

/**
 * The BullMQ runner (STORE_URL=redis://) with two bot "processes" (two apps, each with its own Redis
 * connections and BullMQ worker) on one Redis database: jobs accepted by either are driven by either, each
 * delivered once; the global cap, the per-user cap, the fair order and Cancel hold across both.
 */
const DB = 12;
let storeUrl: string;
let video: VideoApiEmulator;
let redis: Redis;
const apps: App[] = [];

beforeAll(async () => {
  storeUrl = `${ensureRedis()}/${DB}`;
  redis = new Redis(storeUrl);
  video = await startVideoApiEmulator({ generationMs: 400 });
});
afterAll(async () => {
  await redis.quit();
  await video.close();
});
beforeEach(async () => {
  await redis.flushdb();
  video.reset();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** What each job's user saw, whichever process showed it. */
interface Seen {
  progress: JobEvent[];
  /** Which process showed each progress event. */
  progressBy: string[];
  deliveredBy: string[];
  bytes: Buffer[];
  failures: BotError[];
}
const seen = new Map<string, Seen>();
const seenFor = (key: string): Seen => {
  let entry = seen.get(key);
  if (!entry) {
    entry = { progress: [], progressBy: [], deliveredBy: [], bytes: [], failures: [] };
    seen.set(key, entry);
  }
  return entry;
};
const keyOf = (record: JobRecord | undefined, fallback: string) =>
  (record?.messageRef as { key?: string } | undefined)?.key ?? fallback;

function sinkIn(instance: string, fallbackKey: string): GenerationReply {
  return {
    ref: { key: fallbackKey },
    async text() {},
    progress(event, record) {
      const entry = seenFor(keyOf(record, fallbackKey));
      entry.progress.push(event);
      entry.progressBy.push(instance);
    },
    async deliver(video, record) {
      const { readFile } = await import('node:fs/promises');
      const entry = seenFor(keyOf(record, fallbackKey));
      entry.bytes.push(await readFile(video.path));
      entry.deliveredBy.push(instance);
    },
    async fail(error, record) {
      seenFor(keyOf(record, fallbackKey)).failures.push(error);
    },
  };
}

async function instance(name: string, env: Record<string, string>): Promise<App> {
  const { app } = await appFor(
    video,
    { STORE_URL: storeUrl, WORKER_LOCK_SECONDS: '2', ...env },
    { jobQueue: { refreshMs: 100, sweepMs: 500 } },
  );
  apps.push(app);
  await app.runner!.startWorkers((record) => sinkIn(name, keyOf(record, '?')));
  return app;
}

const context = (userId: string, key: string): JobContext => ({
  platform: 'slack',
  spaceId: 'T1',
  channelId: 'C1',
  userId,
  messageRef: { key },
  imageRefs: [],
});

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The most jobs the emulator had generating at one moment. */
function peakUpstream(): number {
  const edges = [...video.jobs.values()].flatMap((job) => [
    { at: job.createdAt, d: 1 },
    { at: job.completesAt, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (now += edge.d));
  return peak;
}

describe('BullMQ runner: two processes on one Redis', () => {
  it('spreads jobs over both, holds the global cap, and delivers each once', async () => {
    seen.clear();
    const env = {
      MAX_CONCURRENT_JOBS: '3',
      MAX_JOBS_PER_USER: '2',
      WORKER_CONCURRENCY: '2',
      QUOTA_DEFAULT: '9',
    };
    const a = await instance('a', env);
    const b = await instance('b', env);
    const keys = Array.from({ length: 12 }, (_, i) => `job${i}`);
    await Promise.all(
      keys.map((key, i) =>
        (i % 2 ? a : b).runner!.start(
          context(`u${i % 6}`, key),
          { prompt: `scene ${i}` },
          sinkIn(i % 2 ? 'a' : 'b', key),
        ),
      ),
    );
    await until(() => keys.every((key) => seenFor(key).bytes.length > 0), 30_000, 'every delivery');
    // Settling follows the upload by a few writes.
    await until(
      async () => (await a.jobs.list({}, 100)).every((r) => r.status === 'completed'),
      5000,
      'every record completed',
    );
    for (const key of keys) {
      expect(seenFor(key).bytes).toHaveLength(1);
      expect(seenFor(key).bytes[0]).toEqual(video.mp4);
    }
    const by = keys.flatMap((key) => seenFor(key).deliveredBy);
    expect(by).toContain('a');
    expect(by).toContain('b');
    expect(peakUpstream()).toBeLessThanOrEqual(3);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(12);
    const records = await b.jobs.list({}, 100);
    expect(records.map((r) => r.reservation)).toEqual(Array(12).fill('committed'));
    // Jobs that waited were told their place in line.
    expect(keys.some((key) => seenFor(key).progress.some((e) => e.type === 'waiting'))).toBe(true);
  }, 60_000);

  it('refuses past the per-user cap counted across both processes, naming the jobs', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '2', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const b = await instance('b', env);
    await a.runner!.start(
      context('ann', 'first'),
      { prompt: '[emu:ms=3000] first one' },
      sinkIn('a', 'first'),
    );
    await b.runner!.start(context('ann', 'second'), { prompt: 'second one' }, sinkIn('b', 'second'));
    const refused = await a.runner!.start(context('ann', 'third'), { prompt: 'third' }, sinkIn('a', 'third'));
    expect(refused).toBeUndefined();
    expect(seenFor('third').failures[0]?.kind).toBe('too_many_jobs');
    expect(seenFor('third').failures[0]?.userMessage).toMatch(/limit is 2.*first one.*second one/);
    // Nothing was reserved for the refused one.
    expect((await a.quota.status({ platform: 'slack', spaceId: 'T1', userId: 'ann' })).used).toBe(2);
  }, 30_000);

  it('serves users round-robin across processes: a later single job starts before a burst’s third', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '6', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const b = await instance('b', env);
    for (let i = 0; i < 6; i++) {
      await a.runner!.start(
        context('burst', `a${i}`),
        { prompt: `burst ${i} [emu:ms=150]` },
        sinkIn('a', `a${i}`),
      );
    }
    await b.runner!.start(context('single', 'b0'), { prompt: 'single [emu:ms=150]' }, sinkIn('b', 'b0'));
    await until(() => seenFor('b0').bytes.length > 0 && seenFor('a5').bytes.length > 0, 30_000, 'all jobs');
    const order = [...video.jobs.values()].sort((x, y) => x.createdAt - y.createdAt).map((j) => j.prompt);
    expect(order.indexOf('single [emu:ms=150]')).toBeLessThan(order.indexOf('burst 2 [emu:ms=150]'));
  }, 60_000);

  it('decides who is next when a slot frees, by who was served least recently: A1, B1, A2, …', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '5', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const b = await instance('b', env);
    const prompts = ['[emu:ms=1500] ann 1', 'ann 2', 'ann 3', 'ann 4', 'ann 5'];
    for (const [i, prompt] of prompts.entries()) {
      await a.runner!.start(context('ann', `a${i}`), { prompt }, sinkIn('a', `a${i}`));
    }
    await b.runner!.start(context('bob', 'b0'), { prompt: 'bob 1' }, sinkIn('b', 'b0'));
    const lastPlace = (key: string) =>
      seenFor(key)
        .progress.filter((e) => e.type === 'waiting')
        .at(-1);
    // Told as it will happen: bob is next, ann's second after him.
    await until(() => lastPlace('b0')?.position === 0, 5000, 'bob told he is next');
    await until(() => lastPlace('a1')?.position === 1, 5000, 'ann’s second told it is after bob');
    await until(() => ['a4', 'b0'].every((k) => seenFor(k).bytes.length === 1), 30_000, 'all six');
    const posted = video.requests
      .filter((r) => r.method === 'POST')
      .map((r) => (r.body as { prompt?: string }).prompt);
    expect(posted).toEqual([prompts[0], 'bob 1', ...prompts.slice(1)]);
  }, 60_000);

  it('cancels from the other process, a waiting job (refunded) and a running one (charged: upstream already has it)', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '3', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const b = await instance('b', env);
    const running = await a.runner!.start(
      context('cy', 'run'),
      { prompt: '[emu:stuck] long' },
      sinkIn('a', 'run'),
    );
    const waiting = await a.runner!.start(context('cy', 'wait'), { prompt: 'next' }, sinkIn('a', 'wait'));
    await until(() => video.jobs.size === 1, 5000, 'the first job upstream');
    expect(await b.runner!.cancel(waiting!.id, { by: 'an admin' })).toBe(true);
    expect(await b.runner!.cancel(running!.id, { by: 'the requester' })).toBe(true);
    await until(() => seenFor('run').failures.length > 0, 5000, 'the running job cancelled');
    expect(seenFor('wait').failures[0]?.userMessage).toBe('Cancelled by an admin.');
    expect(seenFor('run').failures[0]?.userMessage).toBe(
      'Cancelled by the requester; the video service had already started it, so it counts.',
    );
    const upstream = [...video.jobs.values()][0]!;
    const polls = upstream.polls;
    await new Promise((r) => setTimeout(r, 500));
    expect(upstream.polls).toBe(polls);
    expect(await a.jobs.get(running!.id)).toMatchObject({ status: 'cancelled', reservation: 'committed' });
    expect(await a.jobs.get(waiting!.id)).toMatchObject({ status: 'cancelled', reservation: 'refunded' });
    expect((await a.quota.status({ platform: 'slack', spaceId: 'T1', userId: 'cy' })).used).toBe(1);
    expect(video.jobs.size).toBe(1);
  }, 30_000);

  it('does not post a job again that an earlier attempt already delivered (the delivered marker)', async () => {
    seen.clear();
    const a = await instance('a', { QUOTA_DEFAULT: '9' });
    const record = await a.runner!.start(
      context('dee', 'twice'),
      { prompt: '[emu:ms=800] again' },
      sinkIn('a', 'twice'),
    );
    // As if a worker BullMQ thought stalled had posted it already and set the marker.
    await redis.set(`gvb:{fq}:delivered:${record!.id}`, 'done');
    await until(
      async () => (await a.jobs.get(record!.id))?.status === 'completed',
      10_000,
      'the job settled',
    );
    expect(seenFor('twice').bytes).toHaveLength(0);
    expect(await a.jobs.get(record!.id)).toMatchObject({ reservation: 'committed' });
  }, 20_000);

  it('hands a running job to another process on shutdown, which resumes polling without a second POST', async () => {
    seen.clear();
    const a = await instance('a', { QUOTA_DEFAULT: '9' });
    const record = await a.runner!.start(
      context('eve', 'handed'),
      { prompt: '[emu:ms=1500] handed over' },
      sinkIn('a', 'handed'),
    );
    await until(
      async () => (await a.jobs.get(record!.id))?.upstreamId !== undefined,
      5000,
      'the job upstream',
    );
    const b = await instance('b', { QUOTA_DEFAULT: '9' });
    apps.splice(apps.indexOf(a), 1);
    await a.close();
    await until(() => seenFor('handed').bytes.length > 0, 15_000, 'the delivery');
    expect(seenFor('handed').deliveredBy).toEqual(['b']);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    await until(async () => (await b.jobs.get(record!.id))?.status === 'completed', 5000, 'the record');
    expect(await b.jobs.get(record!.id)).toMatchObject({ reservation: 'committed' });
  }, 30_000);

  it('keeps waiting jobs, in their fair order, while no process runs, and starts them in it afterwards', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '3', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const prompts = ['[emu:ms=800] pat first', 'pat second', 'pat third', 'quinn first'];
    await a.runner!.start(context('pat', 'p0'), { prompt: prompts[0]! }, sinkIn('a', 'p0'));
    await a.runner!.start(context('pat', 'p1'), { prompt: prompts[1]! }, sinkIn('a', 'p1'));
    await a.runner!.start(context('pat', 'p2'), { prompt: prompts[2]! }, sinkIn('a', 'p2'));
    await a.runner!.start(context('quinn', 'q0'), { prompt: prompts[3]! }, sinkIn('a', 'q0'));
    await until(() => video.jobs.size === 1, 5000, 'the first job upstream');
    apps.splice(apps.indexOf(a), 1);
    await a.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(video.jobs.size).toBe(1);
    await instance('b', env);
    await until(
      () => ['p0', 'p1', 'p2', 'q0'].every((k) => seenFor(k).bytes.length === 1),
      20_000,
      'all four',
    );
    const posted = video.requests
      .filter((r) => r.method === 'POST')
      .map((r) => (r.body as { prompt?: string }).prompt);
    // Pat was served last (her first, still upstream), so quinn's only job goes next; the running one
    // resumed, not sent again.
    expect(posted).toEqual([prompts[0], prompts[3], prompts[1], prompts[2]]);
  }, 30_000);

  it('takes up a job a crash left recorded but out of line (between writing the record and queueing it)', async () => {
    seen.clear();
    const { app } = await appFor(
      video,
      { STORE_URL: storeUrl, WORKER_LOCK_SECONDS: '2', QUOTA_DEFAULT: '9' },
      { jobQueue: { refreshMs: 100, sweepMs: 500 } },
    );
    apps.push(app);
    const fay = { platform: 'slack', spaceId: 'T1', userId: 'fay' } as const;
    await app.quota.reserve(fay, 'job_lost', 6);
    await app.jobs.put({
      id: 'job_lost',
      ...fay,
      channelId: 'C1',
      messageRef: { key: 'lost' },
      request: {
        prompt: 'lost and found',
        seconds: 6,
        aspectRatio: '16:9',
        resolution: '720p',
        imageRefs: [],
      },
      status: 'waiting',
      reservation: 'reserved',
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    const requeued = await app.runner!.startWorkers((record) => sinkIn('a', keyOf(record, '?')));
    expect(requeued.map((r) => r.id)).toEqual(['job_lost']);
    await until(() => seenFor('lost').bytes.length === 1, 10_000, 'the delivery');
    await until(
      async () => (await app.jobs.get('job_lost'))?.reservation === 'committed',
      5000,
      'the commit',
    );
    expect((await app.quota.status(fay)).used).toBe(1);
  }, 20_000);

  it('keeps showing waiting jobs their place after the process that accepted them is gone', async () => {
    seen.clear();
    const env = { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '3', QUOTA_DEFAULT: '9' };
    const a = await instance('a', env);
    const b = await instance('b', env);
    await a.runner!.start(context('gil', 'g0'), { prompt: '[emu:ms=1200] gil first' }, sinkIn('a', 'g0'));
    await a.runner!.start(context('hal', 'h0'), { prompt: 'hal first' }, sinkIn('a', 'h0'));
    await a.runner!.start(context('ida', 'i0'), { prompt: 'ida first' }, sinkIn('a', 'i0'));
    await until(() => video.jobs.size === 1, 5000, 'the first job upstream');
    expect(seenFor('i0').progress.at(-1)).toMatchObject({ type: 'waiting', position: 1 });
    apps.splice(apps.indexOf(a), 1);
    await a.close();
    // b takes over the running job and, as the line moves, tells ida she is next.
    const movedUp = () =>
      seenFor('i0').progress.some(
        (e, i) => e.type === 'waiting' && e.position === 0 && seenFor('i0').progressBy[i] === 'b',
      );
    await until(movedUp, 10_000, 'ida told by b that she is next');
    await until(() => ['g0', 'h0', 'i0'].every((k) => seenFor(k).bytes.length === 1), 15_000, 'all three');
    expect(seenFor('i0').deliveredBy).toEqual(['b']);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
    await b.close();
    apps.splice(apps.indexOf(b), 1);
  }, 30_000);
});
