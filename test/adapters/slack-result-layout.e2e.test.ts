import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * Where the finished video lands on Slack, as users see it: a command typed in a channel gets the video in the
 * channel (the share's text is the prompt, the buttons right under it, the progress message gone); a mention in
 * a thread gets it in that thread; Delete takes the file and both messages away.
 */

const it = slackWorldTest({ generationMs: 600, env: { QUOTA_DEFAULT: '20' } });
const CHANNEL = slackSeed.general;
const ALICE = slackSeed.alice;

const botMessages = (slack: SlackEmulator) =>
  slack.messagesIn(CHANNEL, { includeDeleted: true }).filter((m) => m.user === slack.identity.botUserId);

describe('the finished video on Slack', () => {
  it('a channel command: the video is a channel message with the prompt and the buttons, the progress gone', async ({
    world: { driver, slack, video, ephemeralsFor },
  }) => {
    const before = slack.messages.length;
    await driver.slashCommand({
      command: '/imagine',
      text: 'a lighthouse in fog',
      user: ALICE,
      channel: CHANNEL,
    });
    const result = await slack.waitFor(
      () => slackResult(slack, { channel: CHANNEL, prompt: 'a lighthouse in fog' }),
      { timeoutMs: 15_000 },
    );
    expect(result.share.threadTs).toBeUndefined();
    expect(result.share.files.map((f) => f.bytes)).toEqual([video.mp4]);
    expect(result.share.text).toContain('a lighthouse in fog');
    expect(result.buttons.threadTs).toBeUndefined();
    expect(JSON.stringify(result.buttons.blocks)).toContain('"action_id":"again"');
    expect(JSON.stringify(result.buttons.blocks)).toContain('"action_id":"delete_job"');

    const mine = botMessages(slack).filter((m) => slack.messages.indexOf(m) >= before);
    // The progress message was posted first, and is deleted now: what is left is the share and the buttons.
    const progress = mine[0];
    expect(progress?.revisions[0]?.text).toContain('a lighthouse in fog');
    await slack.waitFor(() => progress?.deleted === true, { timeoutMs: 5000 });
    expect(mine.filter((m) => !m.deleted)).toEqual([result.share, result.buttons]);
    expect(slack.timeline.some((t) => /in the thread/i.test(t.text))).toBe(false);
    expect(slack.messagesIn(CHANNEL).some((m) => m.threadTs === progress?.ts)).toBe(false);

    // /jobs links to the video itself.
    await driver.slashCommand({ command: '/jobs', text: '', user: ALICE, channel: CHANNEL });
    const jobs = await slack.waitFor(
      () => ephemeralsFor(ALICE).find((t) => t.text.includes('a lighthouse in fog')),
      { timeoutMs: 5000 },
    );
    expect(jobs.text).toContain(`/archives/${CHANNEL}/p${result.share.ts.replace('.', '')}|`);
  });

  it('a mention in a thread: the video and its buttons are in that thread, nothing in the channel', async ({
    world: { driver, slack, video },
  }) => {
    const photo = await testImage({ width: 8, fill: { r: 10, g: 120, b: 60 } });
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'our garden',
      files: [{ name: 'garden.png', bytes: photo }],
    });
    const topLevelBefore = slack.messagesIn(CHANNEL).filter((m) => m.threadTs === undefined).length;
    await driver.event({
      type: 'app_mention',
      user: ALICE,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> leaves sway`,
    });
    const result = await slack.waitFor(
      () => slackResult(slack, { channel: CHANNEL, prompt: 'leaves sway', threadTs: parent.ts }),
      { timeoutMs: 15_000 },
    );
    expect(result.share.files.map((f) => f.bytes)).toEqual([video.mp4]);
    expect(JSON.stringify(result.buttons.blocks)).toContain('"action_id":"again"');
    expect(slack.messagesIn(CHANNEL).filter((m) => m.threadTs === undefined)).toHaveLength(topLevelBefore);
    // In the thread: the share and the buttons, the progress message deleted.
    const inThread = slack
      .messagesIn(CHANNEL, { threadTs: parent.ts })
      .filter((m) => m.user === slack.identity.botUserId);
    expect(inThread).toEqual([result.share, result.buttons]);
  });

  it('Delete removes the file, the share message and the buttons', async ({
    world: { driver, slack, app },
  }) => {
    await driver.slashCommand({ command: '/imagine', text: 'a paper kite', user: ALICE, channel: CHANNEL });
    const { share, buttons } = await slack.waitFor(
      () => slackResult(slack, { channel: CHANNEL, prompt: 'a paper kite' }),
      { timeoutMs: 15_000 },
    );
    const jobId = /"value":"(job_[^"]+)"/.exec(JSON.stringify(buttons.blocks))?.[1] ?? '';
    await expect.poll(async () => (await app.jobs.get(jobId))?.status, { timeout: 5000 }).toBe('completed');
    const fileId = share.files[0]?.id ?? '';
    await driver.blockAction({
      actionId: 'delete_job',
      value: jobId,
      user: ALICE,
      channel: CHANNEL,
      messageTs: buttons.ts,
    });
    await slack.waitFor(() => buttons.deleted && share.deleted, { timeoutMs: 5000 });
    expect(slack.files.get(fileId)?.state).toBe('deleted');
    expect(slack.messagesIn(CHANNEL).some((m) => m.text.includes('a paper kite'))).toBe(false);
  });
});
