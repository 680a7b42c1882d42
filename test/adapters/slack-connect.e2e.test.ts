import { describe, expect } from 'vitest';
import { slackWorldTest } from '../world/fixtures.js';
import { slackSeed } from '../world/slack.js';

/**
 * A Slack Connect channel: a member of another organisation, admin over there, runs admin commands in our
 * workspace. Their admin rights are the other workspace's, so here they are an ordinary member.
 */

const OTHER_TEAM = 'T0OTHERORG';
const EXTERNAL_ADMIN = 'U0EXTADMIN';

const it = slackWorldTest({
  env: { QUOTA_DEFAULT: '2' },
  users: [{ id: EXTERNAL_ADMIN, name: 'mallory', teamId: OTHER_TEAM, isAdmin: true, isOwner: true }],
});
const CHANNEL = slackSeed.general;

describe('Slack Connect: admins of another organisation', () => {
  it('refuses /quota set from an admin of the other team, and still lets our own admin set it', async ({
    world: { driver, slack, used, app },
  }) => {
    await driver.slashCommand({
      command: '/quota',
      text: `set <@${slackSeed.alice}|alice> 10`,
      user: EXTERNAL_ADMIN,
      channel: CHANNEL,
    });
    await slack.waitFor(
      () =>
        slack.timeline.some(
          (t) => t.ephemeralFor === EXTERNAL_ADMIN && t.text.includes('Only workspace admins and owners'),
        ),
      { timeoutMs: 5000 },
    );
    const spaceOf = (userId: string) => ({ platform: 'slack' as const, spaceId: slackSeed.teamId, userId });
    expect((await app.quota.status(spaceOf(slackSeed.alice))).limit).toBe(2);

    await driver.slashCommand({
      command: '/quota',
      text: `set <@${slackSeed.alice}|alice> 10`,
      user: slackSeed.admin,
      channel: CHANNEL,
    });
    await slack.waitFor(
      () => slack.timeline.some((t) => t.ephemeralFor === slackSeed.admin && t.text.includes('is now 10')),
      { timeoutMs: 5000 },
    );
    expect((await app.quota.status(spaceOf(slackSeed.alice))).limit).toBe(10);
    expect(await used(slackSeed.alice)).toBe(0);
  });
});
