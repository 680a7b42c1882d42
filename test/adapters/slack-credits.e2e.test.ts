import { describe, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackSeed } from '../world/slack.js';

/**
 * QUOTA_UNIT=credits on Slack, through Bolt and the emulators: the job's message shows its price while it
 * runs, a request that does not fit is refused privately naming its cost and what is left, and a job the
 * video service fails gives its credits back.
 */

const it = slackWorldTest({
  generationMs: 300,
  env: {
    QUOTA_UNIT: 'credits',
    QUOTA_DEFAULT: '50',
    VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3',
    PRICES: 'grok-imagine-video:1/s,grok-video-1.5:2/s,grok-video-3:3/s,grok-video-3@1080P:4/s',
  },
  bot: { reply: fastUpdates(200) },
});
const { general: GENERAL, alice: ALICE, bob: BOB, teamId } = slackSeed;

const botPosts = (slack: SlackEmulator) =>
  slack.timeline.filter(
    (t) => t.channel === GENERAL && t.ephemeralFor === undefined && t.user === slack.identity.botUserId,
  );
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);
const used = async (app: App, user: string) =>
  (await app.quota.status({ platform: 'slack', spaceId: teamId, userId: user })).used;

describe('Slack: credits', () => {
  it('shows the price in the job’s message, then refuses what does not fit naming its cost', async ({
    world: { driver, slack, video, app },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: '[emu:ms=1500] a paper boat --model grok-video-3 --seconds 10',
      user: ALICE,
      channel: GENERAL,
    });
    const running = await slack.waitFor(
      () => botPosts(slack).find((t) => t.text.includes('a paper boat') && t.text.includes('credits')),
      { timeoutMs: 10_000 },
    );
    expect(running.text).toMatch(/\n_10s · 16:9 · 720P · 30 credits_$/);
    await expect
      .poll(async () => (await app.jobs.list({ userId: ALICE }))[0]?.status, {
        timeout: 15_000,
        interval: 50,
      })
      .toBe('completed');
    expect(await used(app, ALICE)).toBe(30);

    const before = video.requests.filter((r) => r.method === 'POST').length;
    await driver.slashCommand({
      command: '/imagine',
      text: 'a paper boat at night --model grok-video-3 --seconds 15 --res 1080p',
      user: ALICE,
      channel: GENERAL,
    });
    const refusal = await slack.waitFor(
      () => ephemeralsFor(slack, ALICE).find((t) => t.text.includes('This video costs')),
      { timeoutMs: 5000 },
    );
    expect(refusal.text).toMatch(
      /This video costs 60 credits, but you have 20 credits left of your 50 credits today\. Your quota resets at \d{4}-\d\d-\d\d 00:00 UTC\./,
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(before);
    expect(await used(app, ALICE)).toBe(30);

    await driver.slashCommand({ command: '/quota', text: 'show', user: ALICE, channel: GENERAL });
    const show = await slack.waitFor(
      () => ephemeralsFor(slack, ALICE).find((t) => t.text.startsWith('Your quota:')),
      { timeoutMs: 5000 },
    );
    expect(show.text).toMatch(/^Your quota: Used 30 of 50 credits today\./);
  });

  it('gives a failed job’s credits back', async ({ world: { driver, slack, app } }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: '[emu:fail=Prompt rejected by safety filter] x --model grok-video-1.5 --seconds 15',
      user: BOB,
      channel: GENERAL,
    });
    const failed = await slack.waitFor(
      () => botPosts(slack).find((t) => t.text.includes('It did not count against your quota.')),
      { timeoutMs: 15_000 },
    );
    expect(failed.text).toContain('Prompt rejected by safety filter');
    expect(await used(app, BOB)).toBe(0);
    const [record] = await app.jobs.list({ userId: BOB });
    expect(record).toMatchObject({ reservation: 'refunded', charged: { amount: 30, unit: 'credits' } });
    expect((await app.ledger.get(record?.id ?? ''))?.state).toBe('refunded');
  });
});
