import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import { discordSeed, MANAGE_GUILD } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * A public bot on real discord.js and the Discord emulator: a user who creates a server of their own is its
 * admin there, yet QUOTA_GLOBAL_PER_USER still counts them across every server, and only bot owners change it.
 */

const { guildId, general, alice, bob, carol } = discordSeed;
const it = discordWorldTest({
  generationMs: 300,
  env: {
    QUOTA_DEFAULT: '2',
    QUOTA_MAX: '1000',
    QUOTA_GLOBAL_PER_USER: '3',
    // carol runs the bot; she is no admin of the seeded guild.
    OWNER_IDS: `discord:${carol.id}`,
  },
});

/** Bob's own server: he created it, so Discord gives him every permission there. */
const bobsGuild = { id: '1210000000000000100', channel: '1210000000000000101' };
/** Someone who shares no server with the bot owner's guild: only in Bob's. */
const dave = { id: '1210000000000000102', username: 'dave' };

async function imagine(
  discord: DiscordEmulator,
  where: { guildId: string; channelId: string },
  prompt: string,
) {
  return discord.slashCommand({
    ...where,
    user: bob,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
}

async function delivered(handle: InteractionHandle): Promise<void> {
  await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
}

/** The ephemeral answer a refused /imagine gets. */
async function refusalOf(discord: DiscordEmulator, handle: InteractionHandle): Promise<string> {
  await discord.waitFor(() => handle.followups().length > 0, 5000);
  const notice = handle.followups()[0];
  expect(notice?.ephemeral).toBe(true);
  return notice?.content ?? '';
}

/** A private /quota answer (the command's one reply). */
async function answerOf(handle: InteractionHandle): Promise<string> {
  const answer = await handle.waitForOriginal((m) => m.content.length > 0, 5000);
  expect(answer.ephemeral).toBe(true);
  return answer.content;
}

describe('own-server bypass', () => {
  it('refuses a user past the global limit although they gave themselves QUOTA_MAX on a server of their own', async ({
    world: { discord, posts, app },
  }) => {
    discord.addGuild({
      id: bobsGuild.id,
      ownerId: bob.id,
      channels: [{ id: bobsGuild.channel, name: 'bobs-videos' }],
      members: [{ user: bob }, { user: dave }],
    });
    const home = { guildId, channelId: general };
    const own = { guildId: bobsGuild.id, channelId: bobsGuild.channel };
    await delivered(await imagine(discord, home, 'one'));
    await delivered(await imagine(discord, home, 'two'));

    // On his own server Bob is an admin (the owner gets Manage Server): he lifts his quota to the maximum.
    const lift = await discord.slashCommand({
      ...own,
      user: bob,
      name: 'quota',
      subcommand: 'set',
      options: [
        { name: 'user', value: bob.id, type: 6 },
        { name: 'limit', value: 1000 },
      ],
    });
    expect(await answerOf(lift)).toBe('bob’s limit is now 1,000 videos.');
    await delivered(await imagine(discord, own, 'three'));

    const before = posts().length;
    const fourth = await imagine(discord, own, 'four');
    expect(await refusalOf(discord, fourth)).toMatch(
      /^⚠️ You have used 3 of your 3 videos everywhere you use this bot today\. Your limit resets at \d{4}-\d\d-\d\d 00:00 UTC\.$/,
    );

    // Clearing his usage on his own server clears that server's counter, not the global one.
    const reset = await discord.slashCommand({
      ...own,
      user: bob,
      name: 'quota',
      subcommand: 'reset',
      options: [{ name: 'user', value: bob.id, type: 6 }],
    });
    expect(await answerOf(reset)).toBe('bob’s usage for this period is cleared (was 1).');
    const fifth = await imagine(discord, own, 'five');
    expect(await refusalOf(discord, fifth)).toMatch(/used 3 of your 3 videos everywhere you use this bot/);
    expect(posts()).toHaveLength(before);
    expect((await app.quota.globalStatus({ platform: 'discord', userId: bob.id })).used).toBe(3);
  });
});

describe('/quota global', () => {
  it('refuses a server admin who is not a bot owner, even on their own server', async ({
    world: { discord },
  }) => {
    for (const [where, permissions] of [
      [{ guildId: bobsGuild.id, channelId: bobsGuild.channel }, undefined],
      [{ guildId, channelId: general }, MANAGE_GUILD],
    ] as const) {
      const attempt = await discord.slashCommand({
        ...where,
        user: bob,
        ...(permissions ? { permissions } : {}),
        name: 'quota',
        subcommandGroup: 'global',
        subcommand: 'set',
        options: [
          { name: 'user', value: bob.id, type: 6 },
          { name: 'limit', value: 100 },
        ],
      });
      expect(await answerOf(attempt)).toBe(
        '⚠️ Only a bot owner can see or change a user’s limit everywhere this bot runs.',
      );
    }
  });

  it('lets a bot owner show, set and reset anyone’s global limit, members of this server or not', async ({
    world: { discord },
  }) => {
    const owner = { guildId, channelId: general, user: carol, name: 'quota', subcommandGroup: 'global' };
    const shown = await discord.slashCommand({
      ...owner,
      subcommand: 'show',
      options: [{ name: 'user', value: bob.id, type: 6 }],
    });
    expect(await answerOf(shown)).toMatch(
      /^bob: Used 3 of 3 videos across all servers today \(the default\)\. It resets at .* UTC\.$/,
    );

    const set = await discord.slashCommand({
      ...owner,
      subcommand: 'set',
      options: [
        { name: 'user', value: bob.id, type: 6 },
        { name: 'limit', value: 4 },
      ],
    });
    expect(await answerOf(set)).toBe('bob’s limit across all servers is now 4 videos.');
    await delivered(await imagine(discord, { guildId: bobsGuild.id, channelId: bobsGuild.channel }, 'six'));

    const reset = await discord.slashCommand({
      ...owner,
      subcommand: 'reset',
      options: [{ name: 'user', value: bob.id, type: 6 }],
    });
    expect(await answerOf(reset)).toBe('bob’s usage across all servers for this period is cleared (was 4).');

    // Dave is in Bob's server only: the owner still reaches him from here.
    const elsewhere = await discord.slashCommand({
      ...owner,
      subcommand: 'set',
      options: [
        { name: 'user', value: dave.id, type: 6 },
        { name: 'limit', value: 0 },
      ],
    });
    expect(await answerOf(elsewhere)).toBe('dave’s limit across all servers is now 0 videos.');
    const refused = await discord.slashCommand({
      guildId: bobsGuild.id,
      channelId: bobsGuild.channel,
      user: dave,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'hello' }],
    });
    expect(await refusalOf(discord, refused)).toMatch(/your limit everywhere you use this bot is 0/);
  });

  it('lets any user see their own usage across servers, and /quota show mentions it', async ({
    world: { discord },
  }) => {
    const mine = await discord.slashCommand({
      guildId,
      channelId: general,
      user: alice,
      name: 'quota',
      subcommandGroup: 'global',
      subcommand: 'show',
    });
    expect(await answerOf(mine)).toMatch(/^Your usage: Used 0 of 3 videos across all servers today/);
    const show = await discord.slashCommand({
      guildId: bobsGuild.id,
      channelId: bobsGuild.channel,
      user: bob,
      name: 'quota',
      subcommand: 'show',
    });
    expect(await answerOf(show)).toMatch(
      /^Your quota: Used 1 of 1,000 videos today\. Across all servers: 0 of 4 videos\. It resets at/,
    );
  });
});
