import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackResult, slackSeed } from '../world/slack.js';
import { buttonTexts } from '../helpers/buttons.js';

/**
 * Issue #17 end to end: a zh-CN Slack user (users.info gives the locale) in a workspace whose /settings
 * language is zh-CN runs /imagine through real Bolt and the emulator, and reads every word the bot writes in
 * Chinese: the job's message from its first post to its end, the buttons under the video, and a refusal.
 */

const ZH_USER = 'U0LIHUA';
const it = slackWorldTest({
  generationMs: 500,
  env: { QUOTA_DEFAULT: '1' },
  bot: { reply: fastUpdates(100) },
  users: [{ id: ZH_USER, name: 'lihua', locale: 'zh-CN' }],
});
const { general, admin } = slackSeed;

/** Latin words left once the prompt and Slack's emoji codes are taken out: none, in Chinese. */
const latinWords = (text: string, prompt: string) =>
  text
    .replace(`> ${prompt}`, '')
    .replace(/:[a-z_]+:/g, '')
    .match(/[A-Za-z]{2,}/g) ?? [];

async function privately(slack: SlackEmulator, user: string, run: () => Promise<unknown>): Promise<string> {
  const mine = () => slack.timeline.filter((t) => t.ephemeralFor === user);
  const before = mine().length;
  await run();
  await slack.waitFor(() => mine().length > before, { timeoutMs: 5000 });
  return mine()[before]?.text ?? '';
}

describe('Slack: the whole /imagine flow in Chinese', () => {
  it('shows a zh-CN user the progress, the finished video and a refusal in Chinese', async ({ world }) => {
    const { slack, driver } = world;
    const command = (user: string, name: string, text: string) => () =>
      driver.slashCommand({ command: name, text, user, channel: general });
    expect(await privately(slack, admin, command(admin, '/settings', 'language zh-CN'))).toBe(
      'The bot now writes public messages here in 简体中文.',
    );

    const prompt = 'a paper boat on the lake';
    await command(ZH_USER, '/imagine', prompt)();
    const result = await slack.waitFor(() => slackResult(slack, { prompt }), { timeoutMs: 15_000 });
    const texts = slack.timeline
      .filter((t) => t.channel === general && t.ephemeralFor === undefined && t.text.includes(prompt))
      .map((t) => t.text);
    // The acknowledgement is the job's first public message, with its Cancel button.
    expect(texts[0]).toMatch(/^:clapper: \*即将开始\* · /);
    const first = slack.timeline.find((t) => t.text === texts[0]);
    expect(buttonTexts(first?.blocks)).toEqual(['取消']);
    expect(texts.some((t) => t.startsWith(':clapper: *生成中* · '))).toBe(true);
    expect(result.share.text).toBe(`:white_check_mark: *已完成*\n> ${prompt}\n_6 秒 · 16:9 · 720P_`);
    for (const text of texts) expect(latinWords(text, prompt), text).toEqual([]);
    expect(buttonTexts(result.buttons.blocks)).toEqual(['再来一次', '延长', '删除']);
    expect(result.buttons.text).toBe('再来一次、延长或删除这个视频');

    expect(await privately(slack, ZH_USER, command(ZH_USER, '/imagine', 'a kite'))).toMatch(
      /^:warning: 你今天的额度为 1 个视频，已用 1。你的额度将于 \d{4}-\d\d-\d\d 00:00（UTC）重置。$/,
    );
    expect(await privately(slack, ZH_USER, command(ZH_USER, '/imagine', 'x'.repeat(5000)))).toBe(
      ':warning: 你的提示词有 5,000 个字符，上限是 4,096 个。',
    );
  });

  it('answers a zh-CN user’s unreadable form in Chinese, before any settings are read', async ({ world }) => {
    const submitted = await world.driver.viewSubmission({
      callbackId: 'animate_modal',
      user: ZH_USER,
      privateMetadata: 'not the metadata the bot wrote',
      values: { prompt: { prompt: 'the sun sets' } },
    });
    expect(submitted.json).toEqual({
      response_action: 'errors',
      errors: { prompt: '无法读取这个表单，请重新打开。' },
    });
  });
});
