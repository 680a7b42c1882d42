import { describe, expect } from 'vitest';
import type { DiscordAdapter } from '../../adapters/discord/index.js';
import type { StoredMessage } from '../emulators/discord/server.js';
import { clipColour, CLIP_FPS } from '../emulators/video-api/clips.js';
import { emptyRedisDatabase } from '../helpers/redis.js';
import { sameColour, seeVideo } from '../helpers/video.js';
import type { BotProcess } from '../world/common.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Extend with the BullMQ runner: two bot processes on one Redis, either of which may drive the clip (and
 * rebuild its request, the last frame included, when it did not accept it), joined and delivered once.
 */
const DB = 8;
const { guildId, general: channelId, alice } = discordSeed;

const it = discordWorldTest({
  generationMs: 400,
  clips: 'rendered',
  env: {
    STORE_URL: await emptyRedisDatabase(DB),
    WORKER_CONCURRENCY: '2',
    WORKER_LOCK_SECONDS: '2',
    QUOTA_DEFAULT: '10',
    MAX_EXTENDED_SECONDS: '15',
  },
  jobQueue: { refreshMs: 100, sweepMs: 500 },
  resume: true,
}).extend<{ secondProcess: BotProcess<DiscordAdapter> }>({
  secondProcess: [
    async ({ world }, use) => {
      await use(await world.startProcess({ resume: true }));
    },
    { scope: 'file', auto: true },
  ],
});

const extendId = (message: StoredMessage): string => {
  const match = /"custom_id":"(extend:[^"]+)"/.exec(JSON.stringify(message.components));
  if (!match?.[1]) throw new Error('no Extend button');
  return match[1];
};

describe('Discord Extend on Redis (BullMQ)', () => {
  it('chains two clips through the shared queue: one POST each, one joined video', async ({
    world: { discord, video, used },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a red balloon' },
        { name: 'seconds', value: 2 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(done.id)!;
    const press = await discord.button({ message: stored, customId: extendId(stored), user: alice });
    await press.waitForAck();
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'the balloon drifts into a blue sky', seconds: '2' },
    });
    const joined = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const seen = await seeVideo(joined.attachments[0]!.bytes);
    expect(Math.abs(seen.info.durationSeconds - 4)).toBeLessThanOrEqual(1 / CLIP_FPS + 0.001);
    expect(sameColour(seen.first, clipColour('a red balloon'))).toBe(true);
    expect(sameColour(seen.last, clipColour('the balloon drifts into a blue sky'))).toBe(true);
    const posts = video.requests.filter((r) => r.method === 'POST').map((r) => r.body as { image?: string });
    expect(posts.map((p) => p.image !== undefined)).toEqual([false, true]);
    expect(await used(alice.id)).toBe(2);
  }, 40_000);
});
