import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscordAdapter } from '../../adapters/discord/index.js';
import type { App } from '../../src/app.js';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor } from '../helpers/app.js';
import { startDiscordBot } from '../helpers/discord.js';
import { emptyRedisDatabase } from '../helpers/redis.js';

/**
 * Two bot processes' worth of Discord adapter (each its own app, Redis connections, BullMQ worker and gateway
 * session) on one Redis: an interaction both receive starts one job, and jobs acknowledged by one process are
 * driven by either and delivered into their own interaction's message, once.
 */
const DB = 14;
let video: VideoApiEmulator;
let discord: DiscordEmulator;
const processes: Array<{ app: App; bot: DiscordAdapter }> = [];
const guildId = snowflake();
const channelId = snowflake();
const users = Array.from({ length: 6 }, (_, i) => ({ id: snowflake(), username: `user${i}` }));

beforeAll(async () => {
  const storeUrl = await emptyRedisDatabase(DB);
  video = await startVideoApiEmulator({ generationMs: 600 });
  discord = await startDiscordEmulator({
    guilds: [
      {
        id: guildId,
        channels: [{ id: channelId, name: 'general' }],
        members: users.map((user) => ({ user })),
      },
    ],
  });
  for (let i = 0; i < 2; i++) {
    const { app } = await appFor(
      video,
      {
        STORE_URL: storeUrl,
        MAX_CONCURRENT_JOBS: '4',
        WORKER_CONCURRENCY: '2',
        WORKER_LOCK_SECONDS: '2',
        QUOTA_DEFAULT: '5',
      },
      { jobQueue: { refreshMs: 100, sweepMs: 500 } },
    );
    const bot = await startDiscordBot(discord, app);
    await app.runner!.startWorkers((record) => bot.replyFor(record));
    processes.push({ app, bot });
  }
}, 60_000);
afterAll(async () => {
  for (const { app, bot } of processes) {
    await bot.stop(1000);
    await app.close();
  }
  await discord.close();
  await video.close();
});

describe('Discord with two processes on one Redis', () => {
  it('starts one job for an interaction both processes receive', async () => {
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: users[0]!,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'seen twice' }],
      everySession: true,
    });
    const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(final.attachments[0]?.bytes).toEqual(video.mp4);
    // One acknowledgement accepted, the other process refused (40060), one job upstream.
    await discord.waitFor(() => handle.callbacks.length === 2, 5000);
    expect(handle.callbacks.map((c) => c.errorCode).sort()).toEqual([40060, null]);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const uploads = discord.requests.filter(
      (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
    );
    expect(uploads).toHaveLength(1);
  }, 30_000);

  it('delivers jobs acknowledged by one process from either worker, each once into its own message', async () => {
    video.reset();
    const handles = await Promise.all(
      users.slice(1).map((user, i) =>
        discord.slashCommand({
          channelId,
          guildId,
          user,
          name: 'imagine',
          options: [{ name: 'prompt', value: `shared work ${i}` }],
        }),
      ),
    );
    const finals = await Promise.all(
      handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 30_000)),
    );
    for (const final of finals) expect(final.attachments[0]?.bytes).toEqual(video.mp4);
    for (const handle of handles) {
      const uploads = discord.requests.filter(
        (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
      );
      expect(uploads).toHaveLength(1);
    }
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(5);
  }, 40_000);
});
