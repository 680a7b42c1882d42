import { describe, expect } from 'vitest';
import { MANAGE_GUILD, discordSeed, type DiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * The commands' answers in a zh-CN Discord user's language (docs/i18n.md), through real discord.js and the
 * emulator: the interaction's `locale` picks the language of answers only the user sees.
 */

const it = discordWorldTest({ env: { QUOTA_DEFAULT: '20', QUOTA_PERIOD: 'day' } });
const { guildId, general, alice, bob, admin } = discordSeed;

type User = typeof alice;

async function answer(
  world: DiscordWorld,
  user: User,
  command: {
    name: string;
    subcommand?: string;
    options?: { name: string; value: string | number | boolean; type?: number }[];
  },
  extra: { permissions?: string } = {},
) {
  const handle = await world.discord.slashCommand({
    channelId: general,
    guildId,
    user,
    locale: 'zh-CN',
    ...extra,
    ...command,
  });
  const message = await handle.waitForOriginal((m) => m.content.length > 0, 5000);
  expect(message.ephemeral).toBe(true);
  return message.content;
}

/** English words a translated answer must not contain (the platform's names come from the adapter). */
const ENGLISH = /\b(?:Used|Your|quota|today|resets|limit|Only|can|change)\b/;

describe('Discord: a zh-CN user gets the commands’ answers in Chinese', () => {
  it('/quota show answers in Chinese, numbers and reset time included', async ({ world }) => {
    const text = await answer(world, alice, { name: 'quota', subcommand: 'show' });
    expect(text).toMatch(
      /^你的额度：今天已用 0，上限 20 个视频。将于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（UTC）重置。$/,
    );
    expect(text).not.toMatch(ENGLISH);
  });

  it('refuses a non-admin’s /quota set in Chinese, and answers an admin’s in Chinese', async ({ world }) => {
    const setAlice = {
      name: 'quota',
      subcommand: 'set',
      options: [
        { name: 'user', value: alice.id, type: 6 },
        { name: 'limit', value: 100 },
      ],
    };
    const refused = await answer(world, bob, setAlice);
    // Who the admins are is the platform's word, from the Discord adapter's Formatter in the user's language.
    expect(refused).toMatch(/^⚠️ 只有.+（或机器人所有者）才能修改额度。$/);
    expect(refused).not.toMatch(/\b(?:Only|can|change|quotas)\b/);

    const done = await answer(world, admin, setAlice, { permissions: MANAGE_GUILD });
    expect(done).toBe('alice 的上限现为 100 个视频。');
    const again = await answer(
      world,
      admin,
      { ...setAlice, options: [setAlice.options[0]!, { name: 'limit', value: 5 }] },
      { permissions: MANAGE_GUILD },
    );
    expect(again).toBe('alice 的上限现为 5 个视频（原为 100）。');
  });

  it('/jobs answers in Chinese, and refuses `all` to a non-admin in Chinese', async ({ world }) => {
    expect(await answer(world, alice, { name: 'jobs' })).toBe(
      '你最近没有在这里生成过视频。试试 `/imagine`。',
    );
    const refused = await answer(world, bob, {
      name: 'jobs',
      options: [{ name: 'all', value: true }],
    });
    expect(refused).toMatch(/^⚠️ 只有.+（或机器人所有者）才能列出所有人的任务。$/);
  });

  it('refuses another user’s Cancel press in their language', async ({ world }) => {
    const job = await world.discord.slashCommand({
      channelId: general,
      guildId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: '[emu:ms=3000] a slow lantern' }],
    });
    const progress = await job.waitForOriginal(
      (m) => JSON.stringify(m.components ?? []).includes('cancel:'),
      10_000,
    );
    const cancelId = /"custom_id":"(cancel:[^"]+)"/.exec(JSON.stringify(progress.components))?.[1];
    expect(cancelId).toBeDefined();
    const press = await world.discord.button({
      message: progress,
      customId: cancelId ?? '',
      user: bob,
      locale: 'zh-CN',
    });
    await press.waitForAck();
    expect(press.ack?.ephemeral).toBe(true);
    expect(press.original()?.content).toBe('只有发起人或管理员才能这样做。');
    await job.waitForOriginal((m) => m.attachments.length > 0, 15_000);
  });

  it('/settings answers and refuses in Chinese', async ({ world }) => {
    const notify = { name: 'settings', subcommand: 'notify', options: [{ name: 'state', value: 'on' }] };
    expect(await answer(world, bob, notify)).toBe('你的长视频完成时，机器人会提醒你。');
    const shown = await answer(world, bob, { name: 'settings', subcommand: 'show' });
    expect(shown.startsWith('这里的规则：\n')).toBe(true);
    expect(shown).toContain('\n长视频完成时提醒你：开启');
    const images = { name: 'settings', subcommand: 'images', options: [{ name: 'state', value: 'off' }] };
    expect(await answer(world, bob, images)).toMatch(/^⚠️ 只有.+（或机器人所有者）才能修改这些设置。$/);
    expect(await answer(world, admin, images, { permissions: MANAGE_GUILD })).toBe('这里已关闭图片输入。');
  });

  it('/usage answers an admin and refuses a member in Chinese', async ({ world }) => {
    const report = await answer(world, admin, { name: 'usage' }, { permissions: MANAGE_GUILD });
    expect(report).toMatch(/^本.+今天的用量（将于 \d{4}-\d\d-\d\d 00:00（UTC）重置）：.+。/);
    expect(report).not.toMatch(/\b(?:Usage|today|resets)\b/);
    expect(await answer(world, bob, { name: 'usage' })).toMatch(
      /^⚠️ 只有.+（或机器人所有者）才能查看这里的用量。你可以用 `\/quota show` 查看自己的用量。$/,
    );
  });
});
