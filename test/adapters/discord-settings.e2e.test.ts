import { describe, expect } from 'vitest';
import { discordMessageLink } from '../../adapters/discord/format.js';
import type { App } from '../../src/app.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { DiscordEmulator, StoredMessage } from '../emulators/discord/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { MANAGE_GUILD, discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * /settings rules and /jobs through unmodified discord.js, the Discord emulator and the video-API emulator:
 * refusals happen before any quota is reserved or any request reaches the video API.
 */

const it = discordWorldTest({
  generationMs: 600,
  env: { QUOTA_DEFAULT: '20' },
  bot: { reply: { editIntervalMs: 200 } },
});
const { guildId, general, videos, thread, alice, bob, admin } = discordSeed;

const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const used = async (app: App, userId: string) =>
  (await app.quota.status({ platform: 'discord', spaceId: guildId, userId })).used;

type Option = { name: string; value: string | number | boolean; type?: number };

/** Runs `/settings <subcommand>` and returns the ephemeral answer. */
async function settings(
  discord: DiscordEmulator,
  user: { id: string; username: string },
  subcommand: string,
  options: Option[] = [],
  isAdmin = user === admin,
): Promise<StoredMessage> {
  const handle = await discord.slashCommand({
    channelId: general,
    guildId,
    user,
    ...(isAdmin ? { permissions: MANAGE_GUILD } : {}),
    name: 'settings',
    subcommand,
    options,
  });
  return handle.waitForOriginal((m) => m.content.length > 0, 5000);
}

async function imagine(
  discord: DiscordEmulator,
  user: { id: string; username: string },
  prompt: string,
  extra: { channelId?: string; options?: Option[]; attachments?: Record<string, unknown> } = {},
) {
  return discord.slashCommand({
    channelId: extra.channelId ?? general,
    guildId,
    user,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }, ...(extra.options ?? [])],
    ...(extra.attachments ? { attachments: extra.attachments as never } : {}),
  });
}

/** The ephemeral refusal of an /imagine interaction (the public "thinking…" message is removed). */
async function refusalOf(
  discord: DiscordEmulator,
  handle: Awaited<ReturnType<typeof imagine>>,
): Promise<StoredMessage> {
  await discord.waitFor(() => handle.followups().length > 0, 5000);
  const notice = handle.followups()[0]!;
  expect(notice.ephemeral).toBe(true);
  return notice;
}

describe('Discord /settings: who may change what', () => {
  it('refuses a non-admin change and leaves the settings alone; an admin’s change is saved', async ({
    world: { discord, app },
  }) => {
    const no = await settings(discord, bob, 'ban-add', [{ name: 'pattern', value: 'gore' }]);
    expect(no.ephemeral).toBe(true);
    expect(no.content).toContain(
      'Only server admins with Manage Server (or a bot owner) can change these settings.',
    );
    expect(no.content).not.toMatch(/workspace/i);
    expect((await app.settings.get({ platform: 'discord', spaceId: guildId })).bans).toEqual([]);

    const yes = await settings(discord, admin, 'ban-add', [{ name: 'pattern', value: 'Gore' }]);
    expect(yes.ephemeral).toBe(true);
    expect(yes.content).toBe('Added `gore` to the ban list.');
    const bad = await settings(discord, admin, 'ban-add', [{ name: 'pattern', value: '/(a|a)*(?=!)/' }]);
    expect(bad.content).toContain('lookahead or lookbehind');
  });

  it('shows members the effective rules without the ban list itself', async ({ world: { discord } }) => {
    const shown = await settings(discord, alice, 'show');
    expect(shown.ephemeral).toBe(true);
    expect(shown.content).toContain('Channels: everywhere');
    expect(shown.content).toContain('Image input: allowed');
    expect(shown.content).toContain('Ban list: 1 entry');
    expect(shown.content).not.toContain('gore');
    expect((await settings(discord, admin, 'show')).content).toContain('Ban list (1): `gore`');
  });
});

describe('Discord /imagine under the space rules', () => {
  it('refuses a banned prompt neutrally before reserving quota or calling the API', async ({
    world: { discord, video, app },
  }) => {
    const refused = await refusalOf(discord, await imagine(discord, alice, 'a GORE festival at dawn'));
    expect(refused.content).toContain('This prompt can’t be used here.');
    expect(refused.content).not.toContain('gore');
    expect(await used(app, alice.id)).toBe(0);
    expect(posts(video)).toHaveLength(0);
  });

  it('refuses a banned prompt from the Again button too (every way in passes the same check)', async ({
    world: { discord, video, app },
  }) => {
    const first = await imagine(discord, alice, 'a calm lake at dusk');
    const result = await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const message = discord.message(result.id) ?? first.original()!;
    expect(await used(app, alice.id)).toBe(1);
    await settings(discord, admin, 'ban-add', [{ name: 'pattern', value: '/calm\\s+lake/' }]);
    const customId = /"custom_id":"(again:[^"]+)"/.exec(JSON.stringify(message.components))?.[1] ?? '';
    const again = await discord.button({ message, customId, user: bob });
    await discord.waitFor(() => again.followups().length > 0, 5000);
    expect(again.followups()[0]?.content).toContain('This prompt can’t be used');
    expect(posts(video)).toHaveLength(1);
    expect(await used(app, bob.id)).toBe(0);
    await settings(discord, admin, 'ban-remove', [{ name: 'pattern', value: '/calm\\s+lake/' }]);
  });

  it('restricts the bot to listed channels (and their threads), naming where it may be used', async ({
    world: { discord, video },
  }) => {
    const added = await settings(discord, admin, 'channel-add', [
      { name: 'channel', value: videos, type: 7 },
    ]);
    expect(added.content).toBe(`The bot may now be used in: <#${videos}>.`);
    const refused = await refusalOf(discord, await imagine(discord, alice, 'a fox'));
    expect(refused.content).toContain(`I can only be used in <#${videos}> here.`);
    expect(posts(video)).toHaveLength(0);

    const inThread = await imagine(discord, alice, 'a fox in a thread', { channelId: thread });
    await inThread.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(posts(video)).toHaveLength(1);
    // Without a channel option, the command means the channel it is used in.
    const removed = await discord.slashCommand({
      channelId: videos,
      guildId,
      user: admin,
      permissions: MANAGE_GUILD,
      name: 'settings',
      subcommand: 'channel-remove',
    });
    const answer = await removed.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(answer.content).toContain('the bot may be used everywhere here');
  });

  it('refuses images when image input is off', async ({ world: { discord, video, app } }) => {
    expect((await settings(discord, admin, 'images', [{ name: 'state', value: 'off' }])).content).toBe(
      'Image input is now off here.',
    );
    const png = await testImage({ width: 64, fill: '#f00' });
    const refused = await refusalOf(
      discord,
      await imagine(discord, bob, 'animate this', {
        attachments: { image1: { filename: 'red.png', contentType: 'image/png', bytes: png } },
      }),
    );
    expect(refused.content).toContain('Image input is turned off here');
    expect(posts(video)).toHaveLength(0);
    expect(await used(app, bob.id)).toBe(0);
    await settings(discord, admin, 'images', [{ name: 'state', value: 'on' }]);
  });

  it('fills in the space defaults when the user gives none, and keeps what the user gave', async ({
    world: { discord, video },
  }) => {
    const saved = await settings(discord, admin, 'defaults', [
      { name: 'seconds', value: 3 },
      { name: 'aspect_ratio', value: '9x16' },
    ]);
    expect(saved.content).toContain('Defaults: 3 s, 9:16, 720P (bot default)');
    const plain = await imagine(discord, bob, 'a red kite');
    await plain.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(posts(video)[0]?.body).toMatchObject({ seconds: '3', aspect_ratio: '9:16', resolution: '720P' });
    const own = await imagine(discord, bob, 'a blue kite', { options: [{ name: 'seconds', value: 5 }] });
    await own.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(posts(video)[1]?.body).toMatchObject({ seconds: '5', aspect_ratio: '9:16' });
    const bad = await settings(discord, admin, 'defaults', [{ name: 'aspect_ratio', value: '9:1' }]);
    expect(bad.content).toContain('too wide');
    await settings(discord, admin, 'defaults', [{ name: 'clear', value: true }]);
  });
});

describe('Discord /jobs and notify', () => {
  it('lists the user’s own jobs newest first; `all` only for admins', async ({ world: { discord, app } }) => {
    // A record is marked completed just after its video is delivered.
    for (let i = 0; i < 100 && (await app.jobs.list({ status: 'running' })).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mine = await discord.slashCommand({ channelId: general, guildId, user: bob, name: 'jobs' });
    const list = await mine.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(list.ephemeral).toBe(true);
    const lines = list.content.split('\n');
    expect(lines[0]).toBe('Your 2 most recent videos here, newest first:');
    expect(lines[1]).toContain('✅ done');
    expect(lines[1]).toContain('“a blue kite”');
    expect(lines[1]).toMatch(/<t:\d+:R>/);
    // Slash-command jobs know their reply message (from the deferral's response): a masked link to it.
    expect(lines[1]).toMatch(
      new RegExp(`\\[message\\]\\(<https://discord\\.com/channels/${guildId}/${general}/\\d+>\\)`),
    );
    expect(lines[2]).toContain('“a red kite”');
    expect(list.content).not.toContain('lake');
    expect(list.allowedMentions).toEqual({ parse: [] });

    const refused = await discord.slashCommand({
      channelId: general,
      guildId,
      user: bob,
      name: 'jobs',
      options: [{ name: 'all', value: true }],
    });
    const no = await refused.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(no.content).toContain(
      'Only server admins with Manage Server (or a bot owner) can list everyone’s jobs.',
    );

    const all = await discord.slashCommand({
      channelId: general,
      guildId,
      user: admin,
      permissions: MANAGE_GUILD,
      name: 'jobs',
      options: [{ name: 'all', value: true }],
    });
    const everyone = await all.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(everyone.content).toContain('most recent videos here, newest first:');
    expect(everyone.content).toContain(`<@${alice.id}>`);
    expect(everyone.content).toContain(`<@${bob.id}>`);
    expect(everyone.content).toContain('“a calm lake at dusk”');
    expect(everyone.mentions).toEqual({ users: [], roles: [], everyone: false });
  });

  it('links to the job’s own message when the reference has one', () => {
    const record = {
      spaceId: guildId,
      messageRef: { kind: 'message', channelId: general, messageId: '42', userId: alice.id },
    } as unknown as JobRecord;
    expect(discordMessageLink(record)).toBe(
      `[message](<https://discord.com/channels/${guildId}/${general}/42>)`,
    );
  });

  it('stores a user’s notification opt-out', async ({ world: { discord, app } }) => {
    expect(await app.settings.notifyEnabled('discord', guildId, alice.id)).toBe(true);
    const off = await settings(discord, alice, 'notify', [{ name: 'state', value: 'off' }]);
    expect(off.content).toContain('no longer be mentioned');
    expect(await app.settings.notifyEnabled('discord', guildId, alice.id)).toBe(false);
    expect((await settings(discord, alice, 'show')).content).toContain(
      'Your mention when a long video is ready: off',
    );
  });
});
