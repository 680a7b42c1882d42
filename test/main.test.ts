import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from './emulators/discord/server.js';
import { startSlackEmulator, type SlackEmulator } from './emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { spawnMain, type MainProcess } from './helpers/main-process.js';
import { freePort } from './helpers/net.js';

function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'bin/main.ts'],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 20_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stderr }),
    );
  });
}

describe('npm start', () => {
  it('exits 1 naming every missing setting when no tokens are configured', async () => {
    const run = await start({ STORE_URL: 'memory://' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot start the bot');
    expect(run.stderr).toContain('VIDEO_API_KEY is required');
    expect(run.stderr).toContain('No chat platform configured: set DISCORD_TOKEN');
  });

  it('names the Slack signing secret when only the bot token is set', async () => {
    const run = await start({ SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN');
  });

  it('exits 1 with the variable named when a setting is malformed', async () => {
    const run = await start({ MAX_SECONDS: '99' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MAX_SECONDS must be an integer 1-15');
  });
});

describe('npm start tells the truth about the services it talks to', () => {
  let video: VideoApiEmulator;
  let slack: SlackEmulator;
  let discord: DiscordEmulator;
  let dir: string;
  let bot: MainProcess | undefined;

  beforeAll(async () => {
    video = await startVideoApiEmulator();
    slack = await startSlackEmulator();
    discord = await startDiscordEmulator({ token: 'the-real-discord-token' });
    dir = await mkdtemp(join(tmpdir(), 'main-start-'));
  });
  afterEach(async () => {
    await bot?.stop(2000);
    bot = undefined;
  });
  afterAll(async () => {
    await Promise.all([video.close(), slack.close(), discord.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** A Slack bot in HTTP mode against the emulators, with `env` over it. */
  const slackEnv = (env: Record<string, string> = {}): Record<string, string> => ({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    SLACK_PORT: '0',
    VIDEO_API_BASE_URL: video.baseUrl,
    VIDEO_API_KEY: video.apiKey,
    STORE_URL: 'memory://',
    ...env,
  });

  it('exits 1 naming Slack and its URL when Slack refuses the bot token', async () => {
    const startedAt = Date.now();
    bot = spawnMain(slackEnv({ SLACK_BOT_TOKEN: 'xoxb-not-a-real-token' }));
    const { code } = await bot.exited();
    expect(code).toBe(1);
    expect(bot.stderr()).toContain(`Slack at ${slack.apiUrl}auth.test`);
    expect(bot.stderr()).toContain('SLACK_BOT_TOKEN was refused (invalid_auth)');
    expect(bot.stderr()).not.toContain('xoxb-not-a-real-token');
    // Told at once, not after a retry policy.
    expect(Date.now() - startedAt).toBeLessThan(15_000);
  });

  it('exits 1 naming Slack and its URL when SLACK_API_URL does not answer', async () => {
    const port = await freePort();
    bot = spawnMain(slackEnv({ SLACK_API_URL: `http://127.0.0.1:${port}/api` }));
    const { code } = await bot.exited();
    expect(code).toBe(1);
    expect(bot.stderr()).toContain(`Slack at http://127.0.0.1:${port}/api/auth.test: not reachable`);
  });

  it('exits 1 naming Discord and its URL when Discord refuses the token', async () => {
    bot = spawnMain({
      DISCORD_TOKEN: 'a-wrong-discord-token',
      DISCORD_API_BASE_URL: discord.apiBase,
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
      STORE_URL: 'memory://',
    });
    const { code } = await bot.exited();
    expect(code).toBe(1);
    expect(bot.stderr()).toContain(`Discord at ${discord.apiBase}`);
    expect(bot.stderr()).toContain('DISCORD_TOKEN');
    expect(bot.stderr()).not.toContain('a-wrong-discord-token');
  });

  it('exits 1 naming the SQLite file when the store cannot be opened', async () => {
    // A path under a regular file: no user, root included, can create it.
    const file = join(dir, 'not-a-folder');
    await writeFile(file, '');
    const path = join(file, 'bot.sqlite');
    bot = spawnMain(slackEnv({ STORE_URL: `sqlite://${path}` }));
    const { code } = await bot.exited();
    expect(code).toBe(1);
    expect(bot.stderr()).toContain(`SQLite store at ${path}`);
  });

  it('warns with the video API URL when it does not answer, and starts anyway', async () => {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    bot = spawnMain(slackEnv({ VIDEO_API_BASE_URL: baseUrl }));
    await bot.waitForOutput('Slack adapter ready');
    const output = await bot.waitForOutput('video API not reachable');
    const warning = output.split('\n').find((line) => line.includes('video API not reachable')) ?? '';
    expect(JSON.parse(warning)).toMatchObject({ level: 40, url: baseUrl });
    expect((await bot.stop()).code).toBe(0);
  });

  it('logs the video API as reachable, with its URL, when it answers', async () => {
    bot = spawnMain(slackEnv());
    const output = await bot.waitForOutput('video API reachable');
    const line = output.split('\n').find((l) => l.includes('video API reachable')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ level: 30, url: video.baseUrl });
  });

  it('warns when the video API refuses VIDEO_API_KEY, and starts anyway', async () => {
    bot = spawnMain(slackEnv({ VIDEO_API_KEY: 'sk-wrong' }));
    const output = await bot.waitForOutput('video API refused VIDEO_API_KEY');
    const line = output.split('\n').find((l) => l.includes('video API refused')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ level: 40, url: video.baseUrl, status: 401 });
    await bot.waitForOutput('Slack adapter ready');
    expect(output).not.toContain('sk-wrong');
  });
});
