import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import { testImage } from '../helpers/images.js';
import { refusalOf } from '../helpers/discord-refusal.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';
import { buttonLabels } from '../helpers/buttons.js';

/**
 * Issue #17 end to end: a zh-CN user in a zh-CN server runs /imagine through real discord.js and the emulator
 * and reads every word the bot writes in Chinese: the job's message from its first edit to its end, the
 * finished video's buttons, and the refusals (a prompt too long, a spent quota).
 */

const it = discordWorldTest({
  generationMs: 500,
  env: { QUOTA_DEFAULT: '1' },
  bot: { reply: { editIntervalMs: 100 } },
  guildLocale: 'zh-CN',
});
/** A server whose locale says English, so a Chinese text can only come from the user's own locale. */
const inEnglishServer = discordWorldTest({ generationMs: 300 });
const { guildId, general, alice, bob } = discordSeed;

function imagine(discord: DiscordEmulator, prompt: string): Promise<InteractionHandle> {
  return discord.slashCommand({
    channelId: general,
    guildId,
    user: alice,
    locale: 'zh-CN',
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
}

/** Latin words left in a text once the user's own prompt and mentions are taken out: none, in Chinese. */
const latinWords = (text: string, prompt: string) =>
  text
    .replace(`> ${prompt}`, '')
    .replace(/<@\d+>/g, '')
    .match(/[A-Za-z]{2,}/g) ?? [];

describe('Discord: the whole /imagine flow in Chinese', () => {
  it('shows a zh-CN user the progress, the finished video and the refusals in Chinese', async ({ world }) => {
    const { discord } = world;

    const long = await imagine(discord, 'x'.repeat(5000));
    expect(await refusalOf(discord, long)).toBe('你的提示词有 5,000 个字符，上限是 4,096 个。');

    const prompt = 'a lantern over the river';
    const handle = await imagine(discord, prompt);
    const done = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    // The acknowledgement is a public deferral ("thinking…", drawn by the user's own client), then the edits.
    expect(handle.callbacks[0]?.type).toBe(5);
    expect(handle.callbacks[0]?.ephemeral).toBe(false);
    const texts = handle
      .edits()
      .map((m) => m.content)
      .filter((c) => c !== '');
    expect(texts[0]).toMatch(/^🎬 \*\*即将开始\*\* · /);
    expect(texts.some((t) => t.startsWith('🎬 **生成中** · '))).toBe(true);
    expect(done.content).toBe(`✅ **已完成**\n> ${prompt}\n-# 6 秒 · 16:9 · 720P · 发起人 <@${alice.id}>`);
    for (const text of texts) expect(latinWords(text, prompt), text).toEqual([]);
    expect(buttonLabels(done.components)).toEqual(['再来一次', '调整', '延长', '删除']);

    const spent = await imagine(discord, 'a kite');
    expect(await refusalOf(discord, spent)).toMatch(
      /^⚠️ 你今天的额度为 1 个视频，已用 1。你的额度将于 \d{4}-\d\d-\d\d 00:00（UTC）重置。$/,
    );
  });

  inEnglishServer(
    'opens the Animate form and refuses it in the user’s locale, before any settings are read',
    async ({ world: { discord } }) => {
      // An English server: only the interaction's locale says Chinese, and the adapter's own texts follow it.
      const text = await discord.userMessage({
        channelId: general,
        guildId,
        author: alice,
        content: 'no pictures',
      });
      const refused = await discord.messageContextMenu({
        name: 'Animate',
        targetMessage: text,
        user: bob,
        locale: 'zh-CN',
      });
      await refused.waitForAck();
      expect(refused.ack?.ephemeral).toBe(true);
      expect(refused.original()?.content).toBe(
        '那条消息里没有可以做成动画的图片。只用文字生成视频，请使用 `/imagine`。',
      );

      const image = await discord.userMessage({
        channelId: general,
        guildId,
        author: alice,
        content: 'a paper boat',
        attachments: [
          {
            filename: 'boat.png',
            contentType: 'image/png',
            bytes: await testImage({ width: 16, height: 12, fill: '#0000e0' }),
          },
        ],
      });
      const menu = await discord.messageContextMenu({
        name: 'Animate',
        targetMessage: image,
        user: bob,
        locale: 'zh-CN',
      });
      await menu.waitForAck();
      expect(menu.modal()?.title).toBe('生成动画');
      expect(JSON.stringify(menu.modal()?.components)).toContain('"label":"提示词"');
    },
  );

  it('answers a mention without images in the server’s locale, before any settings are read', async ({
    world: { discord },
  }) => {
    // A mention carries no user locale: the server's preferred_locale speaks for it.
    const ask = await discord.userMessage({
      channelId: general,
      guildId,
      author: alice,
      content: 'make it move',
      mentionsBot: true,
    });
    const help = await discord.waitFor(
      () =>
        discord.messages(general).find((m) => m.reference?.messageId === ask.id && m.author.id !== alice.id),
      10_000,
    );
    expect(help.content).toMatch(/^请在回复带图片的消息时提及我/);
  });
});
