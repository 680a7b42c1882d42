import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { discordSeed, startDiscordWorld, type DiscordWorld } from '../world/discord.js';
import { slackSeed, startSlackWorld, type SlackWorld } from '../world/slack.js';

/**
 * A job the video service fails: its message names the reason, says the job did not count against the
 * quota, and carries Try again. Pressing it, by anyone, starts a new job with the same prompt and settings
 * on the presser's quota. Through real discord.js and Bolt against the emulators; the failure is the video
 * API emulator's `filesGone` fault (the job completes, its file is gone), the second attempt succeeds.
 */

const NOT_COUNTED = 'It did not count against your quota.';
const ENV = { QUOTA_DEFAULT: '5' };

let video: VideoApiEmulator;
let discordWorld: DiscordWorld;
let slackWorld: SlackWorld;

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 600 });
  discordWorld = await startDiscordWorld({ video, env: ENV });
  slackWorld = await startSlackWorld({ video, env: ENV });
}, 30_000);

afterAll(async () => {
  await discordWorld?.close();
  await slackWorld?.close();
  await video?.close();
});

/** The POST bodies that asked for `prompt`, in order. */
const postsFor = (prompt: string) =>
  video.requests
    .filter((r) => r.method === 'POST' && (r.body as { prompt?: string }).prompt === prompt)
    .map((r) => r.body);

describe('Try again on a failed job', () => {
  it('Discord: says why and that it did not count; Try again by another member runs it on their quota', async () => {
    const { discord, used } = discordWorld;
    const { guildId, general: channelId, bob, carol } = discordSeed;
    const prompt = 'a harbour at dawn, discord';
    video.configure({ filesGone: true });
    const failed = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [
        { name: 'prompt', value: prompt },
        { name: 'seconds', value: 3 },
        { name: 'aspect_ratio', value: '9:16' },
      ],
    });
    const end = await failed.waitForOriginal((m) => m.content.startsWith('❌'), 15_000);
    video.configure({ filesGone: undefined });
    expect(end.content).toMatch(/^❌ \*\*Failed\*\*\nThe video was generated, but it could not be fetched/);
    expect(end.content).toContain(NOT_COUNTED);
    const button = end.components
      .flatMap((row) => (row as { components: Array<{ label?: string; custom_id?: string }> }).components)
      .find((b) => b.label === 'Try again');
    expect(button?.custom_id).toMatch(/^again:job_/);
    expect(await used(bob.id)).toBe(0);

    const press = await discord.button({ message: end, customId: button?.custom_id ?? '', user: carol });
    const again = await press.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(again.content).toMatch(/^✅ \*\*Done\*\*/);
    expect(again.content).toContain(`by <@${carol.id}>`);
    const [first, second] = postsFor(prompt);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ seconds: '3', aspect_ratio: '9:16' });
    expect(await used(carol.id)).toBe(1);
    expect(await used(bob.id)).toBe(0);
  });

  it('Slack: says why and that it did not count; Try again by another member runs it on their quota', async () => {
    const { driver, slack, used } = slackWorld;
    const channel = slackSeed.general;
    const prompt = 'a harbour at dawn, slack';
    video.configure({ filesGone: true });
    await driver.slashCommand({
      command: '/imagine',
      text: `${prompt} --seconds 3 --ar 9:16`,
      user: slackSeed.bob,
      channel,
    });
    const end = await slack.waitFor(
      () =>
        slack.timeline.find(
          (t) => t.channel === channel && t.text.includes(prompt) && t.text.startsWith(':x:'),
        ),
      { timeoutMs: 15_000 },
    );
    video.configure({ filesGone: undefined });
    expect(end.text).toMatch(/^:x: \*Failed\*\nThe video was generated, but it could not be fetched/);
    expect(end.text).toContain(NOT_COUNTED);
    const button = (end.blocks ?? [])
      .flatMap((block) => (block as { elements?: Array<Record<string, unknown>> }).elements ?? [])
      .find((element) => (element.text as { text?: string } | undefined)?.text === 'Try again');
    expect(button?.action_id).toBe('again');
    const jobId = String(button?.value);
    expect(jobId).toMatch(/^job_/);
    expect(await used(slackSeed.bob)).toBe(0);

    await driver.blockAction({
      actionId: 'again',
      value: jobId,
      user: slackSeed.carol,
      channel,
      messageTs: end.ts,
    });
    await slack.waitFor(
      () =>
        slack.timeline.find(
          (t) => t.text.includes(prompt) && t.text.startsWith(':white_check_mark:') && t.ts !== end.ts,
        ),
      { timeoutMs: 15_000 },
    );
    const [first, second] = postsFor(prompt);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ seconds: '3', aspect_ratio: '9:16' });
    expect(await used(slackSeed.carol)).toBe(1);
    expect(await used(slackSeed.bob)).toBe(0);
  });
});
