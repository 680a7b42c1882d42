import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import { refusalOf } from '../helpers/discord-refusal.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * The core's refusals (src/: the generation rules, the quota) reach a zh-CN Discord user in Chinese through
 * real discord.js and the emulator, in an English server whose job messages stay English: a refusal before
 * anything is acknowledged (the dispatcher's) and one the runner says after the deferral (the quota's).
 */

const it = discordWorldTest({ generationMs: 300, env: { QUOTA_DEFAULT: '1' } });
const { guildId, general: channelId, alice } = discordSeed;

function imagine(discord: DiscordEmulator, prompt: string, locale: string): Promise<InteractionHandle> {
  return discord.slashCommand({
    channelId,
    guildId,
    user: alice,
    locale,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
}

describe('Discord: the core’s refusals in the user’s language', () => {
  it('refuses a zh-CN user’s too-long prompt and spent quota in Chinese, with the numbers and reset time', async ({
    world: { discord },
  }) => {
    const long = await imagine(discord, 'x'.repeat(5000), 'zh-CN');
    expect(await refusalOf(discord, long)).toMatch(/你的提示词有 5,000 个字符，上限是 4,096 个。$/);

    const first = await imagine(discord, 'a lantern', 'zh-CN');
    await first.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const second = await imagine(discord, 'a kite', 'zh-CN');
    expect(await refusalOf(discord, second)).toMatch(
      /^⚠️ 你今天的额度为 1 个视频，已用 1。你的额度将于 \d{4}-\d\d-\d\d 00:00（UTC）重置。$/,
    );

    // An English user gets the same refusal in English.
    const english = await imagine(discord, 'a boat', 'en-US');
    expect(await refusalOf(discord, english)).toMatch(/^⚠️ You have used 1 of your 1 video today\./);
  });
});
