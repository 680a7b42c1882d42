import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testImage } from '../helpers/images.js';
import { startFaultBot, type FaultBot } from './harness.js';

/**
 * Every validation rule of the core, reached through both adapters: each bad request gets its own specific
 * message, privately, and costs nothing — no quota used, nothing sent to the video API.
 */
let bot: FaultBot;
beforeAll(async () => {
  bot = await startFaultBot({ users: 2, env: { MAX_IMAGES: '2', MAX_IMAGE_BYTES: '40000' } });
});
afterAll(() => bot.close());
// Each case starts clean, so one failure cannot make the others fail.
beforeEach(() => bot.video.reset());

const png = (side: number) => testImage({ width: side, fill: '#884422' });
/** A PNG over the 40,000-byte limit: noise does not compress. */
const bigPng = () => testImage({ width: 200, fill: 'noise' });
const notAnImage = Buffer.from('this is a text file pretending to be a picture\n'.repeat(20));
const LONG = 'x'.repeat(4097);

interface Case {
  name: string;
  options: Array<{ name: string; value: string | number }>;
  attachments?: () => Promise<Record<string, { filename: string; contentType: string; bytes: Buffer }>>;
  message: RegExp;
}

const discordCases: Case[] = [
  { name: 'empty prompt', options: [{ name: 'prompt', value: '   ' }], message: /the prompt is empty/ },
  {
    name: 'prompt too long',
    options: [{ name: 'prompt', value: LONG }],
    message: /Your prompt is 4,097 characters; the limit is 4,096\./,
  },
  {
    name: 'seconds over the maximum',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'seconds', value: 16 },
    ],
    message: /A video can be at most 15 seconds long; you asked for 16\./,
  },
  {
    name: 'seconds zero',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'seconds', value: 0 },
    ],
    message: /whole number of seconds from 1 to 15/,
  },
  {
    name: 'aspect ratio too wide',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'aspect_ratio', value: '5:1' },
    ],
    message: /5:1 is too wide/,
  },
  {
    name: 'aspect ratio too tall',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'aspect_ratio', value: '1:5' },
    ],
    message: /1:5 is too tall/,
  },
  {
    name: 'aspect ratio not a ratio',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'aspect_ratio', value: 'wide' },
    ],
    message: /“wide” is not an aspect ratio/,
  },
  {
    name: 'resolution',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'resolution', value: '1080P' },
    ],
    message: /The resolution must be 480P or 720P; “1080P” is not one of them\./,
  },
  {
    name: 'not an image',
    options: [{ name: 'prompt', value: 'a' }],
    attachments: async () => ({
      image1: { filename: 'report.png', contentType: 'image/png', bytes: notAnImage },
    }),
    message: /“report\.png” is not a PNG, JPEG, WebP or GIF image\./,
  },
  {
    name: 'image too large',
    options: [{ name: 'prompt', value: 'a' }],
    attachments: async () => ({
      image1: { filename: 'huge.png', contentType: 'image/png', bytes: await bigPng() },
    }),
    message: /“huge\.png” is .*; the limit is/,
  },
  {
    name: 'too many images',
    options: [{ name: 'prompt', value: 'a' }],
    attachments: async () => ({
      image1: { filename: 'a.png', contentType: 'image/png', bytes: await png(64) },
      image2: { filename: 'b.png', contentType: 'image/png', bytes: await png(64) },
      image3: { filename: 'c.png', contentType: 'image/png', bytes: await png(64) },
    }),
    message: /You attached 3 images; the limit is 2\./,
  },
  {
    name: 'seconds over the maximum with several images',
    options: [
      { name: 'prompt', value: 'a' },
      { name: 'seconds', value: 12 },
    ],
    attachments: async () => ({
      image1: { filename: 'a.png', contentType: 'image/png', bytes: await png(64) },
      image2: { filename: 'b.png', contentType: 'image/png', bytes: await png(64) },
    }),
    message: /With several reference images a video can be at most 10 seconds long; you asked for 12\./,
  },
];

describe('bad input through the Discord adapter', () => {
  it.each(discordCases)('$name: its own message, privately, at no cost', async (c) => {
    const user = bot.users[0];
    if (!user) throw new Error('user');
    const handle = await bot.discord.slashCommand({
      channelId: bot.channelId,
      guildId: bot.guildId,
      user,
      name: 'imagine',
      options: c.options,
      attachments: c.attachments ? await c.attachments() : undefined,
    });
    await bot.discord.waitFor(
      () =>
        // Refused before any acknowledgement now: the answer is the interaction's own (ephemeral) response.
        handle.followups().some((m) => m.content.length > 0) || (handle.original()?.content.length ?? 0) > 0,
      10_000,
    );
    const notice = handle.followups()[0] ?? handle.original();
    expect(notice?.ephemeral).toBe(true);
    expect(notice?.content).toMatch(c.message);
    expect(bot.video.requests).toHaveLength(0);
    expect(
      (await bot.app.quota.status({ platform: 'discord', spaceId: bot.guildId, userId: user.id })).used,
    ).toBe(0);
  });
});

describe('images from a user who may not generate', () => {
  it('are never downloaded: the quota refusal comes before any image is touched', async () => {
    const user = bot.users[1];
    if (!user) throw new Error('user');
    const subject = { platform: 'discord', spaceId: bot.guildId, userId: user.id } as const;
    await bot.app.quota.setUserLimit({ ...subject, userId: 'admin', isSpaceAdmin: true }, subject, 0);
    const fetchedBefore = bot.discord.cdnRequests.length;
    const handle = await bot.discord.slashCommand({
      channelId: bot.channelId,
      guildId: bot.guildId,
      user,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a' }],
      attachments: {
        image1: { filename: 'a.png', contentType: 'image/png', bytes: await png(64) },
        image2: { filename: 'b.png', contentType: 'image/png', bytes: await png(64) },
      },
    });
    await bot.discord.waitFor(
      () =>
        handle.followups().some((m) => m.content.length > 0) || handle.original()?.content.startsWith('⚠️'),
      10_000,
    );
    const notice = handle.followups()[0] ?? handle.original();
    expect(notice?.ephemeral).toBe(true);
    expect(notice?.content).toMatch(/your quota is 0/);
    expect(bot.discord.cdnRequests.length).toBe(fetchedBefore);
    expect(bot.video.requests).toHaveLength(0);
    expect(await bot.app.jobs.list({ userId: user.id })).toHaveLength(0);
  });
});

const slackCases: Array<{ name: string; text: string; message: RegExp }> = [
  { name: 'prompt too long', text: LONG, message: /Your prompt is 4,097 characters; the limit is 4,096\./ },
  {
    name: 'seconds over the maximum',
    text: 'a --seconds 16',
    message: /at most 15 seconds long; you asked for 16\./,
  },
  { name: 'seconds not a number', text: 'a --seconds soon', message: /whole number of seconds from 1 to 15/ },
  { name: 'aspect ratio too wide', text: 'a --ar 5:1', message: /5:1 is too wide/ },
  { name: 'aspect ratio too tall', text: 'a --ar 1:5', message: /1:5 is too tall/ },
  { name: 'resolution', text: 'a --res 1080P', message: /480P or 720P; “1080P” is not one of them\./ },
  { name: 'flags but no prompt', text: '--ar 16:9', message: /the prompt is empty|Usage/ },
];

describe('bad input through the Slack adapter', () => {
  it.each(slackCases)('/imagine $name: its own message, ephemeral, at no cost', async (c) => {
    const before = bot.slack.timeline.length;
    const res = await bot.driver.slashCommand({
      command: '/imagine',
      text: c.text,
      user: 'U0ALICE',
      channel: 'C0BAD',
    });
    expect(res.status).toBe(200);
    const notice = await bot.slack.waitFor(
      () => bot.slack.timeline.slice(before).find((t) => t.ephemeralFor === 'U0ALICE'),
      { timeoutMs: 10_000 },
    );
    expect(notice.text).toMatch(c.message);
    expect(bot.slack.timeline.slice(before).filter((t) => t.ephemeralFor === undefined)).toHaveLength(0);
    expect(bot.video.requests).toHaveLength(0);
  });

  it.each([
    {
      name: 'not an image',
      file: async () => ({ name: 'report.png', bytes: notAnImage }),
      message: /“report\.png” is not a PNG, JPEG, WebP or GIF image\./,
    },
    {
      name: 'image too large',
      file: async () => ({ name: 'huge.png', bytes: await bigPng() }),
      message: /“huge\.png” is .*; the limit is/,
    },
  ])('mention on a photo, $name: its own message, at no cost', async (c) => {
    const before = bot.slack.timeline.length;
    const parent = bot.slack.userPostsMessage({
      channel: 'C0BAD',
      user: 'U0ALICE',
      text: 'look',
      files: [await c.file()],
    });
    await bot.driver.event({
      type: 'app_mention',
      user: 'U0ALICE',
      channel: 'C0BAD',
      thread_ts: parent.ts,
      text: `<@${bot.slack.identity.botUserId}> animate it`,
    });
    const notice = await bot.slack.waitFor(
      () => bot.slack.timeline.slice(before).find((t) => t.ephemeralFor === 'U0ALICE'),
      { timeoutMs: 10_000 },
    );
    expect(notice.text).toMatch(c.message);
    expect(bot.video.requests).toHaveLength(0);
  });

  it('cost nobody any quota', async () => {
    const status = await bot.app.quota.status({
      platform: 'slack',
      spaceId: bot.slack.identity.teamId,
      userId: 'U0ALICE',
    });
    expect(status.used).toBe(0);
    expect(await bot.app.jobs.list({})).toHaveLength(0);
  });
});
