import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackResult, slackSeed, type SlackWorld } from '../world/slack.js';
import { buttonTexts } from '../helpers/buttons.js';

/**
 * The language of what the bot says on Slack (docs/i18n.md), through real Bolt and the emulator. Slack has no
 * workspace locale: public messages follow `/settings language`, else DEFAULT_LANGUAGE; answers only the user
 * sees follow the user's locale, which users.info gives when asked with include_locale.
 */

const ZH_USER = 'U0LIHUA';
const it = slackWorldTest({
  generationMs: 500,
  env: { QUOTA_DEFAULT: '20' },
  bot: { reply: fastUpdates(100) },
  users: [{ id: ZH_USER, name: 'lihua', locale: 'zh-CN' }],
});
const { general, admin } = slackSeed;

type World = SlackWorld;

/** Every public text of the job whose prompt is `prompt`, in order (posts and edits). */
const jobTexts = (slack: SlackEmulator, prompt: string) =>
  slack.timeline
    .filter((t) => t.channel === general && t.ephemeralFor === undefined && t.text.includes(prompt))
    .map((t) => t.text);

async function imagine(world: World, user: string, prompt: string): Promise<string[]> {
  await world.driver.slashCommand({ command: '/imagine', text: prompt, user, channel: general });
  await world.slack.waitFor(() => slackResult(world.slack, { prompt }), { timeoutMs: 15_000 });
  return jobTexts(world.slack, prompt);
}

/** Sends a slash command and returns the user's next private answer. */
async function privately(world: World, user: string, command: string, text: string): Promise<string> {
  const mine = () => world.slack.timeline.filter((t) => t.ephemeralFor === user);
  const before = mine().length;
  await world.driver.slashCommand({ command, text, user, channel: general });
  await world.slack.waitFor(() => mine().length > before, { timeoutMs: 5000 });
  return mine()[before]?.text ?? '';
}

describe('Slack: the language of the bot’s words', () => {
  it('answers a zh-CN user privately in Chinese, while the job’s public message stays in the workspace’s English', async ({
    world,
  }) => {
    expect(await privately(world, ZH_USER, '/settings', 'frobnicate')).toMatch(
      /^:warning: 本机器人没有（或已不再提供）`\/settings frobnicate` 这个命令。请使用 `show`、/,
    );
    const texts = await imagine(world, ZH_USER, 'a paper boat, en');
    expect(texts.some((t) => t.startsWith(':clapper: *Generating*'))).toBe(true);
    expect(texts.join('\n')).not.toContain('生成中');
    const calls = world.slack.callsTo('users.info').filter((c) => c.params.user === ZH_USER);
    expect(calls.length).toBeGreaterThan(0);
    expect(String(calls[0]?.params.include_locale)).toBe('true');
  });

  it('writes the job’s progress in Chinese once an admin sets /settings language zh-CN', async ({
    world,
  }) => {
    expect(await privately(world, admin, '/settings', 'language zh-CN')).toBe(
      'The bot now writes public messages here in 简体中文.',
    );
    const texts = await imagine(world, slackSeed.bob, 'a paper boat, zh');
    expect(texts.some((t) => t.startsWith(':clapper: *生成中*'))).toBe(true);
    expect(texts.some((t) => t.startsWith(':white_check_mark: *已完成*'))).toBe(true);
    expect(texts.join('\n')).not.toMatch(/\*(Generating|Done)\*/);
    const result = slackResult(world.slack, { prompt: 'a paper boat, zh' });
    expect(buttonTexts(result?.buttons.blocks)).toEqual(['再来一次', '延长', '删除']);
    expect(result?.buttons.text).toBe('再来一次、延长或删除这个视频');

    // A zh-CN user in a private channel the bot is not in: told privately, in Chinese, how to invite it.
    await world.driver.slashCommand({
      command: '/imagine',
      text: 'a hidden garden, zh',
      user: ZH_USER,
      channel: slackSeed.secret,
    });
    const told = await world.slack.waitFor(
      () => world.slack.timeline.find((t) => t.ephemeralFor === ZH_USER && t.text.includes('/invite')),
      { timeoutMs: 10_000 },
    );
    expect(told.text).toBe(
      ':warning: 我不在这个频道里。请用 `/invite @emulated-bot` 邀请我，然后再试一次。没有开始生成，也没有扣除额度。',
    );
    expect(await privately(world, admin, '/settings', 'language klingon')).toBe(
      ':warning: “klingon” is not a language this bot speaks. Choose `en` or `zh-CN`, or `clear` to follow the default.',
    );
    expect(await privately(world, admin, '/settings', 'language clear')).toMatch(
      /^The language setting here is cleared: public messages are now in English/,
    );
  });
});
