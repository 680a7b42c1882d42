import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/** Real Bolt, the Slack emulator and the video-API emulator: assertions are on what Slack users would see. */

const it = slackWorldTest({ generationMs: 1200, env: { QUOTA_DEFAULT: '2' } });
const CHANNEL = slackSeed.general;

const botPosts = (slack: SlackEmulator) =>
  slack.timeline.filter((t) => t.channel === CHANNEL && t.ephemeralFor === undefined);
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);

describe('Slack /imagine end to end', () => {
  it('acks at once, posts progress updates spaced out, and shares the exact MP4 in the channel', async ({
    world: { driver, slack, video },
  }) => {
    const before = slack.timeline.length;
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'a fox running through snow --ar 9:16 --seconds 4 --res 480',
      user: 'U0ALICE',
      channel: CHANNEL,
    });
    expect(res.status).toBe(200);
    expect(res.latencyMs).toBeLessThan(1000);

    const result = await slack.waitFor(
      () => slackResult(slack, { channel: CHANNEL, prompt: 'a fox running through snow' }),
      { timeoutMs: 15_000 },
    );
    expect(video.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      prompt: 'a fox running through snow',
      aspect_ratio: '9:16',
      seconds: '4',
      resolution: '480P',
    });
    const seen = slack.timeline.slice(before).filter((t) => t.channel === CHANNEL);
    expect(seen[0]?.action).toBe('post');
    const updates = seen.filter((t) => t.action === 'update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    // The progress message goes once the video and its buttons are up.
    await slack.waitFor(() => slack.messages.find((m) => m.ts === seen[0]?.ts)?.deleted === true);
    const progressTimes = seen.filter((t) => t.action !== 'delete' && t.text.includes('%')).map((t) => t.at);
    for (let i = 1; i < progressTimes.length; i++) {
      expect((progressTimes[i] ?? 0) - (progressTimes[i - 1] ?? 0)).toBeGreaterThanOrEqual(250);
    }
    const file = [...slack.files.values()].at(-1);
    expect(file?.bytes).toEqual(video.mp4);
    expect(result.share.files.map((f) => f.id)).toEqual([file?.id]);
    expect(result.share.threadTs).toBeUndefined();
    expect(JSON.stringify(result.buttons.blocks)).toContain('"action_id":"again"');
  });

  it('escapes the prompt so it can never ping anyone', async ({ world: { driver, slack } }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: '@channel hi @bob & co',
      user: 'U0BOB',
      channel: CHANNEL,
    });
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: '@channel hi @bob &amp; co' }), {
      timeoutMs: 15_000,
    });
    for (const post of botPosts(slack)) {
      expect(post.text).not.toContain('<!channel>');
      expect(post.text).not.toContain('<@U0BOB>');
    }
  });

  it('answers a bad flag and help ephemerally, without calling the video API', async ({
    world: { driver, slack, video },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a fox --colour red',
      user: 'U0BOB',
      channel: CHANNEL,
    });
    await driver.slashCommand({ command: '/imagine', text: 'help', user: 'U0BOB', channel: CHANNEL });
    await driver.slashCommand({ command: '/imagine', text: 'x --ar 9:1', user: 'U0BOB', channel: CHANNEL });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0BOB').length >= 3, { timeoutMs: 5000 });
    // Acknowledged at once, each is answered through its response_url: they may arrive in any order.
    const texts = ephemeralsFor(slack, 'U0BOB').map((t) => t.text);
    expect(texts).toHaveLength(3);
    expect(texts.filter((t) => t.includes('Unknown option “--colour”'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Usage: `/imagine'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('too wide'))).toHaveLength(1);
    expect(video.requests).toHaveLength(0);
  });

  it('refuses past the quota with the limit and reset time, ephemerally', async ({
    world: { driver, slack, video },
  }) => {
    // Alice used 1 of 2 above; one more is allowed, the next refused.
    await driver.slashCommand({ command: '/imagine', text: 'second', user: 'U0ALICE', channel: CHANNEL });
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'second' }), {
      timeoutMs: 15_000,
    });
    const posts = video.requests.filter((r) => r.method === 'POST').length;
    await driver.slashCommand({ command: '/imagine', text: 'third', user: 'U0ALICE', channel: CHANNEL });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0ALICE').length > 0, { timeoutMs: 5000 });
    expect(ephemeralsFor(slack, 'U0ALICE').at(-1)?.text).toMatch(
      /used 2 of your 2 videos today\. Your quota resets at/,
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
  });

  it('refunds a failed generation and says why', async ({ world: { driver, slack, app } }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: '[emu:fail=Prompt rejected by safety filter]',
      user: 'U0BOB',
      channel: CHANNEL,
    });
    await slack.waitFor(
      () =>
        botPosts(slack).some((t) =>
          t.text.startsWith(':x: *Failed*\nThe video could not be generated: Prompt rejected'),
        ),
      {
        timeoutMs: 15_000,
      },
    );
    const status = await app.quota.status({
      platform: 'slack',
      spaceId: slack.identity.teamId,
      userId: 'U0BOB',
    });
    expect(status.used).toBe(1); // the escaped-prompt job above; the failed one was refunded
  });
});

describe('Slack Again button', () => {
  it('runs the same settings again for whoever pressed it', async ({
    world: { driver, slack, video, app },
  }) => {
    const [record] = await app.jobs.list({ userId: 'U0ALICE', status: 'completed' });
    const message = botPosts(slack).find((t) =>
      JSON.stringify(t.blocks ?? []).includes(record?.id ?? 'none'),
    );
    expect(message).toBeDefined();
    const res = await driver.blockAction({
      actionId: 'again',
      value: record?.id ?? '',
      user: 'U0ADMIN',
      channel: CHANNEL,
      messageTs: message?.ts ?? '',
    });
    expect(res.status).toBe(200);
    await slack.waitFor(() => video.requests.some((r) => r.method === 'POST'), { timeoutMs: 5000 });
    expect(video.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      prompt: record?.request.prompt,
      aspect_ratio: record?.request.aspectRatio,
      seconds: String(record?.request.seconds),
    });
    // A second share of the same prompt, after the first result's buttons.
    await slack.waitFor(
      () =>
        botPosts(slack).some(
          (t) =>
            t.via === 'files.completeUploadExternal' &&
            t.text.includes(record?.request.prompt ?? 'none') &&
            t.at > (message?.at ?? 0),
        ),
      { timeoutMs: 15_000 },
    );
    // The record is marked completed just after the final message is shown.
    await expect
      .poll(async () => (await app.jobs.list({ userId: 'U0ADMIN', status: 'completed' })).length, {
        timeout: 5000,
      })
      .toBe(1);
  });
});

describe('Slack /quota end to end', () => {
  it('refuses a non-admin and lets a workspace admin set a limit', async ({ world: { driver, slack } }) => {
    const before = ephemeralsFor(slack, 'U0BOB').length;
    await driver.slashCommand({
      command: '/quota',
      text: 'set <@U0ALICE|alice> 10',
      user: 'U0BOB',
      channel: CHANNEL,
    });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0BOB').length > before, { timeoutMs: 5000 });
    // Slack's words: workspace admins and owners, never Discord's server or Manage Server.
    const refusal = ephemeralsFor(slack, 'U0BOB').at(-1)?.text;
    expect(refusal).toContain('Only workspace admins and owners (or a bot owner) can change quotas.');
    expect(refusal).not.toMatch(/server/i);
    await driver.slashCommand({
      command: '/quota',
      text: 'set <@U0ALICE|alice> 10',
      user: 'U0ADMIN',
      channel: CHANNEL,
    });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0ADMIN').length > 0, { timeoutMs: 5000 });
    expect(ephemeralsFor(slack, 'U0ADMIN').at(-1)?.text).toBe('alice’s limit is now 10 videos.');
    await driver.slashCommand({ command: '/quota', text: 'show', user: 'U0ALICE', channel: CHANNEL });
    await slack.waitFor(
      () => ephemeralsFor(slack, 'U0ALICE').some((t) => t.text.startsWith('Your quota: Used 2 of 10')),
      {
        timeoutMs: 5000,
      },
    );
  });

  it('refuses a request with a bad signature', async ({ world: { driver } }) => {
    const res = await driver.slashCommand(
      { command: '/quota', text: 'show', user: 'U0ALICE', channel: CHANNEL },
      { badSignature: true },
    );
    expect(res.status).toBe(401);
  });
});
