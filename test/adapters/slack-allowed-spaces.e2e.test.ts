import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * ALLOWED_SPACES on Slack, through real Bolt and the emulators. The emulated workspace (T0EMU) is not on the
 * list, so everything its people do is answered with an ephemeral "not enabled" and starts nothing: no job,
 * no quota, no file download, no call to the video API, no message anyone else sees. The listed workspace
 * works as usual.
 */

const LISTED_TEAM = 'T0OTHER';
const it = slackWorldTest({
  generationMs: 600,
  env: { QUOTA_DEFAULT: '20', ALLOWED_SPACES: `slack:${LISTED_TEAM},discord:1210000000000000001` },
});
const { general: CHANNEL, alice: ALICE, bob: BOB } = slackSeed;
const NOT_ENABLED = 'This bot isn’t enabled in this workspace.';

const png = () => testImage({ width: 16, height: 12, fill: '#ff8000' });
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);
/** What the bot posted for everyone to see. */
const publicBotPosts = (slack: SlackEmulator) =>
  slack.timeline.filter((t) => t.user === slack.identity.botUserId && t.ephemeralFor === undefined);

async function toldNotEnabled(slack: SlackEmulator, user: string, count = 1): Promise<void> {
  await slack.waitFor(
    () => ephemeralsFor(slack, user).filter((t) => t.text.includes(NOT_ENABLED)).length >= count,
    { timeoutMs: 5000 },
  );
}

describe('a workspace ALLOWED_SPACES does not list', () => {
  it('a slash command is refused ephemerally; nothing is posted, submitted or counted', async ({ world }) => {
    const { driver, slack, video } = world;
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'a fox in the snow',
      user: ALICE,
      channel: CHANNEL,
    });
    expect(res.status).toBe(200);
    await toldNotEnabled(slack, ALICE);
    expect(ephemeralsFor(slack, ALICE)).toHaveLength(1);
    expect(publicBotPosts(slack)).toHaveLength(0);
    expect(video.requests).toHaveLength(0);
    expect(await world.used(ALICE)).toBe(0);
    expect(await world.app.jobs.list({ spaceId: slackSeed.teamId })).toHaveLength(0);
  });

  it('other commands get the same answer, not their own', async ({ world: { driver, slack } }) => {
    for (const command of ['/quota', '/jobs']) {
      await driver.slashCommand({ command, user: BOB, channel: CHANNEL });
    }
    await toldNotEnabled(slack, BOB, 2);
    expect(ephemeralsFor(slack, BOB).every((t) => t.text.includes(NOT_ENABLED))).toBe(true);
    expect(publicBotPosts(slack)).toHaveLength(0);
  });

  it('a mention under an image is refused ephemerally, without reading the thread or the file', async ({
    world: { driver, slack, video },
  }) => {
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'my photo',
      files: [{ name: 'photo.png', bytes: await png() }],
    });
    const repliesBefore = slack.callsTo('conversations.replies').length;
    await driver.event({
      type: 'app_mention',
      user: ALICE,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> make it glow`,
    });
    await toldNotEnabled(slack, ALICE, 2);
    expect(publicBotPosts(slack)).toHaveLength(0);
    expect(slack.callsTo('conversations.replies')).toHaveLength(repliesBefore);
    expect(slack.downloads).toHaveLength(0);
    expect(video.requests).toHaveLength(0);
  });

  it('the buttons on a job’s message are refused: Again, Cancel, Delete', async ({
    world: { driver, slack, video },
  }) => {
    const message = slack.userPostsMessage({ channel: CHANNEL, user: ALICE, text: 'a job message' });
    for (const actionId of ['again', 'cancel_job', 'delete_job']) {
      await driver.blockAction({
        actionId,
        value: 'job-from-before',
        user: BOB,
        channel: CHANNEL,
        messageTs: message.ts,
      });
    }
    await toldNotEnabled(slack, BOB, 5);
    expect(publicBotPosts(slack)).toHaveLength(0);
    expect(slack.callsTo('chat.delete')).toHaveLength(0);
    expect(video.requests).toHaveLength(0);
  });

  it('the Animate shortcut answers "not enabled" instead of opening its form, and a submission is refused', async ({
    world: { driver, slack, video },
  }) => {
    const message = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'a sunset',
      files: [{ name: 'sunset.png', bytes: await png() }],
    });
    const views = slack.views.size;
    await driver.messageShortcut({
      callbackId: 'animate',
      message: message.ts,
      user: ALICE,
      channel: CHANNEL,
    });
    await toldNotEnabled(slack, ALICE, 3);
    expect(slack.views.size).toBe(views);

    const file = slack.messagesIn(CHANNEL).find((m) => m.ts === message.ts)?.files[0];
    const url = String(file ? slack.fileJson(file).url_private : '');
    const submitted = await driver.viewSubmission({
      callbackId: 'animate_modal',
      user: ALICE,
      privateMetadata: JSON.stringify({
        teamId: slackSeed.teamId,
        channel: CHANNEL,
        threadTs: message.ts,
        images: [{ url, name: 'sunset.png' }],
      }),
      values: { prompt: { prompt: 'the sun sets' } },
    });
    expect(submitted.status).toBe(200);
    await toldNotEnabled(slack, ALICE, 4);
    expect(slack.downloads).toHaveLength(0);
    expect(publicBotPosts(slack)).toHaveLength(0);
    expect(video.requests).toHaveLength(0);
  });
});

describe('a listed workspace', () => {
  it('runs /imagine as usual', async ({ world: { driver, slack, video } }) => {
    await driver.slashCommand({
      command: '/imagine',
      text: 'a fox at dusk',
      user: ALICE,
      channel: CHANNEL,
      team: LISTED_TEAM,
    });
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'a fox at dusk' }), {
      timeoutMs: 15_000,
    });
    expect([...slack.files.values()].some((f) => Buffer.from(f.bytes).equals(video.mp4))).toBe(true);
  });
});
