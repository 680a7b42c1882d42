import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * QUOTA_UNIT=credits on Discord, through real discord.js and the emulators: the job's message shows its price
 * while it runs, a request that does not fit is refused privately naming its cost and what is left, and a job
 * the video service fails gives its credits back.
 */

const it = discordWorldTest({
  generationMs: 300,
  env: {
    QUOTA_UNIT: 'credits',
    QUOTA_DEFAULT: '50',
    VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3',
    PRICES: 'grok-imagine-video:1/s,grok-video-1.5:2/s,grok-video-3:3/s,grok-video-3@1080P:4/s',
  },
});
const { guildId, general: channelId, alice, bob } = discordSeed;

function imagine(
  discord: DiscordEmulator,
  user: typeof alice,
  options: Array<{ name: string; value: string | number }>,
) {
  return discord.slashCommand({ channelId, guildId, user, name: 'imagine', options });
}

async function refusalOf(discord: DiscordEmulator, handle: InteractionHandle): Promise<string> {
  await discord.waitFor(() => handle.followups().length > 0, 5000);
  const notice = handle.followups()[0];
  expect(notice?.ephemeral).toBe(true);
  return notice?.content ?? '';
}

describe('Discord: credits', () => {
  it('shows the price in the job’s message, then refuses what does not fit naming its cost', async ({
    world: { discord, posts, used },
  }) => {
    const first = await imagine(discord, alice, [
      { name: 'prompt', value: '[emu:ms=1500] a lighthouse at dusk' },
      { name: 'model', value: 'grok-video-3' },
      { name: 'seconds', value: 10 },
    ]);
    const running = await first.waitForOriginal(
      (m) => m.attachments.length === 0 && m.content.includes('30 credits'),
      10_000,
    );
    expect(running.content).toMatch(/\n-# 10s · 16:9 · 720P · 30 credits$/);
    await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(await used(alice.id)).toBe(30);

    // 15 s at 1080P on grok-video-3 is 60 credits; alice has 20 of her 50 left.
    const before = posts().length;
    const second = await imagine(discord, alice, [
      { name: 'prompt', value: 'a lighthouse at night' },
      { name: 'model', value: 'grok-video-3' },
      { name: 'seconds', value: 15 },
      { name: 'resolution', value: '1080P' },
    ]);
    expect(await refusalOf(discord, second)).toMatch(
      /^⚠️ This video costs 60 credits, but you have 20 credits left of your 50 credits today\. Your quota resets at \d{4}-\d\d-\d\d 00:00 UTC\.$/,
    );
    expect(posts()).toHaveLength(before);
    expect(await used(alice.id)).toBe(30);

    // /quota show speaks credits.
    const show = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'quota',
      subcommand: 'show',
    });
    const answer = await show.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(answer.content).toMatch(/^Your quota: Used 30 of 50 credits today\./);
  });

  it('gives a failed job’s credits back', async ({ world: { discord, used, app } }) => {
    const handle = await imagine(discord, bob, [
      { name: 'prompt', value: '[emu:fail=Rejected by the safety filter] x' },
      { name: 'model', value: 'grok-video-1.5' },
      { name: 'seconds', value: 15 },
    ]);
    const final = await handle.waitForOriginal((m) => m.content.startsWith('❌'), 15_000);
    expect(final.content).toContain('It did not count against your quota.');
    expect(await used(bob.id)).toBe(0);
    const [record] = await app.jobs.list({ userId: bob.id });
    expect(record).toMatchObject({ reservation: 'refunded', charged: { amount: 30, unit: 'credits' } });
    expect((await app.ledger.get(record?.id ?? ''))?.state).toBe('refunded');
  });
});
