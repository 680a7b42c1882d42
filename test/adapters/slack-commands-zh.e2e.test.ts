import { describe, expect } from 'vitest';
import { slackWorldTest } from '../world/fixtures.js';
import { slackSeed, type SlackWorld } from '../world/slack.js';

/**
 * The commands' answers in a zh-CN Slack user's language (users.info with include_locale), through real
 * Bolt and the emulator.
 */

const ZH_USER = 'U0LIHUA';
const it = slackWorldTest({
  env: { QUOTA_DEFAULT: '20', QUOTA_PERIOD: 'day' },
  users: [{ id: ZH_USER, name: 'lihua', locale: 'zh-CN' }],
});
const { general } = slackSeed;

/** Sends a slash command and returns the user's next private answer. */
async function privately(world: SlackWorld, user: string, command: string, text: string): Promise<string> {
  const mine = () => world.slack.timeline.filter((t) => t.ephemeralFor === user);
  const before = mine().length;
  await world.driver.slashCommand({ command, text, user, channel: general });
  await world.slack.waitFor(() => mine().length > before, { timeoutMs: 5000 });
  return mine()[before]?.text ?? '';
}

describe('Slack: a zh-CN user gets the commands’ answers in Chinese', () => {
  it('/quota show, a refused /quota set and /jobs', async ({ world }) => {
    expect(await privately(world, ZH_USER, '/quota', 'show')).toMatch(
      /^你的额度：今天已用 0，上限 20 个视频。将于 \d{4}-\d\d-\d\d 00:00（UTC）重置。$/,
    );
    expect(await privately(world, ZH_USER, '/quota', `set <@${ZH_USER}> 5`)).toMatch(
      /只有.+（或机器人所有者）才能修改额度。$/,
    );
    expect(await privately(world, ZH_USER, '/jobs', '')).toBe(
      '你最近没有在这里生成过视频。试试 `/imagine`。',
    );
  });
});
