import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../src/metrics.js';
import { capturedLogger } from '../helpers/core.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * A public bot on real Bolt and the Slack emulator: only bot owners change a user's limit across workspaces
 * (a workspace admin may not), and once BUDGET_PER_PERIOD is spent everyone is refused with its reset time,
 * which the log and GET /metrics show too.
 */

let metrics: MetricsServer;
beforeAll(async () => {
  metrics = await startMetricsServer({ port: 0, logger: capturedLogger().logger });
});
afterAll(async () => {
  await metrics.close();
});

const it = slackWorldTest({
  generationMs: 300,
  env: { OWNER_IDS: `slack:${slackSeed.carol}`, QUOTA_GLOBAL_PER_USER: '5', BUDGET_PER_PERIOD: '2' },
  // The server starts before the world; the closure reads it when the first job is observed.
  observe: (observation) => metrics.observe(observation),
});
const CHANNEL = slackSeed.general;

describe('Slack /quota global', () => {
  it('refuses a workspace admin who is not a bot owner', async ({
    world: { driver, slack, ephemeralsFor },
  }) => {
    await driver.slashCommand({
      command: '/quota',
      text: 'global set <@U0BOB|bob> 50',
      user: slackSeed.admin,
      channel: CHANNEL,
    });
    await slack.waitFor(() => ephemeralsFor(slackSeed.admin).length > 0, { timeoutMs: 5000 });
    expect(ephemeralsFor(slackSeed.admin).at(-1)?.text).toContain(
      'Only a bot owner can see or change a user’s limit everywhere this bot runs.',
    );
  });

  it('lets a bot owner set, show and reset a user’s limit across workspaces', async ({
    world: { driver, slack, ephemeralsFor, app },
  }) => {
    const owner = async (text: string): Promise<string> => {
      const before = ephemeralsFor(slackSeed.carol).length;
      await driver.slashCommand({ command: '/quota', text, user: slackSeed.carol, channel: CHANNEL });
      await slack.waitFor(() => ephemeralsFor(slackSeed.carol).length > before, { timeoutMs: 5000 });
      return ephemeralsFor(slackSeed.carol).at(-1)?.text ?? '';
    };
    expect(await owner('global set <@U0BOB|bob> 9')).toBe(
      'bob’s limit across all workspaces is now 9 videos.',
    );
    expect(await owner('global show <@U0BOB|bob>')).toMatch(
      /^bob: Used 0 of 9 videos across all workspaces today \(set by a bot owner\)\. It resets at .* UTC\.$/,
    );
    expect(await owner('global reset <@U0BOB|bob>')).toBe(
      'bob’s usage across all workspaces for this period is cleared (was 0).',
    );
    expect(await app.quota.globalStatus({ platform: 'slack', userId: slackSeed.bob })).toMatchObject({
      limit: 9,
      limitSource: 'owner',
    });
  });

  it('shows a user their own usage across workspaces with a bare `/quota global`', async ({
    world: { driver, slack, ephemeralsFor },
  }) => {
    await driver.slashCommand({ command: '/quota', text: 'global', user: slackSeed.alice, channel: CHANNEL });
    await slack.waitFor(() => ephemeralsFor(slackSeed.alice).length > 0, { timeoutMs: 5000 });
    expect(ephemeralsFor(slackSeed.alice).at(-1)?.text).toMatch(
      /^Your usage: Used 0 of 5 videos across all workspaces today \(the default\)\./,
    );
  });
  it('answers an unknown word after `global` with the group’s own subcommands', async ({
    world: { driver, slack, ephemeralsFor },
  }) => {
    const before = ephemeralsFor(slackSeed.carol).length;
    await driver.slashCommand({
      command: '/quota',
      text: 'global frob',
      user: slackSeed.carol,
      channel: CHANNEL,
    });
    await slack.waitFor(() => ephemeralsFor(slackSeed.carol).length > before, { timeoutMs: 5000 });
    expect(ephemeralsFor(slackSeed.carol).at(-1)?.text).toContain(
      '`/quota global frob` is not a command of this bot (any more). Use one of `show`, `set`, or `reset`.',
    );
  });
});

describe('BUDGET_PER_PERIOD', () => {
  it('refuses everyone once the bot’s budget is spent, naming the reset, in the log and in /metrics', async ({
    world: { driver, slack, ephemeralsFor, app, posts, logLines },
  }) => {
    metrics.watchBudget(() => app.quota.budget());
    for (const [user, prompt] of [
      [slackSeed.alice, 'first of the day'],
      [slackSeed.bob, 'second of the day'],
    ] as const) {
      await driver.slashCommand({ command: '/imagine', text: prompt, user, channel: CHANNEL });
      await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt }), { timeoutMs: 15_000 });
    }
    const before = posts().length;
    // Carol has her own quota and her global limit left, and she owns the bot: the budget still binds.
    await driver.slashCommand({
      command: '/imagine',
      text: 'one more',
      user: slackSeed.carol,
      channel: CHANNEL,
    });
    await slack.waitFor(() => ephemeralsFor(slackSeed.carol).some((t) => t.text.includes('budget')), {
      timeoutMs: 5000,
    });
    expect(ephemeralsFor(slackSeed.carol).at(-1)?.text).toMatch(
      /The bot has used its video budget today \(2 of 2 videos\), so it cannot take new requests\. It resets at \d{4}-\d\d-\d\d 00:00 UTC\.$/,
    );
    expect(posts()).toHaveLength(before);

    const warning = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'budget reached: request refused');
    expect(warning).toMatchObject({
      level: 40,
      platform: 'slack',
      userId: slackSeed.carol,
      used: 2,
      limit: 2,
    });
    expect(typeof warning?.resetsAt).toBe('number');

    const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
    expect(text).toContain('\ngvb_budget_used 2\n');
    expect(text).toContain('\ngvb_budget_limit 2\n');
    expect(text).toContain('\ngvb_quota_refusals_total{platform="slack",limit="budget"} 1\n');
  });
});
