import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { JobContext } from '../../src/jobs/types.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor, recordingSink } from '../helpers/app.js';

let emulator: VideoApiEmulator;
beforeAll(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 300 });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.reset();
});

const context: JobContext = {
  platform: 'discord',
  spaceId: 'guild1',
  channelId: 'chan1',
  userId: 'alice',
  messageRef: { interactionId: 'i1', token: 't' },
  imageRefs: [],
};
const alice = { platform: 'discord', spaceId: 'guild1', userId: 'alice' } as const;

describe('job runner: quota and records on every outcome', () => {
  it('commits on success, records the job and delivers the exact bytes', async () => {
    const { app } = await appFor(emulator);
    const out = recordingSink();
    const record = await app.runner?.start(context, { prompt: 'a lighthouse', seconds: 5 }, out.sink);
    expect(record).toMatchObject({ status: 'completed', reservation: 'committed', platform: 'discord' });
    expect(record?.upstreamId).toMatch(/^video_/);
    expect(record?.request).toMatchObject({ prompt: 'a lighthouse', seconds: 5, aspectRatio: '16:9' });
    expect(out.delivered).toHaveLength(1);
    expect(out.delivered[0]?.bytes).toEqual(emulator.mp4);
    expect(out.progress.length).toBeGreaterThan(0);
    expect((await app.quota.status(alice)).used).toBe(1);
    expect(await app.jobs.get(record?.id ?? '')).toMatchObject({
      status: 'completed',
      messageRef: context.messageRef,
    });
    await app.close();
  });

  it('writes the record when the status changes, not at every percent', async () => {
    const { app } = await appFor(emulator);
    const updates = vi.spyOn(app.jobs, 'update');
    const out = recordingSink();
    const record = await app.runner?.start(context, { prompt: 'a slow tide [emu:ms=1500]' }, out.sink);
    expect(record).toMatchObject({ status: 'completed', reservation: 'committed' });
    const percents = new Set(
      out.progress.flatMap((e) => (e.type === 'progress' && e.status === 'processing' ? [e.progress] : [])),
    );
    // The user saw the job move through several percents...
    expect(percents.size).toBeGreaterThanOrEqual(3);
    // ...and its record was written once on becoming 'processing', not once per percent.
    const processing = updates.mock.calls.filter(([, change]) => change.status === 'processing');
    expect(processing).toHaveLength(1);
    await app.close();
  });

  it('with detach, resolves once the job is accepted and hands over its run, which ends with the job', async () => {
    const { app } = await appFor(emulator);
    const out = recordingSink();
    let running: Promise<unknown> | undefined;
    const accepted = await app.runner?.start(context, { prompt: 'a lighthouse' }, out.sink, {
      detach: (run) => {
        running = run;
      },
    });
    // The caller's part ends here: the job is recorded and reserved, nothing delivered yet.
    expect(accepted).toMatchObject({ status: 'reserved', reservation: 'reserved' });
    expect(out.delivered).toHaveLength(0);
    expect(running).toBeDefined();
    expect(await running).toMatchObject({ id: accepted?.id, status: 'completed', reservation: 'committed' });
    expect(out.delivered[0]?.bytes).toEqual(emulator.mp4);
    await app.close();
  });

  it.each([
    ['a failed job', '[emu:fail=nope] x', {}, 'failed'],
    ['a cancelled job', '[emu:cancel] x', {}, 'cancelled'],
    ['a timeout', '[emu:stuck] x', {}, 'timeout'],
    ['a 400 from the API', 'x', { VIDEO_MODEL: 'bogus' }, 'failed'],
  ] as const)('refunds %s', async (_name, prompt, env, status) => {
    const { app } = await appFor(emulator, env, { jobTimeoutMs: 500 });
    const out = recordingSink();
    const record = await app.runner?.start(context, { prompt }, out.sink);
    expect(record).toMatchObject({ status, reservation: 'refunded' });
    expect(out.failures).toHaveLength(1);
    expect((await app.quota.status(alice)).used).toBe(0);
    await app.close();
  });

  it('refunds when delivery fails (an error of ours)', async () => {
    const { app } = await appFor(emulator);
    const out = recordingSink({ failDelivery: true });
    const record = await app.runner?.start(context, { prompt: 'x' }, out.sink);
    expect(record).toMatchObject({ status: 'failed', reservation: 'refunded' });
    expect(out.failures[0]?.userMessage).toMatch(/went wrong on our side/);
    expect((await app.quota.status(alice)).used).toBe(0);
    await app.close();
  });

  it('costs nothing for invalid input and refuses past the quota without calling the API', async () => {
    const { app } = await appFor(emulator, { QUOTA_DEFAULT: '1' });
    const out = recordingSink();
    expect(await app.runner?.start(context, { prompt: 'x', seconds: 99 }, out.sink)).toBeUndefined();
    expect(out.failures[0]?.kind).toBe('invalid_input');
    expect((await app.quota.status(alice)).used).toBe(0);
    expect(emulator.requests).toHaveLength(0);

    await app.runner?.start(context, { prompt: 'first' }, out.sink);
    const before = emulator.requests.length;
    expect(await app.runner?.start(context, { prompt: 'second' }, out.sink)).toBeUndefined();
    expect(out.failures.at(-1)?.kind).toBe('quota_exceeded');
    expect(out.failures.at(-1)?.userMessage).toMatch(/used 1 of your 1 video today/);
    expect(emulator.requests.length).toBe(before);
    await app.close();
  });

  it('lists jobs by status and user', async () => {
    const { app } = await appFor(emulator);
    const out = recordingSink();
    await app.runner?.start(context, { prompt: 'one' }, out.sink);
    await app.runner?.start({ ...context, userId: 'bob' }, { prompt: '[emu:fail] two' }, out.sink);
    expect((await app.jobs.list()).map((r) => r.request.prompt).sort()).toEqual(['[emu:fail] two', 'one']);
    expect((await app.jobs.list({ status: 'failed' })).map((r) => r.userId)).toEqual(['bob']);
    expect((await app.jobs.list({ userId: 'alice' })).map((r) => r.status)).toEqual(['completed']);
    await app.close();
  });
});

describe('shutdown', () => {
  it('stops running jobs without refunding or failing them, so a later resume delivers once', async () => {
    const { app } = await appFor(emulator);
    const out = recordingSink();
    const running = app.runner?.start(context, { prompt: '[emu:ms=1500] long one' }, out.sink);
    await vi.waitFor(() => expect(out.progress.some((e) => e.type === 'progress')).toBe(true), 5000);
    await app.runner?.shutdown();
    const left = await running;
    expect(left).toMatchObject({ reservation: 'reserved' });
    expect(out.failures).toHaveLength(0);
    expect(out.delivered).toHaveLength(0);
    const record = await app.jobs.get(left?.id ?? '');
    expect(record?.upstreamId).toMatch(/^video_/);
    expect(record?.reservation).toBe('reserved');
    await app.close();
  });
});

describe('job records after a crash', () => {
  it('refunds a job recorded but never submitted when it is resumed', async () => {
    const { app } = await appFor(emulator);
    await app.quota.reserve(alice, 'never-submitted', 6);
    await app.jobs.put({
      id: 'never-submitted',
      platform: 'discord',
      spaceId: 'guild1',
      channelId: 'chan1',
      userId: 'alice',
      messageRef: {},
      request: { prompt: 'x', seconds: 6, aspectRatio: '16:9', resolution: '720P', imageRefs: [] },
      status: 'reserved',
      reservation: 'reserved',
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    expect((await app.quota.status(alice)).used).toBe(1);
    const out = recordingSink();
    const [settled] = (await app.runner?.startWorkers(() => out.sink)) ?? [];
    expect(settled).toMatchObject({ status: 'failed', reservation: 'refunded' });
    expect(out.failures[0]?.userMessage).toMatch(/restarted before your video was sent/);
    expect(emulator.requests).toHaveLength(0);
    expect((await app.quota.status(alice)).used).toBe(0);
    await app.close();
  });

  it('prunes finished records past the retention period', async () => {
    const { app } = await appFor(emulator, { JOB_RETENTION_DAYS: '7' });
    await app.runner?.start(context, { prompt: 'old' }, recordingSink().sink);
    expect(await app.prune()).toBe(0);
    const [record] = await app.jobs.list();
    await app.jobs.put({ ...record!, updatedAt: Date.now() - 8 * 86_400_000 });
    expect(await app.prune()).toBe(1);
    expect(await app.jobs.list()).toEqual([]);
    await app.close();
  });
});

describe('orphaned reservations', () => {
  it('refunds a reservation whose job record was never written (crash between the two)', async () => {
    const { app } = await appFor(emulator);
    const { createJobRunner } = await import('../../src/jobs/job-runner.js');
    const { capturedLogger } = await import('../helpers/core.js');
    await app.quota.reserve(alice, 'orphan', 6);
    expect((await app.quota.status(alice)).used).toBe(1);
    const runner = createJobRunner({
      service: app.service!,
      quota: app.quota,
      ledger: app.ledger,
      jobs: app.jobs,
      logger: capturedLogger().logger,
      orphanAfterMs: 0,
    });
    expect(await runner.startWorkers(() => recordingSink().sink)).toEqual([]);
    expect((await app.quota.status(alice)).used).toBe(0);
    expect(await app.ledger.pending()).toEqual([]);
    await app.close();
  });
});

describe('fair line', () => {
  it('decides who is next when a slot frees, by who was served least recently', async () => {
    const { app } = await appFor(emulator, { MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '5' });
    onTestFinished(() => app.close());
    const as = (userId: string) => ({ ...context, userId });
    const sinks = new Map<string, ReturnType<typeof recordingSink>>();
    const done: Array<Promise<unknown>> = [];
    const queue = async (user: string, prompt: string) => {
      const out = recordingSink();
      sinks.set(prompt, out);
      done.push(app.runner!.start(as(user), { prompt }, out.sink));
      // Each accepted before the next is sent, so the order they joined the line is the order written here.
      await vi.waitFor(
        async () =>
          expect((await app.jobs.list({}, 100)).some((r) => r.request.prompt === prompt)).toBe(true),
        5000,
      );
    };
    await queue('a', '[emu:ms=600] a1');
    for (const prompt of ['a2', 'a3', 'a4', 'a5']) await queue('a', prompt);
    await queue('b', 'b1');
    await vi.waitFor(() => expect(sinks.get('b1')!.progress.some((e) => e.type === 'waiting')).toBe(true));
    // Told as it will happen: b1 is next, a2 after it.
    expect(
      sinks
        .get('b1')!
        .progress.filter((e) => e.type === 'waiting')
        .at(-1),
    ).toMatchObject({ position: 0 });
    expect(
      sinks
        .get('a2')!
        .progress.filter((e) => e.type === 'waiting')
        .at(-1),
    ).toMatchObject({ position: 1 });
    await Promise.all(done);
    const posts = emulator.requests
      .filter((r) => r.method === 'POST')
      .map((r) => (r.body as { prompt: string }).prompt);
    expect(posts).toEqual(['[emu:ms=600] a1', 'b1', 'a2', 'a3', 'a4', 'a5']);
  }, 30_000);
});

describe('waiting jobs across a restart', () => {
  it('are submitted after the restart in the fair order they had', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'waiting-restart-'));
    const env = {
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      MAX_CONCURRENT_JOBS: '1',
      MAX_JOBS_PER_USER: '5',
    };
    try {
      const first = (await appFor(emulator, env)).app;
      const out = recordingSink();
      const as = (userId: string) => ({ ...context, userId });
      void first.runner?.start(as('a'), { prompt: '[emu:ms=3000] a1' }, out.sink);
      await vi.waitFor(() => expect(emulator.requests.some((r) => r.method === 'POST')).toBe(true), 5000);
      for (const [user, prompt] of [
        ['a', 'a2'],
        ['b', 'b1'],
        ['a', 'a3'],
      ] as const) {
        void first.runner?.start(as(user), { prompt }, out.sink);
        await vi.waitFor(
          async () =>
            expect(
              (await first.jobs.list({ status: 'waiting' })).some((r) => r.request.prompt === prompt),
            ).toBe(true),
          5000,
        );
      }
      const waiting = out.progress.filter((e) => e.type === 'waiting');
      expect(waiting.length).toBeGreaterThan(0);
      await first.close();

      const second = (await appFor(emulator, env)).app;
      const resumed = recordingSink();
      const settled = await second.runner?.startWorkers(() => resumed.sink);
      expect(settled?.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      const posts = emulator.requests
        .filter((r) => r.method === 'POST')
        .map((r) => (r.body as { prompt: string }).prompt);
      // a was served last (a1, still upstream), so b1 goes first, as the first process showed it.
      expect(posts).toEqual(['[emu:ms=3000] a1', 'b1', 'a2', 'a3']);
      expect(resumed.delivered).toHaveLength(4);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
