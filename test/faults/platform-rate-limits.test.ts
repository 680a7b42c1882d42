import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultBot, type FaultBot } from './harness.js';
import { slackResult } from '../world/slack.js';

/** The chat platforms pushing back: 429 bursts on Discord edits, `ratelimited` from Slack's Web API. */
let bot: FaultBot;
beforeAll(async () => {
  bot = await startFaultBot({ generationMs: 2500, users: 2 });
});
afterAll(() => bot.close());

describe('Discord answers 429 to edits in bursts', () => {
  it('still shows progress in order and delivers the video once', async () => {
    const user = bot.users[0];
    if (!user) throw new Error('user');
    bot.discord.configure({
      rateLimit: {
        route: 'PATCH /webhooks/:application_id/:token/messages/@original',
        times: 4,
        retryAfterSeconds: 1,
      },
    });
    const handle = await bot.discord.slashCommand({
      channelId: bot.channelId,
      guildId: bot.guildId,
      user,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'rate limited edits' }],
    });
    await handle.waitForAck();
    const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(final.attachments[0]?.bytes).toEqual(bot.video.mp4);
    expect(bot.discord.rateLimitHits.filter((h) => h.cause === 'fault')).toHaveLength(4);
    const percents = handle
      .edits()
      .map((v) => /(\d+)%/.exec(v.content)?.[1])
      .filter((p) => p !== undefined)
      .map(Number);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    const uploads = bot.discord.requests.filter(
      (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0 && r.status === 200,
    );
    expect(uploads).toHaveLength(1);

    // A burst on the final upload itself: discord.js waits out Retry-After and the video still arrives.
    bot.discord.configure({
      rateLimit: {
        route: 'PATCH /webhooks/:application_id/:token/messages/@original',
        times: 2,
        retryAfterSeconds: 1,
      },
    });
    const second = await bot.discord.slashCommand({
      channelId: bot.channelId,
      guildId: bot.guildId,
      user,
      name: 'imagine',
      options: [{ name: 'prompt', value: '[emu:ms=0] limited at delivery' }],
    });
    const delivered = await second.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(delivered.attachments).toHaveLength(1);
    expect(
      (await bot.app.quota.status({ platform: 'discord', spaceId: bot.guildId, userId: user.id })).used,
    ).toBe(2);
  }, 60_000);
});

describe('Slack answers ratelimited', () => {
  it('waits out Retry-After on updates and the upload, and delivers once', async () => {
    bot.slack.configure({
      rateLimit: [
        { method: 'chat.update', times: 2, retryAfterSeconds: 1 },
        { method: 'files.completeUploadExternal', times: 1, retryAfterSeconds: 1 },
      ],
    });
    const res = await bot.driver.slashCommand({
      command: '/imagine',
      text: 'a kite in strong wind --seconds 3',
      user: 'U0ALICE',
      channel: 'C0RATE',
    });
    expect(res.status).toBe(200);
    await bot.slack.waitFor(
      () => slackResult(bot.slack, { channel: 'C0RATE', prompt: 'a kite in strong wind' }),
      { timeoutMs: 30_000 },
    );
    expect(bot.slack.calls.filter((c) => c.outcome === 'rateLimit')).toHaveLength(3);
    const files = [...bot.slack.files.values()].filter((f) => f.state === 'completed');
    expect(files).toHaveLength(1);
    expect(files[0]?.bytes).toEqual(bot.video.mp4);
    const status = await bot.app.quota.status({
      platform: 'slack',
      spaceId: bot.slack.identity.teamId,
      userId: 'U0ALICE',
    });
    expect(status.used).toBe(1);
    bot.slack.configure({ rateLimit: undefined });
  }, 60_000);
});
