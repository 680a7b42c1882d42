import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from './emulators/discord/server.js';
import { startSlackEmulator, type SlackEmulator } from './emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { spawnMain, type MainProcess } from './helpers/main-process.js';
import { freePort } from './helpers/net.js';

/**
 * GET /healthz of `npm start`'s program (bin/main.ts in a child process) running Discord and Slack (HTTP
 * mode) against their emulators, with METRICS_PORT on and Redis as its store (the test's own redis-server on
 * a free port, so it can be stopped). Served on Slack's port and on the metrics port; the Docker image's
 * HEALTHCHECK (bin/healthcheck.ts) reads it. redis-server missing is a failure, never a skip.
 */
let video: VideoApiEmulator;
let discord: DiscordEmulator;
let slack: SlackEmulator;
let dir: string;
let redisPort: number;
let redis: ChildProcess | undefined;
let bot: MainProcess;
let env: Record<string, string>;

async function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim() === 'PONG'
      )
        return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${redisPort}`);
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function healthz(port: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, body: await response.json() };
}

/** Asks until `expected` status comes (a state change reaches /healthz within a second or so). */
async function healthzUntil(port: string, expected: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: { status: number; body: unknown } | undefined;
  while (Date.now() < deadline) {
    last = await healthz(port).catch(() => undefined);
    if (last?.status === expected) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/healthz on ${port} never answered ${expected}; last: ${JSON.stringify(last)}`);
}

/** The Docker HEALTHCHECK's program with the bot's settings: its exit code. */
function healthcheck(): Promise<number> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/healthcheck.ts'],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 },
      (error) => resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0),
    );
  });
}

beforeAll(async () => {
  const guildId = snowflake();
  video = await startVideoApiEmulator();
  discord = await startDiscordEmulator({
    guilds: [{ id: guildId, channels: [{ id: snowflake(), name: 'general' }] }],
  });
  slack = await startSlackEmulator();
  dir = await mkdtemp(join(tmpdir(), 'healthz-'));
  redisPort = await freePort();
  redis = await startRedis();
  env = {
    DISCORD_TOKEN: 'healthz-token',
    DISCORD_API_BASE_URL: discord.apiBase,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    VIDEO_API_BASE_URL: video.baseUrl,
    VIDEO_API_KEY: video.apiKey,
    STORE_URL: `redis://127.0.0.1:${redisPort}`,
  };
  bot = spawnMain(env);
  await bot.waitForOutput('Slack adapter ready', 40_000);
}, 60_000);

afterAll(async () => {
  await bot?.stop(3000);
  await stopRedis();
  await Promise.all([video?.close(), discord?.close(), slack?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('GET /healthz', () => {
  it('answers 200 on Slack’s port and the metrics port once the store answers and both platforms are connected', async () => {
    const ready = {
      ok: true,
      store: 'ok',
      platforms: { discord: 'connected', slack: 'connected' },
    };
    expect(await healthzUntil(env.SLACK_PORT!, 200)).toEqual({ status: 200, body: ready });
    expect(await healthz(env.METRICS_PORT!)).toEqual({ status: 200, body: ready });
    expect(await healthcheck()).toBe(0);
  });

  it('answers 503 with the store down while Redis is away, and 200 again once it is back', async () => {
    await stopRedis();
    const down = await healthzUntil(env.METRICS_PORT!, 503);
    expect(down.body).toEqual({
      ok: false,
      store: 'down',
      platforms: { discord: 'connected', slack: 'connected' },
    });
    expect(await healthcheck()).toBe(1);

    redis = await startRedis();
    expect((await healthzUntil(env.SLACK_PORT!, 200)).body).toMatchObject({ ok: true, store: 'ok' });
  });

  it('answers 503 naming Discord when its gateway connection is gone for good', async () => {
    // 4004 (authentication failed) is a close discord.js does not reconnect after.
    discord.disconnect({ code: 4004 });
    const down = await healthzUntil(env.SLACK_PORT!, 503);
    expect(down.body).toEqual({
      ok: false,
      store: 'ok',
      platforms: { discord: 'disconnected', slack: 'connected' },
    });
    expect((await healthz(env.METRICS_PORT!)).status).toBe(503);
    expect(await healthcheck()).toBe(1);
  });
});
