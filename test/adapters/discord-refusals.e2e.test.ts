import { Routes } from 'discord.js';
import { describe, expect } from 'vitest';
import type {
  DiscordEmulator,
  InteractionHandle,
  RecordedCallback,
  StoredMessage,
} from '../emulators/discord/server.js';
import { testImage } from '../helpers/images.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * What real Discord users run into and must still get an answer for, through real discord.js and the
 * Discord emulator: commands, buttons and forms a newer bot no longer knows; options refused before
 * anything public appears; a mention replying to a message deleted meanwhile.
 */

const it = discordWorldTest({
  generationMs: 500,
  env: { QUOTA_DEFAULT: '50' },
  bot: { messageContent: true },
});
const { guildId, general: channelId, alice, bob } = discordSeed;

/** Discord's "only you can see this" flag. */
const EPHEMERAL = 64;
/** Without a callback within this, the user sees "The application did not respond". */
const DISCORD_ACK_DEADLINE_MS = 3000;

/** The interaction's one callback: an immediate ephemeral message (type 4), not a deferral. */
async function ephemeralAnswer(handle: InteractionHandle): Promise<string> {
  const ack: RecordedCallback = await handle.waitForAck(DISCORD_ACK_DEADLINE_MS + 1000);
  expect(ack.type).toBe(4);
  expect(ack.latencyMs).toBeLessThan(DISCORD_ACK_DEADLINE_MS);
  const data = (ack.body as { data?: { flags?: number; content?: string } }).data;
  expect((data?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
  expect(handle.callbacks.map((c) => c.type)).toEqual([4]);
  return data?.content ?? '';
}

/** The bot's public messages in the channel since `since` (a deferral's "thinking…" would be one). */
function botMessagesSince(discord: DiscordEmulator, since: number, includeDeleted = true): StoredMessage[] {
  return discord
    .messages(channelId, { includeDeleted })
    .filter((m) => m.author.id === discordSeed.botId && !m.ephemeral && m.createdAt >= since);
}

describe('Discord: commands, buttons and forms the bot no longer knows', () => {
  it('answers a stale slash command ephemerally instead of leaving it unanswered', async ({
    world: { discord },
  }) => {
    const handle = await discord.slashCommand({ channelId, guildId, user: alice, name: 'oldcommand' });
    expect(await ephemeralAnswer(handle)).toContain('This command is no longer available');
  });

  it('answers a stale subcommand, and a subcommand on a command that has none, the same way', async ({
    world: { discord, video },
  }) => {
    const quota = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'quota',
      subcommand: 'history',
    });
    expect(await ephemeralAnswer(quota)).toBe(
      '`/quota history` is not a command of this bot (any more). Use one of `show`, `set`, `reset`, or `default`.',
    );
    const imagine = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      subcommand: 'remix',
      options: [{ name: 'prompt', value: 'a fox' }],
    });
    expect(await ephemeralAnswer(imagine)).toBe(
      '`/imagine remix` is not a command of this bot (any more). Use `/imagine` alone.',
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('answers a button an older version of the bot posted, a stale form and a stale menu', async ({
    world: { discord, bot },
  }) => {
    // A message as an older version of the bot posted it, with a button this version does not handle.
    const posted = (await bot.client.rest.post(Routes.channelMessages(channelId), {
      body: {
        content: 'an old result',
        components: [
          { type: 1, components: [{ type: 2, style: 2, label: 'Retry', custom_id: 'retry:job_old' }] },
        ],
      },
    })) as { id: string };
    const press = await discord.button({ message: posted.id, customId: 'retry:job_old', user: alice });
    expect(await ephemeralAnswer(press)).toContain('This command is no longer available');
    expect(discord.message(posted.id)?.deletedAt).toBeNull();

    const form = await discord.modalSubmit({
      customId: 'feedback:job_old',
      fields: { text: 'nice' },
      user: alice,
      channelId,
      guildId,
    });
    expect(await ephemeralAnswer(form)).toContain('This command is no longer available');

    const menu = await discord.messageContextMenu({
      name: 'Remix',
      targetMessage: posted.id,
      user: alice,
    });
    expect(await ephemeralAnswer(menu)).toContain('This command is no longer available');
  });
});

describe('Discord: options refused before anything public appears', () => {
  const png = () => testImage({ width: 64, height: 48, fill: '#30a030' });

  it('refuses a length over the limit for several images, privately and at once', async ({
    world: { discord, video, used },
  }) => {
    const since = Date.now();
    const downloads = discord.cdnRequests.length;
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'two foxes' },
        { name: 'seconds', value: 15 },
      ],
      attachments: {
        image1: { filename: 'a.png', contentType: 'image/png', bytes: await png() },
        image2: { filename: 'b.png', contentType: 'image/png', bytes: await png() },
      },
    });
    expect(await ephemeralAnswer(handle)).toContain('at most 10 seconds');
    expect(botMessagesSince(discord, since)).toHaveLength(0);
    expect(discord.cdnRequests).toHaveLength(downloads);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(await used(bob.id)).toBe(0);
  });

  it('refuses an aspect ratio of 16:0 and a prompt over the limit the same way', async ({
    world: { discord },
  }) => {
    const since = Date.now();
    const ratio = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a fox' },
        { name: 'aspect_ratio', value: '16:0' },
      ],
    });
    expect(await ephemeralAnswer(ratio)).toContain('Both sides of an aspect ratio must be above zero');
    const long = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'fox '.repeat(1250) }],
    });
    expect(await ephemeralAnswer(long)).toContain('the limit is 4,096');
    expect(botMessagesSince(discord, since)).toHaveLength(0);
  });

  it('refuses a PDF given as the image from its metadata alone, without downloading it', async ({
    world: { discord, video, used },
  }) => {
    const since = Date.now();
    const downloads = discord.cdnRequests.length;
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'animate my brief' }],
      attachments: {
        image1: { filename: 'brief.pdf', contentType: 'application/pdf', bytes: '%PDF-1.7 not an image' },
      },
    });
    expect(await ephemeralAnswer(handle)).toContain('“brief.pdf” is not a PNG, JPEG, WebP or GIF image');
    expect(discord.cdnRequests).toHaveLength(downloads);
    expect(botMessagesSince(discord, since)).toHaveLength(0);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(await used(bob.id)).toBe(0);
  });
});

describe('Discord: a mention replying to a deleted message', () => {
  it('says the message is gone, not how to use the bot', async ({ world: { discord, video } }) => {
    const image = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'the sea today',
      attachments: [
        {
          filename: 'sea.png',
          contentType: 'image/png',
          bytes: await testImage({ width: 64, height: 48, fill: '#0000c0' }),
        },
      ],
    });
    await discord.deleteMessage(image);
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'make the waves move',
      mentionsBot: true,
      replyTo: image,
    });
    const created = discord.dispatches.find(
      (d) => d.t === 'MESSAGE_CREATE' && (d.d as { id?: string }).id === ask.id,
    );
    expect(created?.d).toMatchObject({
      message_reference: { message_id: image.id },
      referenced_message: null,
    });

    let answer: StoredMessage | undefined;
    await discord.waitFor(() => {
      answer = discord.messages(channelId).find((m) => m.reference?.messageId === ask.id);
      return answer;
    }, 5000);
    expect(answer?.content).toContain('The message you replied to was deleted');
    expect(answer?.content).not.toContain('Mention me in a reply');
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('Discord: a mention where the bot may not post', () => {
  // Discord refuses the reply with 50013 Missing Permissions; the rule of both platforms: no job goes upstream
  // until the bot knows it can show the result, and nothing is charged.
  it('starts no job and charges nothing when its reply is refused', async ({
    world: { discord, video, app },
  }) => {
    const { closedGuildId, closedChannelId } = discordSeed;
    await discord.userMessage({
      channelId: closedChannelId,
      guildId: closedGuildId,
      author: alice,
      content: 'a lighthouse in the fog',
      mentionsBot: true,
    });
    await discord.waitFor(
      () =>
        discord.requests.some(
          (r) => r.method === 'POST' && r.path.endsWith(`/channels/${closedChannelId}/messages`),
        ),
      5000,
    );
    // Time for a wrong job to reach the video service after the refused reply.
    await new Promise((r) => setTimeout(r, 1500));
    expect(discord.messages(closedChannelId).filter((m) => m.author.id === discordSeed.botId)).toHaveLength(
      0,
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    const quota = await app.quota.status({ platform: 'discord', spaceId: closedGuildId, userId: alice.id });
    expect(quota.used).toBe(0);
  });
});
