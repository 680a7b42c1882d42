import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { createHealthCheck, healthUrl, healthWhileStarting } from '../src/health.js';
import { silentLogger } from '../src/log.js';
import { startMetricsServer } from '../src/metrics.js';

describe('health check', () => {
  it('is ready only when the store answers and every platform is connected', async () => {
    let discord = true;
    const check = createHealthCheck({
      storeAnswers: () => Promise.resolve(true),
      platforms: () => ({ discord, slack: true }),
    });
    expect(await check()).toEqual({
      ok: true,
      store: 'ok',
      platforms: { discord: 'connected', slack: 'connected' },
    });
    discord = false;
    expect(await check()).toMatchObject({ ok: false, platforms: { discord: 'disconnected' } });
  });

  it('counts a store that hangs or throws as down, and answers within its timeout', async () => {
    const hanging = createHealthCheck({
      storeAnswers: () => new Promise<boolean>(() => undefined),
      platforms: () => ({ slack: true }),
      storeTimeoutMs: 50,
    });
    const started = Date.now();
    expect(await hanging()).toEqual({ ok: false, store: 'down', platforms: { slack: 'connected' } });
    expect(Date.now() - started).toBeLessThan(1000);
    const throwing = createHealthCheck({
      storeAnswers: () => Promise.reject(new Error('SQLITE_BUSY')),
      platforms: () => ({}),
    });
    expect(await throwing()).toMatchObject({ ok: false, store: 'down' });
  });

  it('says "starting" on the metrics port until the bot hands over its check', async () => {
    const health = healthWhileStarting(['discord']);
    const metrics = await startMetricsServer({ port: 0, logger: silentLogger(), health: health.check });
    try {
      const url = `http://127.0.0.1:${metrics.port}/healthz`;
      const before = await fetch(url);
      expect(before.status).toBe(503);
      expect(before.headers.get('cache-control')).toBe('no-store');
      expect(await before.json()).toEqual({
        ok: false,
        store: 'starting',
        platforms: { discord: 'starting' },
      });
      health.ready(
        createHealthCheck({ storeAnswers: async () => true, platforms: () => ({ discord: true }) }),
      );
      const after = await fetch(url);
      expect(after.status).toBe(200);
      expect(await after.json()).toEqual({ ok: true, store: 'ok', platforms: { discord: 'connected' } });
    } finally {
      await metrics.close();
    }
  });

  it('is asked on Slack’s port in HTTP mode, else on the metrics port, else nowhere', () => {
    const slackHttp = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_PORT: '3100' };
    expect(healthUrl(parseConfig({ ...slackHttp, METRICS_PORT: '9464' }))).toBe(
      'http://127.0.0.1:3100/healthz',
    );
    const socket = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' };
    expect(healthUrl(parseConfig({ ...socket, METRICS_PORT: '9464' }))).toBe('http://127.0.0.1:9464/healthz');
    expect(
      healthUrl(parseConfig({ DISCORD_TOKEN: 't', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })),
    ).toBe('http://127.0.0.1:9464/healthz');
    expect(
      healthUrl(parseConfig({ DISCORD_TOKEN: 't', METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' })),
    ).toBe('http://10.0.0.5:9464/healthz');
    expect(healthUrl(parseConfig({ DISCORD_TOKEN: 't', METRICS_PORT: '9464', METRICS_HOST: '::1' }))).toBe(
      'http://[::1]:9464/healthz',
    );
    expect(healthUrl(parseConfig({ DISCORD_TOKEN: 't' }))).toBeUndefined();
    expect(healthUrl(parseConfig(socket))).toBeUndefined();
  });
});
