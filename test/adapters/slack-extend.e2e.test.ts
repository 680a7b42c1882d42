import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { clipColour, CLIP_FPS } from '../emulators/video-api/clips.js';
import { sameColour, seeVideo } from '../helpers/video.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed, type SlackResult } from '../world/slack.js';

/**
 * Extend on Slack, through real Bolt, the Slack emulator and the video-API emulator serving real clips: the
 * Extend button and its modal, a mention in a video's thread, the joined video (length, size, first frames),
 * each clip's charge, a failed clip, a restart mid-chain, a file that is no video, and the length limit.
 */

const ENV = { QUOTA_DEFAULT: '50', MAX_EXTENDED_SECONDS: '15' };
const it = slackWorldTest({ generationMs: 400, clips: 'rendered', env: ENV });
const CHANNEL = slackSeed.general;
const { alice: ALICE, bob: BOB } = slackSeed;
const FRAME = 1 / CLIP_FPS;

const result = (slack: SlackEmulator, prompt: string, threadTs?: string) =>
  slack.waitFor(
    () => slackResult(slack, threadTs === undefined ? { prompt } : { prompt, channel: CHANNEL, threadTs }),
    { timeoutMs: 20_000 },
  );

function jobIdOf(found: SlackResult): string {
  const match = /"action_id":"extend_job".*?"value":"([^"]+)"/.exec(JSON.stringify(found.buttons.blocks));
  if (!match?.[1]) throw new Error('no Extend button');
  return match[1];
}

/** Presses Extend under a result, checks the form it opens, and submits it. */
async function extend(
  driver: SlackDriver,
  slack: SlackEmulator,
  found: SlackResult,
  user: string,
  input: { prompt: string; seconds: string },
  expected?: { prompt: string; seconds: string },
): Promise<void> {
  const before = new Set(slack.views.keys());
  await driver.blockAction({
    actionId: 'extend_job',
    value: jobIdOf(found),
    user,
    channel: CHANNEL,
    messageTs: found.buttons.ts,
  });
  const view = await slack.waitFor(() => [...slack.views.values()].find((v) => !before.has(v.id)), {
    timeoutMs: 5000,
  });
  if (expected) {
    const blocks = JSON.stringify(view.view.blocks);
    expect(blocks).toContain(`"initial_value":"${expected.prompt}"`);
    expect(blocks).toMatch(
      new RegExp(`"initial_option":\\{"text":\\{[^}]*\\},"value":"${expected.seconds}"`),
    );
  }
  await driver.viewSubmission({
    viewId: view.id,
    user,
    values: {
      prompt: { prompt: input.prompt },
      seconds: { seconds: { type: 'static_select', selected_option: { value: input.seconds } } },
    },
  });
}

const ephemeralText = (slack: SlackEmulator, user: string) =>
  slack.timeline
    .filter((t) => t.ephemeralFor === user)
    .map((t) => t.text)
    .join('\n');

describe('Slack Extend', () => {
  it('chains three clips into one video: lengths add up, one size, the first clip first, each clip charged', async ({
    world: { driver, slack, video, used },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a red fox --seconds 2 --res 480',
      user: ALICE,
      channel: CHANNEL,
    });
    let found = await result(slack, 'a red fox');
    expect(JSON.stringify(found.buttons.blocks)).toContain('"text":"Extend"');
    await extend(
      driver,
      slack,
      found,
      ALICE,
      { prompt: 'the fox turns blue', seconds: '2' },
      {
        prompt: 'a red fox',
        seconds: '2',
      },
    );
    found = await result(slack, 'the fox turns blue');
    await extend(
      driver,
      slack,
      found,
      ALICE,
      { prompt: 'then green', seconds: '2' },
      {
        prompt: 'the fox turns blue',
        seconds: '2',
      },
    );
    found = await result(slack, 'then green');

    expect(found.share.text).toContain('⏩ 3 clips, 6s in all');
    const seen = await seeVideo(found.share.files[0]!.bytes);
    expect(Math.abs(seen.info.durationSeconds - 6)).toBeLessThanOrEqual(2 * FRAME + 0.001);
    expect(seen.info).toMatchObject({ width: 854, height: 480 });
    expect(sameColour(seen.first, clipColour('a red fox'))).toBe(true);
    expect(sameColour(seen.last, clipColour('then green'))).toBe(true);
    const posts = video.requests.filter((r) => r.method === 'POST').map((r) => r.body as { image?: string });
    expect(posts.map((p) => p.image !== undefined)).toEqual([false, true, true]);
    expect(await used(ALICE)).toBe(3);
  });

  it('a failed clip is refunded and leaves the previous video as it was', async ({
    world: { driver, slack, used },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a purple kite --seconds 2 --res 480',
      user: BOB,
      channel: CHANNEL,
    });
    const found = await result(slack, 'a purple kite');
    const usedBefore = await used(BOB);
    await extend(driver, slack, found, BOB, { prompt: 'it falls [emu:fail]', seconds: '2' });
    await slack.waitFor(
      () =>
        slack.timeline.some(
          (t) => t.channel === CHANNEL && t.text.includes('it falls') && t.text.includes(':x:'),
        ),
      { timeoutMs: 20_000 },
    );
    expect(await used(BOB)).toBe(usedBefore);
    const share = slack.messages.find((m) => m.ts === found.share.ts);
    expect(share?.deleted).toBe(false);
    expect(share?.files[0]?.bytes.equals(found.share.files[0]!.bytes)).toBe(true);
  });

  it('continues a video from a mention in its thread, and refuses a file that is no video for free', async ({
    world: { driver, slack, video, used },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a yellow sun --seconds 2 --res 480',
      user: ALICE,
      channel: CHANNEL,
    });
    const first = await result(slack, 'a yellow sun');
    const clip = first.share.files[0]!.bytes;
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: BOB,
      text: 'look at this',
      files: [{ name: 'sun.mp4', bytes: clip }],
    });
    const usedBefore = await used(BOB);
    await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> the sun sets and all turns black --seconds 3`,
    });
    const found = await result(slack, 'the sun sets', parent.ts);
    const seen = await seeVideo(found.share.files[0]!.bytes);
    expect(Math.abs(seen.info.durationSeconds - 5)).toBeLessThanOrEqual(FRAME + 0.001);
    expect(sameColour(seen.first, clipColour('a yellow sun'))).toBe(true);
    expect(sameColour(seen.last, clipColour('the sun sets and all turns black'))).toBe(true);
    expect(await used(BOB)).toBe(usedBefore + 1);

    const fake = slack.userPostsMessage({
      channel: CHANNEL,
      user: BOB,
      text: 'my clip',
      files: [{ name: 'clip.mp4', bytes: Buffer.from('not a video at all\n'.repeat(40)) }],
    });
    const posts = video.requests.filter((r) => r.method === 'POST').length;
    await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: fake.ts,
      text: `<@${slack.identity.botUserId}> continue it`,
    });
    await slack.waitFor(() => /not a video/i.test(ephemeralText(slack, BOB)) || undefined, {
      timeoutMs: 20_000,
    });
    expect(video.requests.filter((r) => r.method === 'POST').length).toBe(posts);
    expect(await used(BOB)).toBe(usedBefore + 1);
  });

  it('refuses an extension past MAX_EXTENDED_SECONDS before anything is charged', async ({
    world: { driver, slack, video, used },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a long road --seconds 8 --res 480',
      user: ALICE,
      channel: CHANNEL,
    });
    const found = await result(slack, 'a long road');
    const usedBefore = await used(ALICE);
    await extend(driver, slack, found, ALICE, { prompt: 'it goes on', seconds: '8' });
    await slack.waitFor(() => /limit is 15 s/.test(ephemeralText(slack, ALICE)) || undefined, {
      timeoutMs: 10_000,
    });
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await used(ALICE)).toBe(usedBefore);
  });

  it('/jobs shows a chain as one video; Delete removes the joined video and leaves the first', async ({
    world: { driver, slack, app },
  }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a white cloud --seconds 1 --res 480',
      user: BOB,
      channel: CHANNEL,
    });
    const first = await result(slack, 'a white cloud');
    await extend(driver, slack, first, BOB, { prompt: 'a grey cloud', seconds: '1' });
    const joined = await result(slack, 'a grey cloud');
    for (let i = 0; i < 50 && (await app.jobs.list({ status: 'running' })).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const jobs = await driver.slashCommand({ command: '/jobs', text: '', user: BOB, channel: CHANNEL });
    // The answer rides in the acknowledgement when it is quick, else it is a private message.
    const list = await slack.waitFor(
      () =>
        [jobs.ackMessage?.text ?? '', ephemeralText(slack, BOB)].find((text) =>
          text.includes('most recent videos'),
        ),
      { timeoutMs: 10_000 },
    );
    expect(list).toContain('“a grey cloud” · ⏩ 2 clips, 1 + 1 s = 2 s');
    expect(list).not.toContain('a white cloud');

    await driver.blockAction({
      actionId: 'delete_job',
      value: jobIdOf(joined),
      user: BOB,
      channel: CHANNEL,
      messageTs: joined.buttons.ts,
    });
    await slack.waitFor(() => slack.messages.find((m) => m.ts === joined.share.ts)?.deleted || undefined, {
      timeoutMs: 10_000,
    });
    expect(slack.messages.find((m) => m.ts === first.share.ts)?.deleted).toBe(false);
  });
});

describe('Slack Extend across a restart', () => {
  it('a clip running at shutdown is joined and delivered by the next process', async ({
    world: { slack, video, startProcess },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'slack-extend-restart-'));
    const env = { ...ENV, STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}` };
    const firstProcess = await startProcess({ env });
    try {
      await firstProcess.driver.slashCommand({
        command: '/imagine',
        text: 'a blue lake --seconds 2 --res 480',
        user: ALICE,
        channel: CHANNEL,
      });
      const found = await result(slack, 'a blue lake');
      await extend(firstProcess.driver, slack, found, ALICE, {
        prompt: '[emu:ms=2500] the lake freezes white',
        seconds: '2',
      });
      await slack.waitFor(
        () =>
          slack.timeline.some((t) => t.text.includes('the lake freezes') && t.text.includes('%')) ||
          undefined,
        { timeoutMs: 15_000 },
      );
      await firstProcess.close(500);
      expect(slackResult(slack, { prompt: 'the lake freezes' })).toBeUndefined();

      const next = await startProcess({ env });
      try {
        const settled = await next.app.runner?.startWorkers((record) => next.bot.replyFor(record));
        expect(settled?.map((r) => r.status)).toEqual(['completed']);
        const joined = await result(slack, 'the lake freezes');
        const seen = await seeVideo(joined.share.files[0]!.bytes);
        expect(Math.abs(seen.info.durationSeconds - 4)).toBeLessThanOrEqual(FRAME + 0.001);
        expect(sameColour(seen.first, clipColour('a blue lake'))).toBe(true);
        expect(sameColour(seen.last, clipColour('the lake freezes white'))).toBe(true);
        expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      } finally {
        await next.close(500);
      }
    } finally {
      await firstProcess.close(500);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
