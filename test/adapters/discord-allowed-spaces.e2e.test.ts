import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { DiscordEmulator, StoredMessage } from '../emulators/discord/server.js';
import { testImage } from '../helpers/images.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * ALLOWED_SPACES on Discord, through real discord.js and the emulators: a server the list does not name (and
 * DMs, unless `discord:dm` is listed) hears only an ephemeral "not enabled" and nothing starts there: no
 * job, no quota, no image download, no call to the video API, no public message.
 */

const { guildId, general, closedGuildId, closedChannelId, alice, bob } = discordSeed;
const it = discordWorldTest({
  generationMs: 600,
  // Alice owns the bot: the list applies to owners too.
  env: { QUOTA_DEFAULT: '20', ALLOWED_SPACES: `discord:${guildId}`, OWNER_IDS: `discord:${alice.id}` },
  bot: { messageContent: true },
});

const NOT_IN_SERVER = 'This bot isn’t enabled in this server.';
const NOT_IN_DMS = 'This bot isn’t enabled in direct messages.';
const png = () => testImage({ width: 64, height: 48, fill: '#00a0ff' });

/** Messages other than the user's own in a channel: what the bot posted there for everyone to see. */
const publicBotMessages = (discord: DiscordEmulator, channelId: string) =>
  discord.messages(channelId).filter((m) => m.author.id === discord.botUser.id && !m.ephemeral);

/** The core logged its refusal: the event was handled, so silence afterwards is a decision, not a delay. */
async function refusalLogged(discord: DiscordEmulator, lines: string[], before: number): Promise<void> {
  await discord.waitFor(() => lines.slice(before).some((l) => l.includes('"kind":"not_enabled"')), 5000);
}

describe('a server ALLOWED_SPACES does not list', () => {
  it('/imagine gets an ephemeral "not enabled" and starts nothing, even for a bot owner', async ({
    world,
  }) => {
    const { discord, app } = world;
    const handle = await discord.slashCommand({
      guildId: closedGuildId,
      channelId: closedChannelId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a lighthouse in fog' }],
      attachments: { image1: { filename: 'sea.png', contentType: 'image/png', bytes: await png() } },
    });
    await handle.waitForAck();
    expect(handle.ack?.type).toBe(4);
    expect(handle.ack?.ephemeral).toBe(true);
    expect(handle.original()?.content).toBe(NOT_IN_SERVER);
    expect(world.posts()).toHaveLength(0);
    expect(discord.cdnRequests).toHaveLength(0);
    expect(publicBotMessages(discord, closedChannelId)).toHaveLength(0);
    expect(
      (await app.quota.status({ platform: 'discord', spaceId: closedGuildId, userId: alice.id })).used,
    ).toBe(0);
    expect(await app.jobs.list({ spaceId: closedGuildId })).toHaveLength(0);
  });

  it('other commands get the same answer, not their own', async ({ world: { discord } }) => {
    for (const name of ['quota', 'jobs']) {
      const handle = await discord.slashCommand({
        guildId: closedGuildId,
        channelId: closedChannelId,
        user: alice,
        name,
      });
      await handle.waitForAck();
      expect(handle.ack?.ephemeral).toBe(true);
      expect(handle.original()?.content).toBe(NOT_IN_SERVER);
    }
  });

  it('a mention replying to an image stays silent there, downloads nothing and starts nothing', async ({
    world,
  }) => {
    const { discord } = world;
    const image = await discord.userMessage({
      channelId: closedChannelId,
      guildId: closedGuildId,
      author: alice,
      content: 'the harbour',
      attachments: [{ filename: 'harbour.png', contentType: 'image/png', bytes: await png() }],
    });
    const before = world.logLines.length;
    await discord.userMessage({
      channelId: closedChannelId,
      guildId: closedGuildId,
      author: alice,
      content: 'make the boats rock',
      mentionsBot: true,
      replyTo: image,
    });
    await refusalLogged(discord, world.logLines, before);
    expect(publicBotMessages(discord, closedChannelId)).toHaveLength(0);
    expect(discord.cdnRequests).toHaveLength(0);
    expect(world.posts()).toHaveLength(0);
  });

  it('Animate on a message there answers "not enabled" instead of opening its form', async ({
    world: { discord },
  }) => {
    const image = await discord.userMessage({
      channelId: closedChannelId,
      guildId: closedGuildId,
      author: alice,
      content: 'a kite',
      attachments: [{ filename: 'kite.png', contentType: 'image/png', bytes: await png() }],
    });
    const menu = await discord.messageContextMenu({ name: 'Animate', targetMessage: image, user: bob });
    await menu.waitForAck();
    expect(menu.ack?.type).toBe(4);
    expect(menu.ack?.ephemeral).toBe(true);
    expect(menu.original()?.content).toBe(NOT_IN_SERVER);
    expect(menu.modal()).toBeUndefined();
  });

  it('a prompt form submitted there is refused the same way', async ({ world }) => {
    const { discord } = world;
    for (const customId of ['animate:1210000000000000099', 'varied:some-job']) {
      const submit = await discord.modalSubmit({
        guildId: closedGuildId,
        channelId: closedChannelId,
        user: alice,
        customId,
        fields: { prompt: 'the kite climbs' },
      });
      await submit.waitForAck();
      expect(submit.ack?.ephemeral).toBe(true);
      expect(submit.original()?.content).toBe(NOT_IN_SERVER);
    }
    expect(world.posts()).toHaveLength(0);
  });
});

describe('a listed server', () => {
  it('runs /imagine as usual', async ({ world: { discord, video } }) => {
    const handle = await discord.slashCommand({
      guildId,
      channelId: general,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a lighthouse at dawn' }],
    });
    const done = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(done.attachments[0]?.bytes).toEqual(video.mp4);
  });
});

describe('direct messages', () => {
  it('are refused unless discord:dm is listed: a slash command and a mention alike', async ({ world }) => {
    const { discord } = world;
    const handle = await discord.slashCommand({
      user: bob,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a paper plane' }],
    });
    await handle.waitForAck();
    expect(handle.ack?.ephemeral).toBe(true);
    expect(handle.original()?.content).toBe(NOT_IN_DMS);

    // Only the user and the bot see a DM, so the mention gets its answer there.
    const dm = discord.dmChannel(bob);
    const ask = await discord.userMessage({
      channelId: dm.id,
      author: bob,
      content: 'make it fly',
      mentionsBot: true,
      attachments: [{ filename: 'plane.png', contentType: 'image/png', bytes: await png() }],
    });
    const answer = await discord.waitFor(
      () => discord.messages(dm.id).find((m) => m.reference?.messageId === ask.id),
      5000,
    );
    expect(answer.content).toBe(NOT_IN_DMS);
    expect(discord.cdnRequests.filter((r) => r.path.includes('plane.png'))).toHaveLength(0);
    expect(world.posts()).toHaveLength(0);
  });

  it('work once discord:dm is listed', async ({ world: { video } }) => {
    const withDms = await startDiscordWorld({
      video,
      env: { ALLOWED_SPACES: `discord:${guildId},discord:dm` },
    });
    try {
      const handle = await withDms.discord.slashCommand({
        user: bob,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a paper plane' }],
      });
      const done = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
      expect(done.attachments[0]?.bytes).toEqual(video.mp4);
    } finally {
      await withDms.close();
    }
  });
});

describe('a server taken off the list', () => {
  it('refuses the buttons of the jobs it ran there: Again, Vary, Cancel and Delete', async ({
    world: { video },
  }) => {
    // One store for both runs, so without the check Again and Vary would really start jobs again.
    const dir = await mkdtemp(join(tmpdir(), 'allowed-spaces-'));
    const env = { STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`, QUOTA_DEFAULT: '20' };
    const before = await startDiscordWorld({
      video,
      env: { ...env, ALLOWED_SPACES: `discord:${guildId}` },
    });
    try {
      const first = await before.discord.slashCommand({
        guildId,
        channelId: general,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a lantern on water' }],
      });
      await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
      const result: StoredMessage = before.discord.message(first.original()!.id)!;
      // A job still running when the bot restarts, with its Cancel button.
      const slow = await before.discord.slashCommand({
        guildId,
        channelId: general,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a slow tide [emu:ms=60000]' }],
      });
      const running = await slow.waitForOriginal((m) => JSON.stringify(m.components).includes('cancel:'));
      const posts = before.posts().length;

      await before.bot.stop(200);
      const after = await before.startProcess({ env: { ...env, ALLOWED_SPACES: 'discord:dm' } });
      const presses: Array<[StoredMessage, string]> = [
        [result, 'again:'],
        [result, 'vary:'],
        [before.discord.message(running.id)!, 'cancel:'],
        [result, 'delete:'],
      ];
      for (const [message, prefix] of presses) {
        const press = await before.discord.button({
          message,
          customId: buttonId(message, prefix),
          user: alice,
        });
        await press.waitForAck();
        expect(press.ack?.type, prefix).toBe(4);
        expect(press.ack?.ephemeral, prefix).toBe(true);
        expect(press.original()?.content, prefix).toBe(NOT_IN_SERVER);
      }
      expect(before.posts()).toHaveLength(posts);
      expect(before.discord.message(result.id)?.deletedAt).toBeNull();
      expect((await after.app.jobs.get(jobIdOf(running)))?.status).not.toBe('cancelled');
      await after.close();
    } finally {
      await before.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function buttonId(message: StoredMessage, prefix: string): string {
  const match = new RegExp(`"custom_id":"(${prefix}[^"]+)"`).exec(JSON.stringify(message.components));
  if (!match?.[1]) throw new Error(`no ${prefix} button`);
  return match[1];
}

function jobIdOf(message: StoredMessage): string {
  return buttonId(message, 'cancel:').slice('cancel:'.length);
}
