import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { DEFAULT_ANIMATE_PROMPT } from '../../commands/animate.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { dataUriBytes, pixels, testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * Images on Slack, end to end through real Bolt, the Slack emulator and the video-API emulator: reply-to-image
 * mentions, the Animate shortcut and modal, where the bot token may go, and retried events.
 */

const it = slackWorldTest({ generationMs: 800, env: { QUOTA_DEFAULT: '20' } });

/** A server on another port: not Slack, so it must never see the bot token (or any request at all). */
let foreign: Server;
let foreignOrigin: string;
const foreignRequests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

const CHANNEL = slackSeed.general;
const ALICE = slackSeed.alice;
const BOB = slackSeed.bob;

/** Half-transparent, so the alpha channel travels too. */
const png = (r: number, g: number, b: number) =>
  testImage({ width: 12, height: 8, channels: 4, fill: { r, g, b, alpha: 0.5 } });

const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);
const threadPosts = (slack: SlackEmulator, threadTs: string) =>
  slack.timeline.filter(
    (t) =>
      t.channel === CHANNEL &&
      t.threadTs === threadTs &&
      t.ephemeralFor === undefined &&
      t.user === slack.identity.botUserId,
  );

beforeAll(async () => {
  foreign = createServer((req, res) => {
    foreignRequests.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(Buffer.alloc(10));
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => foreign.close(resolve));
});

describe('reply to an image: app_mention', () => {
  it('animates the thread parent’s images, answering in the thread with the exact images sent upstream', async ({
    world: { driver, slack, video, app },
  }) => {
    const red = await png(255, 0, 0);
    const blue = await png(0, 0, 255);
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'my two photos',
      files: [
        { name: 'red.png', bytes: red },
        { name: 'blue.png', bytes: blue },
      ],
    });
    const res = await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> the colours swirl & blend --seconds 4`,
    });
    expect(res.status).toBe(200);

    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: '', threadTs: parent.ts }), {
      timeoutMs: 15_000,
    });
    const body = posts(video)[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ prompt: 'the colours swirl & blend', seconds: '4' });
    const images = body.images as unknown[];
    expect(images).toHaveLength(2);
    expect(await pixels(dataUriBytes(images[0]))).toEqual(await pixels(red));
    expect(await pixels(dataUriBytes(images[1]))).toEqual(await pixels(blue));
    // The job message and the video are in the parent's thread; the prompt is escaped, not raw.
    expect(threadPosts(slack, parent.ts)[0]?.text).toContain('the colours swirl &amp; blend');
    const uploaded = slack.messagesIn(CHANNEL, { threadTs: parent.ts }).flatMap((m) => m.files);
    expect(uploaded.some((f) => f.bytes.equals(video.mp4))).toBe(true);
    // Every download carried the bot token and went to the Slack file host only.
    const downloads = slack.downloads.filter((d) => d.path.includes('/files-pri/'));
    expect(downloads.length).toBeGreaterThanOrEqual(2);
    expect(downloads.every((d) => d.authorized && d.server === 'slack')).toBe(true);
    // The record keeps the file URLs so Again can fetch them again.
    const [record] = await app.jobs.list({ userId: BOB });
    expect(record?.request.imageRefs).toEqual(parent.files.map((f) => f.urlPrivateDownload));
  });

  it('uses the images on the mentioning message itself, and the default prompt when none is given', async ({
    world: { driver, slack, video },
  }) => {
    const green = await png(0, 200, 0);
    const posted = await driver.userPostsMessage(
      {
        channel: CHANNEL,
        user: ALICE,
        text: `<@${slack.identity.botUserId}>`,
        files: [{ name: 'green.png', bytes: green }],
      },
      { notify: 'app_mention' },
    );
    expect(posted.delivery?.status).toBe(200);
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: '', threadTs: posted.ts }), {
      timeoutMs: 15_000,
    });
    const body = posts(video)[0]?.body as Record<string, unknown>;
    expect(body.prompt).toBe(DEFAULT_ANIMATE_PROMPT);
    expect(await pixels(dataUriBytes(body.image))).toEqual(await pixels(green));
  });

  it('explains how to use it when there are no images, and ignores bot messages', async ({
    world: { driver, slack, video },
  }) => {
    const plain = slack.userPostsMessage({ channel: CHANNEL, user: ALICE, text: 'no pictures here' });
    await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: plain.ts,
      text: `<@${slack.identity.botUserId}> animate this`,
    });
    await slack.waitFor(() => ephemeralsFor(slack, BOB).some((t) => t.text.includes('found no images')), {
      timeoutMs: 5000,
    });
    expect(ephemeralsFor(slack, BOB).at(-1)?.threadTs).toBe(plain.ts);

    const before = slack.timeline.length;
    await driver.event({
      type: 'app_mention',
      bot_id: 'B0OTHER',
      user: 'U0OTHERBOT',
      channel: CHANNEL,
      text: `<@${slack.identity.botUserId}> hi`,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.timeline.slice(before)).toEqual([]);
    expect(posts(video)).toHaveLength(0);
  });

  it('a retried event (X-Slack-Retry-Num) does not start a second job', async ({
    world: { driver, slack, video, app },
  }) => {
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'retry me',
      files: [{ name: 'r.png', bytes: await png(10, 20, 30) }],
    });
    const first = await driver.event({
      type: 'app_mention',
      user: ALICE,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> slow pan`,
    });
    const retry = await driver.event(first.event, { eventId: first.eventId, retryNum: 1 });
    const retry2 = await driver.event(first.event, { eventId: first.eventId, retryNum: 2 });
    expect([first.status, retry.status, retry2.status]).toEqual([200, 200, 200]);
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: '', threadTs: parent.ts }), {
      timeoutMs: 15_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(posts(video)).toHaveLength(1);
    expect(
      threadPosts(slack, parent.ts).filter(
        (t) => t.action === 'post' && t.via === 'chat.postMessage' && t.text.includes('slow pan'),
      ),
    ).toHaveLength(1);
    expect(
      slack
        .messagesIn(CHANNEL, { threadTs: parent.ts })
        .filter((m) => m.via === 'files.completeUploadExternal'),
    ).toHaveLength(1);
    // The mark is kept: the same event id is still "seen".
    expect(await app.firstSeen(`slack:event:${first.eventId}`, 60_000)).toBe(false);
  });
});

describe('the bot token goes only to Slack', () => {
  it('refuses a url_private on a host that is not Slack’s, sending it nothing, and spends no quota', async ({
    world: { driver, slack, video, app },
  }) => {
    const used = (await app.quota.status({ platform: 'slack', spaceId: slack.identity.teamId, userId: BOB }))
      .used;
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'sneaky',
      files: [{ name: 'evil.png', bytes: Buffer.alloc(1), urlPrivate: `${foreignOrigin}/evil.png` }],
    });
    await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> go`,
    });
    await slack.waitFor(() => ephemeralsFor(slack, BOB).some((t) => t.text.includes('evil.png')), {
      timeoutMs: 5000,
    });
    expect(ephemeralsFor(slack, BOB).at(-1)?.text).toContain('is not stored on Slack’s file servers');
    expect(foreignRequests).toEqual([]);
    expect(posts(video)).toHaveLength(0);
    const after = (await app.quota.status({ platform: 'slack', spaceId: slack.identity.teamId, userId: BOB }))
      .used;
    expect(after).toBe(used);
  });

  it('refuses a redirect from the Slack file host to another host before following it', async ({
    world: { driver, slack, video },
  }) => {
    const parent = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'moved',
      files: [
        {
          name: 'moved.png',
          bytes: await png(1, 2, 3),
          redirectTo: `${foreignOrigin}/stolen?file=moved.png`,
        },
      ],
    });
    await driver.event({
      type: 'app_mention',
      user: BOB,
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> go`,
    });
    await slack.waitFor(() => ephemeralsFor(slack, BOB).some((t) => t.text.includes('moved.png')), {
      timeoutMs: 5000,
    });
    // The Slack host was asked (with the token) and answered 302; the foreign host got nothing at all.
    const hop = slack.downloads.filter((d) => d.path.includes('moved.png'));
    expect(hop.map((d) => [d.status, d.authorized])).toEqual([[302, true]]);
    expect(foreignRequests).toEqual([]);
    expect(posts(video)).toHaveLength(0);
  });
});

describe('the Animate message shortcut', () => {
  it('opens a modal prefilled from the message, then runs in the message’s thread with the chosen settings', async ({
    world: { driver, slack, video },
  }) => {
    const photo = await png(200, 100, 0);
    const message = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'sunset over <#C0BEACH|beach> &amp; sea',
      files: [{ name: 'sunset.png', bytes: photo }],
    });
    const res = await driver.messageShortcut({
      callbackId: 'animate',
      message: message.ts,
      user: BOB,
      channel: CHANNEL,
    });
    expect(res.status).toBe(200);
    const view = await slack.waitFor(() => [...slack.views.values()].at(-1), { timeoutMs: 5000 });
    const blocks = JSON.stringify(view.view.blocks);
    expect(blocks).toContain('"initial_value":"sunset over #beach & sea"');
    expect(blocks).toContain('"action_id":"aspect_ratio"');
    expect(blocks).not.toContain('shortened');

    const submitted = await driver.viewSubmission({
      viewId: view.id,
      user: BOB,
      values: {
        prompt: { prompt: 'the sun sinks slowly' },
        seconds: { seconds: { type: 'static_select', selected_option: { value: '5' } } },
        aspect_ratio: { aspect_ratio: { type: 'static_select', selected_option: { value: '9:16' } } },
        resolution: { resolution: { type: 'static_select', selected_option: null } },
      },
    });
    expect(submitted.status).toBe(200);
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: '', threadTs: message.ts }), {
      timeoutMs: 15_000,
    });
    const body = posts(video)[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({ prompt: 'the sun sinks slowly', seconds: '5', aspect_ratio: '9:16' });
    expect(await pixels(dataUriBytes(body.image))).toEqual(await pixels(photo));
  });

  it('shortens a prompt over Slack’s 3,000 characters and says so in the modal', async ({
    world: { driver, slack },
  }) => {
    const long = Array.from({ length: 700 }, (_, i) => `word${i}`).join(' ');
    expect(long.length).toBeGreaterThan(3000);
    const message = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: long,
      files: [{ name: 'x.png', bytes: await png(9, 9, 9) }],
    });
    const before = slack.views.size;
    await driver.messageShortcut({ callbackId: 'animate', message: message.ts, user: BOB, channel: CHANNEL });
    const view = await slack.waitFor(
      () => (slack.views.size > before ? [...slack.views.values()].at(-1) : undefined),
      {
        timeoutMs: 5000,
      },
    );
    const prompt = (view.view.blocks as Array<Record<string, unknown>>).find((b) => b.block_id === 'prompt');
    const initial = String((prompt?.element as Record<string, unknown>).initial_value);
    expect(initial.length).toBeLessThanOrEqual(3000);
    expect(long.startsWith(initial)).toBe(true);
    expect(JSON.stringify(view.view.blocks)).toContain('this form holds 3,000, so it was shortened');
  });

  it('explains, ephemerally, when the message has no images', async ({ world: { driver, slack } }) => {
    const message = slack.userPostsMessage({ channel: CHANNEL, user: ALICE, text: 'just words' });
    const before = slack.views.size;
    await driver.messageShortcut({ callbackId: 'animate', message: message.ts, user: BOB, channel: CHANNEL });
    await slack.waitFor(
      () => ephemeralsFor(slack, BOB).some((t) => t.text.includes('has no images to animate')),
      {
        timeoutMs: 5000,
      },
    );
    expect(slack.views.size).toBe(before);
  });
});
