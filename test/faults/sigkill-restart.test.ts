import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';

/**
 * `npm start` (bin/main.ts in a child process, on a temporary SQLite store) is killed with SIGKILL while 20
 * jobs run (8 upstream, 12 waiting in line), and started again: every job is delivered exactly once into its
 * original message, no job is submitted twice upstream, the waiting ones are submitted after the restart,
 * and every reservation ends committed.
 */
const JOBS = 20;
const UPSTREAM = 8;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let video: VideoApiEmulator;
let discord: DiscordEmulator;
let dir: string;
let storeUrl: string;
const guildId = snowflake();
const channelId = snowflake();
const users = Array.from({ length: JOBS }, (_, i) => ({ id: snowflake(), username: `user${i}` }));

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 6000 });
  discord = await startDiscordEmulator({
    guilds: [
      {
        id: guildId,
        channels: [{ id: channelId, name: 'general' }],
        members: users.map((user) => ({ user })),
      },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'fault-sigkill-'));
  storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
});
afterAll(async () => {
  await discord.close();
  await video.close();
  await rm(dir, { recursive: true, force: true });
});

function startBot(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'bin/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DISCORD_TOKEN: 'fault-token',
      DISCORD_API_BASE_URL: discord.apiBase,
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
      STORE_URL: storeUrl,
      QUOTA_DEFAULT: '5',
      // The production cap: 8 jobs upstream, the other 12 wait in the bot's fair queue when it is killed.
      MAX_CONCURRENT_JOBS: String(UPSTREAM),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describe('bot killed with SIGKILL during 20 jobs, then restarted', () => {
  it('delivers every job exactly once and commits every reservation', async () => {
    const first = startBot();
    await discord.waitForReady(30_000);
    const handles = await Promise.all(
      users.map((user, i) =>
        discord.slashCommand({
          channelId,
          guildId,
          user,
          name: 'imagine',
          options: [{ name: 'prompt', value: `crash test ${i}` }],
        }),
      ),
    );
    await Promise.all(handles.map((h) => h.waitForAck(5000)));
    await discord
      .waitFor(
        () =>
          video.jobs.size === UPSTREAM &&
          handles.filter((h) => h.original()?.content.includes('Queued')).length >= JOBS - UPSTREAM - 1,
        20_000,
      )
      .catch((error: unknown) => {
        const acks = handles.map((h) => h.ack?.type).join(',');
        const seen = handles.map((h) => (h.followups()[0] ?? h.original())?.content.slice(0, 80)).join(' | ');
        throw new Error(`${String(error)}; jobs upstream ${video.jobs.size}; acks ${acks}; ${seen}`);
      });
    // Let the first progress edits land, then kill it mid-generation.
    await new Promise((r) => setTimeout(r, 1500));
    expect(handles.some((h) => h.original()?.attachments.length)).toBe(false);
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;

    const second = startBot();
    try {
      const finals = await Promise.all(
        handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 40_000)),
      );
      for (const final of finals) expect(final.attachments[0]?.bytes).toEqual(video.mp4);
      // Exactly one upload per interaction, no second POST upstream.
      for (const handle of handles) {
        const uploads = discord.requests.filter(
          (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
        );
        expect(uploads).toHaveLength(1);
      }
      expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(JOBS);
      expect(video.jobs.size).toBe(JOBS);
      // Give the resumed runner a moment to write its final record updates after the last upload.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      const stopped = new Promise((resolve) => second.once('exit', resolve));
      second.kill('SIGTERM');
      await stopped;
    }

    const config = parseConfig({ STORE_URL: storeUrl, QUOTA_DEFAULT: '5' });
    const app = await openApp(config, createLogger({ level: 'silent' }), { needsGeneration: false });
    try {
      const records = await app.jobs.list({}, 100);
      expect(records).toHaveLength(JOBS);
      for (const record of records) {
        expect(record.status).toBe('completed');
        expect(record.reservation).toBe('committed');
      }
      for (const user of users) {
        expect(
          (await app.quota.status({ platform: 'discord', spaceId: guildId, userId: user.id })).used,
        ).toBe(1);
      }
    } finally {
      await app.close();
    }
  }, 120_000);
});
