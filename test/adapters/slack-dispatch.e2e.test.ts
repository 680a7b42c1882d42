import { describe, expect } from 'vitest';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackResult, slackSeed } from '../world/slack.js';

/**
 * Every Slack command passes the core's checks, not only /imagine: a retried delivery is answered once and a
 * bot that is shutting down says so, for /quota and /jobs as for /imagine (real Bolt, the Slack emulator).
 */

const it = slackWorldTest({ generationMs: 600, bot: { reply: fastUpdates(200) } });
const { general: GENERAL, alice: ALICE, bob: BOB } = slackSeed;

describe('Slack commands through the core', () => {
  it('answers a retried /quota and /jobs once (same trigger id, as on a retry or another instance)', async ({
    world: { driver, slack, ephemeralsFor },
  }) => {
    for (const [command, triggerId] of [
      ['/quota', 'T-retry-quota'],
      ['/jobs', 'T-retry-jobs'],
    ] as const) {
      const before = ephemeralsFor(ALICE).length;
      const first = await driver.slashCommand({
        command,
        text: '',
        user: ALICE,
        channel: GENERAL,
        triggerId,
      });
      const retry = await driver.slashCommand({
        command,
        text: '',
        user: ALICE,
        channel: GENERAL,
        triggerId,
      });
      expect([first.status, retry.status]).toEqual([200, 200]);
      await slack.waitFor(() => ephemeralsFor(ALICE).length > before, { timeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ephemeralsFor(ALICE).length - before, command).toBe(1);
    }
  });

  it('posts the job’s message before the video service is asked for anything', async ({
    world: { driver, slack, video },
  }) => {
    await driver.slashCommand({ command: '/imagine', text: 'shown first', user: ALICE, channel: GENERAL });
    await slack.waitFor(() => slackResult(slack, { channel: GENERAL, prompt: 'shown first' }), {
      timeoutMs: 15_000,
    });
    const firstPost = slack.timeline.find((t) => t.action === 'post' && t.text.includes('shown first'));
    const upstream = video.requests.find((r) => r.method === 'POST');
    expect(firstPost?.text).toContain('Starting');
    expect(firstPost!.at).toBeLessThanOrEqual(upstream!.at);
  });

  it('tells a /quota or /jobs sent while the bot shuts down that it is restarting', async ({
    world: { startProcess, slack, ephemeralsFor },
  }) => {
    const other = await startProcess();
    // A running job keeps the shutdown waiting, so commands arrive while it drains.
    await other.driver.slashCommand({
      command: '/imagine',
      text: '[emu:ms=2500] keeps the shutdown busy',
      user: BOB,
      channel: GENERAL,
    });
    await slack.waitFor(() => slack.timeline.some((t) => t.text.includes('keeps the shutdown busy')), {
      timeoutMs: 5000,
    });
    const stopping = other.bot.stop(3000);
    const before = ephemeralsFor(ALICE).length;
    for (const command of ['/quota', '/jobs']) {
      await other.driver.slashCommand({ command, text: '', user: ALICE, channel: GENERAL });
    }
    await slack.waitFor(() => ephemeralsFor(ALICE).length >= before + 2, { timeoutMs: 5000 });
    for (const entry of ephemeralsFor(ALICE).slice(before)) expect(entry.text).toContain('restarting');
    await stopping;
  });
});
