import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import type { JobContext } from '../src/jobs/types.js';
import { startMetricsServer } from '../src/metrics.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { recordingSink } from './helpers/app.js';
import { capturedLogger, configFor, FAST_POLL } from './helpers/core.js';

/** METRICS_PORT: what a Prometheus scrape of GET /metrics shows after real jobs through the runner. */
let video: VideoApiEmulator;
beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 200 });
});
afterAll(async () => {
  await video.close();
});

const context = (userId: string): JobContext => ({
  platform: 'slack',
  spaceId: 'T1',
  channelId: 'C1',
  userId,
  messageRef: {},
  imageRefs: [],
});

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('GET /metrics', () => {
  it('counts accepted, refused, finished and failed jobs, their duration and the process figures', async () => {
    const { logger } = capturedLogger();
    const metrics = await startMetricsServer({ port: 0, logger });
    const app = await openApp(configFor(video, { STORE_URL: 'memory://', QUOTA_DEFAULT: '2' }), logger, {
      generation: { runner: { pollPolicy: FAST_POLL } },
      observe: metrics.observe,
    });
    try {
      await app.runner!.start(context('ann'), { prompt: 'a calm sea' }, recordingSink().sink);
      await app.runner!.start(context('ann'), { prompt: '[emu:fail=nope] a storm' }, recordingSink().sink);
      await app.runner!.start(context('bob'), { prompt: 'ok' }, recordingSink().sink);
      await app.runner!.start(context('bob'), { prompt: 'ok again' }, recordingSink().sink);
      // bob's third: over his quota of 2.
      await app.runner!.start(context('bob'), { prompt: 'one too many' }, recordingSink().sink);
      await app.runner!.start(context('cy'), { prompt: '' }, recordingSink().sink);

      const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(sample(text, 'gvb_jobs_accepted_total{platform="slack"}')).toBe(4);
      expect(sample(text, 'gvb_jobs_finished_total{platform="slack",status="completed"}')).toBe(3);
      expect(sample(text, 'gvb_jobs_finished_total{platform="slack",status="failed"}')).toBe(1);
      expect(sample(text, 'gvb_upstream_errors_total{kind="job_failed"}')).toBe(1);
      expect(sample(text, 'gvb_quota_refusals_total{platform="slack",limit="space"}')).toBe(1);
      expect(sample(text, 'gvb_jobs_refused_total{platform="slack",reason="quota_exceeded"}')).toBe(1);
      expect(sample(text, 'gvb_jobs_refused_total{platform="slack",reason="invalid_input"}')).toBe(1);
      expect(sample(text, 'gvb_jobs_in_flight')).toBe(0);
      expect(sample(text, 'gvb_job_duration_seconds_count{platform="slack"}')).toBe(3);
      expect(sample(text, 'gvb_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(text).toContain('gvb_nodejs_eventloop_lag_p99_seconds');
      expect((await fetch(`http://127.0.0.1:${metrics.port}/other`)).status).toBe(404);
    } finally {
      await app.close();
      await metrics.close();
    }
  });

  it('counts jobs cancelled after the video service had them, not those cancelled in line', async () => {
    const { logger } = capturedLogger();
    const metrics = await startMetricsServer({ port: 0, logger });
    const app = await openApp(
      configFor(video, { STORE_URL: 'memory://', MAX_CONCURRENT_JOBS: '1', QUOTA_DEFAULT: '9' }),
      logger,
      { generation: { runner: { pollPolicy: FAST_POLL } }, observe: metrics.observe },
    );
    try {
      const upstream = recordingSink();
      const first = app.runner!.start(context('dan'), { prompt: '[emu:stuck] one' }, upstream.sink);
      const second = app.runner!.start(context('dan'), { prompt: 'two' }, recordingSink().sink);
      let running: string | undefined;
      let waiting: string | undefined;
      await vi.waitFor(async () => {
        const records = await app.jobs.list({ userId: 'dan' });
        running = records.find((r) => r.upstreamId !== undefined)?.id;
        waiting = records.find((r) => r.status === 'waiting')?.id;
        expect(running && waiting).toBeTruthy();
      }, 5000);
      await app.runner!.cancel(waiting!, { by: 'dan' });
      await app.runner!.cancel(running!, { by: 'dan' });
      await Promise.all([first, second]);

      const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
      expect(sample(text, 'gvb_jobs_cancelled_after_submit_total{platform="slack"}')).toBe(1);
      expect(sample(text, 'gvb_jobs_finished_total{platform="slack",status="cancelled"}')).toBe(2);
    } finally {
      await app.close();
      await metrics.close();
    }
  });
});

describe('the budget in GET /metrics', () => {
  it('shows the budget used and its limit, and counts quota refusals by the limit that refused', async () => {
    const { logger } = capturedLogger();
    const metrics = await startMetricsServer({ port: 0, logger });
    const app = await openApp(
      configFor(video, { STORE_URL: 'memory://', BUDGET_PER_PERIOD: '2', QUOTA_GLOBAL_PER_USER: '1' }),
      logger,
      { generation: { runner: { pollPolicy: FAST_POLL } }, observe: metrics.observe },
    );
    metrics.watchBudget(() => app.quota.budget());
    try {
      await app.runner!.start(context('ann'), { prompt: 'one' }, recordingSink().sink);
      // Ann's second, in another workspace: over her limit across workspaces.
      await app.runner!.start({ ...context('ann'), spaceId: 'T2' }, { prompt: 'two' }, recordingSink().sink);
      await app.runner!.start(context('bob'), { prompt: 'three' }, recordingSink().sink);
      const refused = recordingSink();
      await app.runner!.start(context('cy'), { prompt: 'four' }, refused.sink);
      expect(refused.failures[0]?.userMessage).toMatch(
        /^The bot has used its video budget today \(2 of 2 videos\)/,
      );

      const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
      expect(sample(text, 'gvb_budget_used')).toBe(2);
      expect(sample(text, 'gvb_budget_limit')).toBe(2);
      expect(sample(text, 'gvb_quota_refusals_total{platform="slack",limit="global"}')).toBe(1);
      expect(sample(text, 'gvb_quota_refusals_total{platform="slack",limit="budget"}')).toBe(1);
      expect(sample(text, 'gvb_jobs_refused_total{platform="slack",reason="quota_exceeded"}')).toBe(2);
    } finally {
      await app.close();
      await metrics.close();
    }
  });

  it('counts the budget used with no BUDGET_PER_PERIOD, its limit +Inf', async () => {
    const { logger } = capturedLogger();
    const metrics = await startMetricsServer({ port: 0, logger });
    const app = await openApp(configFor(video, { STORE_URL: 'memory://' }), logger, {
      generation: { runner: { pollPolicy: FAST_POLL } },
      observe: metrics.observe,
    });
    metrics.watchBudget(() => app.quota.budget());
    try {
      await app.runner!.start(context('ann'), { prompt: 'one' }, recordingSink().sink);
      const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
      expect(sample(text, 'gvb_budget_used')).toBe(1);
      expect(text).toContain('\ngvb_budget_limit +Inf\n');
    } finally {
      await app.close();
      await metrics.close();
    }
  });
});

describe('where GET /metrics listens', () => {
  /** An address of this machine that is not loopback: what a neighbour on the network would connect to. */
  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

  it('listens on 127.0.0.1 by default, so the network cannot read it', async () => {
    expect(parseConfig({}).metricsHost).toBe('127.0.0.1');
    const metrics = await startMetricsServer({ port: 0, logger: capturedLogger().logger });
    try {
      expect(metrics.address).toBe('127.0.0.1');
      expect((await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).status).toBe(200);
      if (outside !== undefined)
        await expect(fetch(`http://${outside}:${metrics.port}/metrics`)).rejects.toThrow();
    } finally {
      await metrics.close();
    }
  });

  it('listens where METRICS_HOST says, and refuses a value that is not a host', async () => {
    const host = parseConfig({ METRICS_HOST: '0.0.0.0' }).metricsHost;
    const metrics = await startMetricsServer({ port: 0, host, logger: capturedLogger().logger });
    try {
      expect(metrics.address).toBe('0.0.0.0');
      if (outside !== undefined)
        expect((await fetch(`http://${outside}:${metrics.port}/metrics`)).status).toBe(200);
    } finally {
      await metrics.close();
    }
    expect(() => parseConfig({ METRICS_HOST: 'http://0.0.0.0:9100' })).toThrow(/METRICS_HOST/);
  });
});
