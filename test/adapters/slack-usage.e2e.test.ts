import { describe, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackResult, slackSeed } from '../world/slack.js';

/**
 * /usage on Slack, through Bolt and the emulators: a workspace admin sees this workspace's period — total,
 * by model, users — and one member's (`/usage @bob`); a member is refused and pointed to /quota show; a bot
 * owner sees the whole bot (`/usage --scope bot`). Every answer is ephemeral.
 */

const { general: GENERAL, admin: ADMIN, alice: ALICE, bob: BOB, carol: CAROL, teamId } = slackSeed;
const it = slackWorldTest({
  generationMs: 200,
  env: {
    QUOTA_UNIT: 'credits',
    QUOTA_DEFAULT: '100',
    VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3',
    PRICES: 'grok-imagine-video:1/s,grok-video-1.5:2/s,grok-video-3:3/s',
    OWNER_IDS: `slack:${CAROL}`,
  },
  bot: { reply: fastUpdates(200) },
});

/**
 * Makes one job and waits until its end is both settled (no reservation left) and shown: the video shared, or
 * the failure posted. A later /usage must find no message of this job still on its way.
 */
async function made(
  driver: SlackDriver,
  slack: SlackEmulator,
  app: App,
  user: string,
  text: string,
  shown: { prompt: string } | { failure: string },
): Promise<void> {
  const before = (await app.jobs.list({ userId: user })).length;
  await driver.slashCommand({ command: '/imagine', text, user, channel: GENERAL });
  await expect
    .poll(
      async () => {
        const records = await app.jobs.list({ userId: user });
        return records.length > before && records.every((r) => r.reservation !== 'reserved');
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
  await slack.waitFor(
    () =>
      'prompt' in shown
        ? slackResult(slack, shown)
        : slack.messages.find(
            (m) =>
              m.user === slack.identity.botUserId &&
              m.ephemeralFor === undefined &&
              m.text.includes(shown.failure),
          ),
    { timeoutMs: 5000 },
  );
}

async function usage(driver: SlackDriver, slack: SlackEmulator, user: string, text = ''): Promise<string> {
  const from = slack.timeline.length;
  await driver.slashCommand({ command: '/usage', text, user, channel: GENERAL });
  const answer = await slack.waitFor(
    () => slack.timeline.slice(from).find((t) => t.ephemeralFor === user && t.text.length > 0),
    { timeoutMs: 5000 },
  );
  const shown = slack.timeline.slice(from).filter((t) => t.user === slack.identity.botUserId);
  expect(shown.filter((t) => t.ephemeralFor === undefined)).toHaveLength(0);
  return answer.text;
}

describe('Slack: /usage', () => {
  it('shows admins the total, by model and by user; one member’s; owners the whole bot; refuses the rest', async ({
    world: { driver, slack, app },
  }) => {
    await made(driver, slack, app, ALICE, 'a lighthouse --model grok-video-3 --seconds 10', {
      prompt: 'a lighthouse',
    });
    await made(driver, slack, app, BOB, 'a fox --seconds 6', { prompt: 'a fox' });
    await made(driver, slack, app, ALICE, '[emu:fail=Prompt rejected by safety filter] x', {
      failure: 'safety filter',
    });

    const all = await usage(driver, slack, ADMIN);
    expect(all.split('\n')).toEqual([
      expect.stringMatching(
        /^Usage in this workspace today \(it resets at \d{4}-\d\d-\d\d 00:00 UTC\): 36 credits \(2 videos\)\.$/,
      ),
      'By model:',
      '• grok-video-3: 30 credits (1 video)',
      '• grok-imagine-video: 6 credits (1 video)',
      'Users:',
      `• \`${ALICE}\`: 30 credits (1 video)`,
      `• \`${BOB}\`: 6 credits (1 video)`,
      'Given back (failed or cancelled in time): 1 video.',
    ]);

    const one = await usage(driver, slack, ADMIN, `<@${BOB}|bob>`);
    expect(one).toMatch(
      new RegExp(`^Usage of \`${BOB}\` in this workspace today .*: 6 credits \\(1 video\\)\\.\\n`),
    );
    expect(one).not.toContain('Users:');

    const refused = await usage(driver, slack, ALICE);
    expect(refused).toContain('Only workspace admins and owners (or a bot owner) can see usage here.');
    expect(refused).toContain('`/quota show`');
    expect(await usage(driver, slack, ADMIN, '--scope bot')).toContain(
      'Only a bot owner can see the whole bot’s usage.',
    );

    const bot = await usage(driver, slack, CAROL, '--scope bot');
    expect(bot).toMatch(/^Usage of the whole bot today .*: 36 credits \(2 videos\)\.\n/);
    expect(bot).toContain(`• slack:${teamId}: 36 credits (2 videos)`);
  });
});
