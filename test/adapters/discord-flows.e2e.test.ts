import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { DEFAULT_ANIMATE_PROMPT } from '../../commands/animate.js';
import { snowflake, type DiscordEmulator, type StoredMessage } from '../emulators/discord/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor } from '../helpers/app.js';
import { dataUriBytes, dominantChannel, testImage } from '../helpers/images.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * The Discord flows beyond a plain /imagine, each through real discord.js, the Discord emulator and the
 * video-API emulator: mentions, the Animate menu, Again and Vary, token expiry, 429s, restarts and bursts.
 */

const EDIT_INTERVAL = 300;
const it = discordWorldTest({
  generationMs: 1000,
  env: { QUOTA_DEFAULT: '50' },
  bot: { messageContent: true, reply: { editIntervalMs: EDIT_INTERVAL } },
});
const { guildId, general: channelId, alice, bob, carol } = discordSeed;

const png = (color: string) => testImage({ width: 320, height: 240, fill: color });

/** The dominant channel of an image the video API received, to prove which picture was sent. */
const sentChannel = (dataUri: string | undefined) => dominantChannel(dataUriBytes(dataUri));

interface PostedBody {
  prompt?: string;
  seconds?: string;
  aspect_ratio?: string;
  /** One reference image goes in `image`, several in `images`; this lists them either way. */
  images: string[];
}

function posted(video: VideoApiEmulator): PostedBody[] {
  return video.requests
    .filter((r) => r.method === 'POST')
    .map((r) => {
      const body = r.body as Omit<PostedBody, 'images'> & { image?: string; images?: string[] };
      return { ...body, images: body.images ?? (body.image ? [body.image] : []) };
    });
}

/** The bot's reply to a user's message, once `predicate` holds for it. */
async function botReplyTo(
  emulator: DiscordEmulator,
  message: StoredMessage,
  predicate: (m: StoredMessage) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<StoredMessage> {
  let found: StoredMessage | undefined;
  await emulator.waitFor(() => {
    found = emulator
      .messages(message.channelId)
      .find(
        (m) => m.reference?.messageId === message.id && m.author.id !== message.author.id && predicate(m),
      );
    return found !== undefined;
  }, timeoutMs);
  return found!;
}

describe('Discord reply-to-image mention', () => {
  it('animates the replied-to image with the prompt, in the bot’s own reply, without pinging anyone', async ({
    world: { discord, video, app },
  }) => {
    const image = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'the sea today',
      attachments: [{ filename: 'sea.png', contentType: 'image/png', bytes: await png('#00c000') }],
    });
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'make the waves move @everyone',
      mentionsBot: true,
      replyTo: image,
    });
    const done = await botReplyTo(discord, ask, (m) => m.attachments.length > 0);
    expect(done.attachments[0]?.bytes).toEqual(video.mp4);
    expect(done.content).toContain('make the waves move');
    expect(done.mentions).toEqual({ users: [], roles: [], everyone: false });
    expect(done.versions[0]?.content).toBe('🎬 **Starting**');
    expect(done.versions.some((v) => v.content.includes('%'))).toBe(true);
    expect(JSON.stringify(done.components)).toContain('again:');

    const [body] = posted(video);
    expect(body?.prompt).toBe('make the waves move @everyone');
    expect(body?.images).toHaveLength(1);
    expect(await sentChannel(body?.images[0])).toBe('g');
    expect((await app.quota.status({ platform: 'discord', spaceId: guildId, userId: bob.id })).used).toBe(1);
  });

  it('uses images attached to the mention itself, and a default prompt when none is given', async ({
    world: { discord, video },
  }) => {
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: '',
      mentionsBot: true,
      attachments: [{ filename: 'red.png', contentType: 'image/png', bytes: await png('#e00000') }],
    });
    await botReplyTo(discord, ask, (m) => m.attachments.length > 0);
    const [body] = posted(video);
    expect(body?.prompt).toBe(DEFAULT_ANIMATE_PROMPT);
    expect(await sentChannel(body?.images[0])).toBe('r');
  });

  it('animates the image of a link preview, fetched through Discord’s media proxy (images-ext-N)', async ({
    world: { discord, video },
  }) => {
    const preview = discord.linkPreview({
      url: 'https://example.com/harbour',
      title: 'The harbour at noon',
      image: { url: 'https://example.com/harbour.png', bytes: await png('#e00000') },
    });
    expect(String(preview.thumbnail.proxy_url)).toMatch(
      /^https:\/\/images-ext-\d+\.discordapp\.net\/external\//,
    );
    const link = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'look: https://example.com/harbour',
      embeds: [preview],
    });
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'the boats rock gently',
      mentionsBot: true,
      replyTo: link,
    });
    const done = await botReplyTo(discord, ask, (m) => m.attachments.length > 0);
    expect(done.attachments[0]?.bytes).toEqual(video.mp4);
    const [body] = posted(video);
    expect(body?.images).toHaveLength(1);
    expect(await sentChannel(body?.images[0])).toBe('r');
    // Through the proxy, never from the linked site itself.
    expect(discord.cdnRequests.filter((r) => r.path.startsWith('/external/'))).toHaveLength(1);
  });

  it('refuses a preview whose image is on any other host, without fetching it', async ({
    world: { discord, video },
  }) => {
    const link = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'https://example.com/elsewhere',
      embeds: [
        {
          type: 'link',
          url: 'https://example.com/elsewhere',
          title: 'Elsewhere',
          thumbnail: {
            url: 'https://example.com/cat.png',
            proxy_url: 'https://images-ext-1.discordapp.net.example.com/external/x/cat.png',
            width: 64,
            height: 64,
          },
        },
      ],
    });
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'the cat blinks',
      mentionsBot: true,
      replyTo: link,
    });
    const refused = await botReplyTo(discord, ask, (m) => m.content.includes('not a Discord attachment'));
    expect(refused.attachments).toHaveLength(0);
    expect(posted(video)).toHaveLength(0);
  });

  it('explains how to use it when there are no images, and ignores messages that do not mention it', async ({
    world: { discord, video },
  }) => {
    await discord.userMessage({ channelId, guildId, author: alice, content: 'just chatting' });
    const ask = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'hello there',
      mentionsBot: true,
    });
    const help = await botReplyTo(discord, ask);
    expect(help.content).toContain('Mention me in a reply to a message with images');
    expect(posted(video)).toHaveLength(0);
    expect(
      discord.messages(channelId).filter((m) => m.author.id !== alice.id && m.createdAt > ask.createdAt),
    ).toHaveLength(1);
  });

  it('without the Message Content intent, says why it cannot see the replied-to image', async ({
    world: { video },
  }) => {
    const other = await startDiscordWorld({ video, bot: { messageContent: false } });
    try {
      const image = await other.discord.userMessage({
        channelId,
        guildId,
        author: alice,
        content: 'look',
        attachments: [{ filename: 'sea.png', contentType: 'image/png', bytes: await png('#0000ff') }],
      });
      const ask = await other.discord.userMessage({
        channelId,
        guildId,
        author: alice,
        content: 'animate this',
        mentionsBot: true,
        replyTo: image,
      });
      const help = await botReplyTo(other.discord, ask);
      expect(help.content).toContain('without Discord’s Message Content intent');
      expect(help.content).toContain('Apps → Animate');
      expect(posted(video)).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('Discord Animate menu, Again and Vary', () => {
  it('Animate opens a prefilled modal and runs the submitted prompt on the message’s images', async ({
    world: { discord, video },
  }) => {
    const image = await discord.userMessage({
      channelId,
      guildId,
      author: alice,
      content: 'a paper boat',
      attachments: [{ filename: 'boat.png', contentType: 'image/png', bytes: await png('#0000e0') }],
    });
    const menu = await discord.messageContextMenu({ name: 'Animate', targetMessage: image, user: bob });
    await menu.waitForAck();
    expect(menu.ack?.type).toBe(9);
    const modal = menu.modal();
    expect(JSON.stringify(modal?.components)).toContain('"value":"a paper boat"');

    const submit = await discord.modalSubmit({ from: menu, fields: { prompt: 'the boat drifts away' } });
    await submit.waitForAck();
    expect(submit.ack?.type).toBe(5);
    const done = await submit.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(done.attachments[0]?.bytes).toEqual(video.mp4);
    const [body] = posted(video);
    expect(body?.prompt).toBe('the boat drifts away');
    expect(await sentChannel(body?.images[0])).toBe('b');
  });

  it('Animate on a message without images answers ephemerally', async ({ world: { discord } }) => {
    const text = await discord.userMessage({ channelId, guildId, author: alice, content: 'no pictures' });
    const menu = await discord.messageContextMenu({ name: 'Animate', targetMessage: text, user: bob });
    await menu.waitForAck();
    expect(menu.ack?.ephemeral).toBe(true);
    expect(menu.original()?.content).toContain('no images to animate');
  });

  it('Again repeats the settings for the presser; Vary reopens the prompt, shortened with a note', async ({
    world: { discord, video, app },
  }) => {
    const longPrompt = `${'a slow pan over rolling hills '.repeat(136)}end`; // 4,083 characters
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: longPrompt },
        { name: 'seconds', value: 3 },
        { name: 'aspect_ratio', value: '1:1' },
      ],
    });
    const result = await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const resultMessage = discord.message(result.id) ?? first.original()!;

    const again = await discord.button({
      message: resultMessage,
      customId: againId(resultMessage),
      user: carol,
    });
    await again.waitForAck();
    expect(again.ack?.type).toBe(5);
    await again.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const [, repeated] = posted(video);
    expect(repeated).toMatchObject({ prompt: longPrompt, seconds: '3', aspect_ratio: '1:1' });
    expect((await app.quota.status({ platform: 'discord', spaceId: guildId, userId: carol.id })).used).toBe(
      1,
    );

    const vary = await discord.button({
      message: resultMessage,
      customId: againId(resultMessage).replace('again:', 'vary:'),
      user: bob,
    });
    await vary.waitForAck();
    expect(vary.ack?.type).toBe(9);
    const shown = JSON.stringify(vary.modal()?.components);
    expect(shown).toContain('The prompt was 4,083 characters; this form holds 4,000');
    const field = findValue(vary.modal()?.components);
    expect(field.length).toBeLessThanOrEqual(4000);
    expect(longPrompt.startsWith(field)).toBe(true);

    const submit = await discord.modalSubmit({ from: vary, fields: { prompt: 'rolling hills at night' } });
    await submit.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(posted(video)[2]).toMatchObject({
      prompt: 'rolling hills at night',
      seconds: '3',
      aspect_ratio: '1:1',
    });
  });
});

function againId(message: StoredMessage): string {
  const match = /"custom_id":"(again:[^"]+)"/.exec(JSON.stringify(message.components));
  if (!match?.[1]) throw new Error('no Again button');
  return match[1];
}

function findValue(components: unknown): string {
  const match = /"value":"((?:[^"\\]|\\.)*)"/.exec(JSON.stringify(components));
  return match?.[1] === undefined ? '' : (JSON.parse(`"${match[1]}"`) as string);
}

describe('Discord delivery under pressure', () => {
  it('waits out a 429 on an edit and still delivers', async ({ world: { discord, video } }) => {
    discord.configure({
      rateLimit: {
        route: 'PATCH /webhooks/:application_id/:token/messages/@original',
        times: 1,
        retryAfterSeconds: 1,
      },
    });
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a windmill' }],
    });
    const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    expect(final.attachments[0]?.bytes).toEqual(video.mp4);
    const hit = discord.rateLimitHits.find((h) => h.cause === 'fault');
    expect(hit).toBeDefined();
    // discord.js retried the same edit only after Retry-After.
    const after = handle.edits().find((v) => v.at > (hit?.at ?? 0));
    expect((after?.at ?? 0) - (hit?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('moves to a channel message when the interaction token expires, and to a DM when the channel is closed', async ({
    world: { video },
  }) => {
    const openChannel = channelId;
    const { closedGuildId: closedGuild, closedChannelId: closedChannel } = discordSeed;
    const other = await startDiscordWorld({
      video,
      emulator: { interactionTokenTtlMs: 1500 },
      bot: { messageContent: true, reply: { editIntervalMs: EDIT_INTERVAL, tokenLifetimeMs: 1200 } },
    });
    try {
      const handle = await other.discord.slashCommand({
        channelId: openChannel,
        guildId,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:ms=3000] a long one' }],
      });
      await handle.waitForAck();
      let moved: StoredMessage | undefined;
      await other.discord.waitFor(() => {
        moved = other.discord
          .messages(openChannel)
          .find((m) => m.source === 'channel' && m.attachments.length > 0);
        return moved !== undefined;
      }, 20_000);
      expect(moved?.attachments[0]?.bytes).toEqual(video.mp4);
      expect(moved?.content).toContain('15-minute reply window');
      expect(moved?.mentions.users).toEqual([]);

      const closed = await other.discord.slashCommand({
        channelId: closedChannel,
        guildId: closedGuild,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:ms=3000] another long one' }],
      });
      await closed.waitForAck();
      const dm = other.discord.dmChannel(alice);
      let direct: StoredMessage | undefined;
      await other.discord.waitFor(() => {
        direct = other.discord.messages(dm.id).find((m) => m.attachments.length > 0);
        return direct !== undefined;
      }, 20_000);
      expect(direct?.attachments[0]?.bytes).toEqual(video.mp4);
      expect(other.discord.messages(closedChannel).filter((m) => m.source === 'channel')).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('Discord restart and burst', () => {
  it('a job running at shutdown is delivered by the next process to the original interaction, once', async ({
    world: { video },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'discord-restart-'));
    const env = { STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}` };
    // The first process's app is the test's own: it closes it mid-test, as a stopping process does.
    const { app: first } = await appFor(video, env);
    const world = await startDiscordWorld({ video, app: first, bot: { messageContent: true } });
    const emu = world.discord;
    try {
      const firstBot = world.bot;
      const handle = await emu.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:ms=2500] survives a restart' }],
      });
      await handle.waitForOriginal((m) => m.content.includes('%'), 10_000);
      // SIGTERM: stop taking commands (newcomers are told why), wait briefly, leave the job for the next start.
      const stopping = firstBot.stop(1000);
      const late = await emu.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'too late' }],
      });
      await late.waitForAck();
      expect(late.ack?.ephemeral).toBe(true);
      expect(late.original()?.content).toContain('restarting');
      await stopping;
      await first.close();
      const unfinished = handle.edits().length;
      expect(handle.original()?.attachments).toHaveLength(0);

      const { app: second, bot: secondBot, close: closeSecond } = await world.startProcess({ env });
      try {
        const settled = await second.runner?.startWorkers((record) => secondBot.replyFor(record));
        expect(settled?.map((r) => r.status)).toEqual(['completed']);
        const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 10_000);
        expect(final.attachments[0]?.bytes).toEqual(video.mp4);
        expect(handle.edits().length).toBeGreaterThan(unfinished);
        expect(posted(video)).toHaveLength(1);
        expect(
          emu.messages(channelId).filter((m) => m.attachments.length > 0 && m.author.id !== alice.id),
        ).toHaveLength(1);
      } finally {
        await closeSecond(500);
      }
    } finally {
      await world.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uploads the video once even when sending it outlasts the request timeout of every other call', async ({
    world: { video },
  }) => {
    // Everything answers at once except uploads, which take longer than the bot's usual request timeout
    // (discord.js's 15 s, shortened here): a video that takes long to send is not cut off and sent again.
    const slow = await startDiscordWorld({ video, bot: { messageContent: true, restTimeoutMs: 1000 } });
    const emu = slow.discord;
    try {
      emu.configure({ uploadLatencyMs: 1500 });
      const handle = await emu.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a slow upload' }],
      });
      const ask = await emu.userMessage({
        channelId,
        guildId,
        author: bob,
        content: 'a slow upload too',
        mentionsBot: true,
        attachments: [{ filename: 'red.png', contentType: 'image/png', bytes: await png('#e00000') }],
      });
      const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
      const reply = await botReplyTo(emu, ask, (m) => m.attachments.length > 0);
      expect(final.attachments[0]?.bytes).toEqual(video.mp4);
      expect(reply.attachments[0]?.bytes).toEqual(video.mp4);
      // One upload each (by interaction token, and to the bot's channel message), none cut off and retried.
      const uploads = emu.requests.filter((r) => r.files.length > 0 || r.status === 0);
      expect(uploads.map((r) => [r.route, r.status]).sort()).toEqual([
        ['PATCH /channels/:channel_id/messages/:message_id', 200],
        ['PATCH /webhooks/:application_id/:token/messages/@original', 200],
      ]);
    } finally {
      await slow.close();
    }
  });

  it('acknowledges a burst of 200 interactions from 200 users, every one inside the 3 s deadline', async ({
    world: { video },
  }) => {
    const users = Array.from({ length: 200 }, (_, i) => ({
      id: snowflake(),
      username: `user${i}`,
    }));
    const burst = await startDiscordWorld({ video, members: users, bot: { messageContent: true } });
    const emu = burst.discord;
    try {
      const handles = await Promise.all(
        users.map((user) =>
          emu.slashCommand({
            channelId,
            guildId,
            user,
            name: 'imagine',
            options: [{ name: 'prompt', value: `[emu:ms=60000] burst ${user.username}` }],
          }),
        ),
      );
      await Promise.all(handles.map((h) => h.waitForAck(5000)));
      const latencies = handles.map((h) => h.ackLatencyMs ?? Infinity).sort((a, b) => a - b);
      // 200: deferred with `with_response`, so the reply message's id comes back.
      expect(handles.every((h) => h.ack?.type === 5 && h.ack.status === 200)).toBe(true);
      expect(latencies.at(-1)).toBeLessThan(3000);
    } finally {
      await burst.bot.stop(0);
      await burst.close();
    }
  });
});
