import { describe, expect } from 'vitest';
import type { InteractionHandle } from '../emulators/discord/server.js';
import { MANAGE_GUILD, discordSeed, type DiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';
import { buttonLabels } from '../helpers/buttons.js';

/**
 * The language of what the bot says on Discord (docs/i18n.md), through real discord.js and the emulator: the
 * job's public message follows the server (its /settings language, else its guild_locale), answers only the
 * user sees follow the user's interaction locale.
 */

const it = discordWorldTest({
  generationMs: 500,
  // A job over a second mentions its requester when it is done (the notification's language).
  env: { QUOTA_DEFAULT: '20', NOTIFY_AFTER_SECONDS: '1' },
  bot: { reply: { editIntervalMs: 100 } },
});
const { guildId, general, alice, bob, admin } = discordSeed;

type World = DiscordWorld;

async function imagine(world: World, user: typeof alice, prompt: string, locale: string) {
  const handle = await world.discord.slashCommand({
    channelId: general,
    guildId,
    user,
    locale,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
  await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
  return handle;
}

/** Every text the job's message showed, in order. */
const revisions = (handle: InteractionHandle) =>
  handle
    .edits()
    .map((m) => m.content)
    .filter((c) => c !== '');

/** Runs with the seeded server's locale (guild_locale, preferred_locale) set to `locale`. */
async function withGuildLocale<T>(world: World, locale: string, run: () => Promise<T>): Promise<T> {
  const guild = world.discord.guild(guildId);
  if (!guild) throw new Error('the seeded guild is missing');
  const before = guild.locale;
  guild.locale = locale;
  try {
    return await run();
  } finally {
    guild.locale = before;
  }
}

describe('Discord: the language of the bot’s words', () => {
  it('shows a zh-CN user in a zh-CN server the job’s progress in Chinese', async ({ world }) => {
    const handle = await withGuildLocale(world, 'zh-CN', () =>
      imagine(world, alice, 'a lantern, zh', 'zh-CN'),
    );
    const texts = revisions(handle);
    expect(texts.some((t) => t.startsWith('🎬 **生成中**'))).toBe(true);
    expect(texts.at(-1)).toMatch(/^✅ \*\*已完成\*\*/);
    expect(texts.join('\n')).not.toMatch(/\*\*(Generating|Done|Starting)\*\*/);
    const [record] = await world.app.jobs.list({ userId: alice.id });
    expect(record?.language).toBe('zh-CN');
  });

  it('labels a zh-CN server’s job buttons and notifies its requester in Chinese', async ({ world }) => {
    const handle = await withGuildLocale(world, 'zh-CN', () =>
      imagine(world, alice, '[emu:ms=1500] a lantern festival, zh', 'zh-CN'),
    );
    const done = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const labels = buttonLabels(done.components);
    expect(labels).toEqual(['再来一次', '调整', '延长', '删除']);
    expect(done.content).toContain('· 发起人 <@');
    const note = await world.discord.waitFor(
      () =>
        world.discord.messages(general).find((m) => m.content.startsWith(`<@${alice.id}> 你的视频已生成`)),
      5000,
    );
    expect(note.content).toMatch(
      new RegExp(`^<@${alice.id}> 你的视频已生成：https://discord\\.com/channels/`),
    );
    expect(note.content).not.toContain('your video is ready');
  });

  it('keeps the public job message English in an English server, but refuses a zh-CN user in Chinese', async ({
    world,
  }) => {
    const handle = await imagine(world, bob, 'a harbour, en', 'zh-CN');
    const texts = revisions(handle);
    expect(texts.some((t) => t.startsWith('🎬 **Generating**'))).toBe(true);
    expect(texts.at(-1)).toMatch(/^✅ \*\*Done\*\*/);

    const stale = await world.discord.slashCommand({
      channelId: general,
      guildId,
      user: bob,
      locale: 'zh-CN',
      name: 'quota',
      subcommand: 'history',
    });
    const answer = await stale.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toBe(
      '本机器人没有（或已不再提供）`/quota history` 这个命令。请使用 `show`、`set`、`reset`或`default` 之一。',
    );
  });

  it('lets an admin’s /settings language beat the server’s locale', async ({ world }) => {
    const set = await world.discord.slashCommand({
      channelId: general,
      guildId,
      user: admin,
      permissions: MANAGE_GUILD,
      locale: 'en-US',
      name: 'settings',
      subcommand: 'language',
      options: [{ name: 'value', value: 'zh-CN' }],
    });
    expect((await set.waitForOriginal((m) => m.content.length > 0, 5000)).content).toBe(
      'The bot now writes public messages here in 简体中文.',
    );
    try {
      // An English-speaking user in a server whose locale says English: the setting wins for public messages.
      const handle = await imagine(world, alice, 'a kite, setting', 'en-US');
      const texts = revisions(handle);
      expect(texts.some((t) => t.startsWith('🎬 **生成中**'))).toBe(true);
      expect(texts.at(-1)).toMatch(/^✅ \*\*已完成\*\*/);

      const show = await world.discord.slashCommand({
        channelId: general,
        guildId,
        user: alice,
        locale: 'en-US',
        name: 'settings',
        subcommand: 'show',
      });
      expect((await show.waitForOriginal((m) => m.content.length > 0, 5000)).content).toContain(
        'Language of public messages here: 简体中文',
      );
    } finally {
      const clear = await world.discord.slashCommand({
        channelId: general,
        guildId,
        user: admin,
        permissions: MANAGE_GUILD,
        locale: 'zh-CN',
        name: 'settings',
        subcommand: 'language',
        options: [{ name: 'value', value: 'clear' }],
      });
      expect((await clear.waitForOriginal((m) => m.content.length > 0, 5000)).content).toBe(
        '已清除这里的语言设置：公开消息现在使用English（即这里的地区语言；若没有，则为机器人的默认语言）。',
      );
    }
    expect(
      (await world.app.settings.get({ platform: 'discord', spaceId: guildId })).language,
    ).toBeUndefined();
  });
});
