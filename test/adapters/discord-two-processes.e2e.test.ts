import { describe, expect } from 'vitest';
import type { DiscordAdapter } from '../../adapters/discord/index.js';
import { emptyRedisDatabase } from '../helpers/redis.js';
import type { BotProcess } from '../world/common.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Two bot processes' worth of Discord adapter (each its own app, Redis connections, BullMQ worker and gateway
 * session) on one Redis: an interaction both receive starts one job, and jobs acknowledged by one process are
 * driven by either and delivered into their own interaction's message, once.
 */
const DB = 14;
const users = Array.from({ length: 6 }, (_, i) => ({ id: `12100000000000010${i}0`, username: `user${i}` }));
const { guildId, general: channelId } = discordSeed;

const it = discordWorldTest({
  generationMs: 600,
  env: {
    STORE_URL: await emptyRedisDatabase(DB),
    MAX_CONCURRENT_JOBS: '4',
    WORKER_CONCURRENCY: '2',
    WORKER_LOCK_SECONDS: '2',
    QUOTA_DEFAULT: '5',
  },
  jobQueue: { refreshMs: 100, sweepMs: 500 },
  members: users,
  resume: true,
}).extend<{ secondProcess: BotProcess<DiscordAdapter> }>({
  // The world's bot is the first process; this one shares its Redis, video API and Discord.
  secondProcess: [
    async ({ world }, use) => {
      await use(await world.startProcess({ resume: true }));
    },
    { scope: 'file', auto: true },
  ],
});

describe('Discord with two processes on one Redis', () => {
  it('starts one job for an interaction both processes receive', async ({ world: { discord, video } }) => {
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

  it('delivers jobs acknowledged by one process from either worker, each once into its own message', async ({
    world: { discord, video },
  }) => {
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
