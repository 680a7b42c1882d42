import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle, StoredMessage } from '../emulators/discord/server.js';
import { clipColour, CLIP_FPS } from '../emulators/video-api/clips.js';
import { createLogger } from '../../src/log.js';
import { createFfmpeg } from '../../src/video/ffmpeg.js';
import { appFor } from '../helpers/app.js';
import { sameColour, seeVideo } from '../helpers/video.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Extend on Discord, through real discord.js, the Discord emulator and the video-API emulator serving real
 * clips: the Extend button and its form, a reply to a video, and what the joined video is (its length, size and
 * first frames), what each clip costs, a failed clip, a restart mid-chain, a file that is no video, the limit.
 */

const it = discordWorldTest({
  generationMs: 400,
  clips: 'rendered',
  env: { QUOTA_DEFAULT: '50', MAX_EXTENDED_SECONDS: '15' },
  bot: { messageContent: true, reply: { editIntervalMs: 200 } },
});
const { guildId, general: channelId, alice, bob, carol } = discordSeed;
const FRAME = 1 / CLIP_FPS;

const buttonId = (message: StoredMessage, prefix: string): string => {
  const match = new RegExp(`"custom_id":"(${prefix}:[^"]+)"`).exec(JSON.stringify(message.components));
  if (!match?.[1]) throw new Error(`no ${prefix} button on message ${message.id}`);
  return match[1];
};

/** Every text an interaction's answers held (its message, its edits, its follow-ups). */
const everything = (handle: InteractionHandle): string =>
  JSON.stringify([handle.original(), handle.edits(), handle.followups()]);

/** The value a modal field was prefilled with. */
function fieldValue(components: unknown, id: string): string | undefined {
  const text = JSON.stringify(components);
  return new RegExp(`"custom_id":"${id}"[^}]*?"value":"([^"]*)"`).exec(text)?.[1];
}

/** A 2 s 480P `/imagine` of `prompt` by `user`: its message once the video is on it. */
async function postedClip(
  discord: DiscordEmulator,
  user: typeof alice,
  prompt: string,
): Promise<StoredMessage> {
  const handle = await discord.slashCommand({
    channelId,
    guildId,
    user,
    name: 'imagine',
    options: [
      { name: 'prompt', value: prompt },
      { name: 'seconds', value: 2 },
      { name: 'resolution', value: '480P' },
    ],
  });
  return handle.waitForOriginal((m) => m.attachments.length > 0, 20_000);
}

/** `author` replies to `replyTo` mentioning the bot with `prompt`: the video the bot answers with, as seen. */
async function continuedByMention(
  discord: DiscordEmulator,
  author: typeof alice,
  prompt: string,
  replyTo: StoredMessage,
) {
  const ask = await discord.userMessage({
    channelId,
    guildId,
    author,
    content: prompt,
    mentionsBot: true,
    replyTo,
  });
  const answered = () => discord.messages(channelId).find((m) => m.reference?.messageId === ask.id);
  await discord.waitFor(() => (answered()?.attachments.length ?? 0) > 0, 20_000);
  return seeVideo(answered()!.attachments[0]!.bytes);
}

describe('Discord Extend', () => {
  it('chains three clips into one video: lengths add up, one size, the first clip first, each clip charged', async ({
    world: { discord, video, used },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a red fox' },
        { name: 'seconds', value: 2 },
        { name: 'resolution', value: '480P' },
      ],
    });
    let message = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    let stored = discord.message(message.id) ?? message;
    expect(JSON.stringify(stored.components)).toContain('"label":"Extend"');

    const colours = [clipColour('a red fox'), clipColour('the fox turns blue'), clipColour('then green')];
    const prompts = ['the fox turns blue', 'then green'];
    for (const [i, prompt] of prompts.entries()) {
      const press = await discord.button({
        message: stored,
        customId: buttonId(stored, 'extend'),
        user: alice,
      });
      await press.waitForAck();
      expect(press.ack?.type).toBe(9);
      const modal = press.modal();
      expect(fieldValue(modal?.components, 'prompt')).toBe(i === 0 ? 'a red fox' : prompts[i - 1]);
      expect(fieldValue(modal?.components, 'seconds')).toBe('2');
      const submit = await discord.modalSubmit({ from: press, fields: { prompt, seconds: '2' } });
      message = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
      stored = discord.message(message.id) ?? message;
    }

    const seen = await seeVideo(stored.attachments[0]!.bytes);
    expect(Math.abs(seen.info.durationSeconds - 6)).toBeLessThanOrEqual(2 * FRAME + 0.001);
    expect(seen.info).toMatchObject({ width: 854, height: 480 });
    expect(sameColour(seen.first, colours[0]!)).toBe(true);
    expect(sameColour(seen.last, colours[2]!)).toBe(true);
    expect(JSON.stringify(stored.components)).toContain('"label":"Extend"');
    expect(stored.content).toContain('2s · 16:9 · 480P · ⏩ 3 clips, 6s in all');

    // Each extension went upstream as image-to-video from the previous video's last frame.
    const posts = video.requests.filter((r) => r.method === 'POST').map((r) => r.body as { image?: string });
    expect(posts).toHaveLength(3);
    expect(posts[0]?.image).toBeUndefined();
    expect(posts[1]?.image).toMatch(/^data:image\//);
    expect(posts[2]?.image).toMatch(/^data:image\//);
    expect(await used(alice.id)).toBe(3);
  });

  it('uses the Discord copy of the video once the video service no longer keeps the clip', async ({
    world: { discord, video },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'an orange boat' },
        { name: 'seconds', value: 2 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(done.id)!;
    const press = await discord.button({
      message: stored,
      customId: buttonId(stored, 'extend'),
      user: alice,
    });
    await press.waitForAck();
    // The provider no longer serves the first clip (its /content answers 404).
    video.jobs.get([...video.jobs.keys()][0]!)!.directives.noContent = true;
    const cdnBefore = discord.cdnRequests.length;
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'the boat sails into the black night', seconds: '2' },
    });
    const joined = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const seen = await seeVideo(joined.attachments[0]!.bytes);
    expect(Math.abs(seen.info.durationSeconds - 4)).toBeLessThanOrEqual(FRAME + 0.001);
    expect(sameColour(seen.first, clipColour('an orange boat'))).toBe(true);
    // Fetched from Discord twice: for its last frame, then to join.
    expect(discord.cdnRequests.length - cdnBefore).toBeGreaterThanOrEqual(2);
  });

  it('a failed clip is refunded and leaves the previous video as it was; Try again extends again', async ({
    world: { discord, video, used, app },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a purple kite' },
        { name: 'seconds', value: 2 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const before = discord.message(done.id)!;
    const bytes = Buffer.from(before.attachments[0]!.bytes);
    const usedBefore = await used(bob.id);

    const press = await discord.button({ message: before, customId: buttonId(before, 'extend'), user: bob });
    await press.waitForAck();
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'it falls [emu:fail]', seconds: '2' },
    });
    const failed = await submit.waitForOriginal((m) => m.content.includes('Failed'), 20_000);
    expect(failed.content).toMatch(/did not count|not counted|refunded/i);
    expect(await used(bob.id)).toBe(usedBefore);
    const after = discord.message(before.id)!;
    expect(Buffer.from(after.attachments[0]!.bytes).equals(bytes)).toBe(true);
    expect(after.content).toBe(before.content);

    // Try again repeats the extension (from the same video's last frame), not a video of the prompt alone.
    const failedMessage = discord.message(failed.id)!;
    const retry = await discord.button({
      message: failedMessage,
      customId: buttonId(failedMessage, 'again'),
      user: bob,
    });
    await retry.waitForOriginal((m) => m.content.includes('Failed'), 20_000);
    const retried = video.requests.filter((r) => r.method === 'POST').at(-1)?.body as { image?: string };
    expect(retried.image).toMatch(/^data:image\//);
    const [record] = await app.jobs.list({ userId: bob.id }, 1);
    expect(record?.chain?.clips.map((clip) => clip.seconds)).toEqual([2]);
  });

  it('continues a video the user replies to with a mention, and refuses a file that is no video for free', async ({
    world: { discord, video, used },
  }) => {
    await postedClip(discord, alice, 'a yellow sun');
    const clip = await video.videoFor([...video.jobs.keys()][0]!);
    // Someone posts that clip as their own attachment; a reply to it with a mention continues it.
    const posted = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'look at this',
      attachments: [{ filename: 'sun.mp4', contentType: 'video/mp4', bytes: clip }],
    });
    const usedBefore = await used(bob.id);
    const seen = await continuedByMention(discord, bob, 'the sun sets and all turns black', posted);
    // 2 s continued by a clip of the default 6 s, less the new clip's first frame (the seam).
    expect(Math.abs(seen.info.durationSeconds - 8)).toBeLessThanOrEqual(FRAME + 0.001);
    expect(sameColour(seen.first, clipColour('a yellow sun'))).toBe(true);
    expect(sameColour(seen.last, clipColour('the sun sets and all turns black'))).toBe(true);
    expect(await used(bob.id)).toBe(usedBefore + 1);

    // A reply to a "video" that is not one: a clear answer, nothing sent upstream, nothing charged.
    const fake = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'my clip',
      attachments: [
        {
          filename: 'clip.mp4',
          contentType: 'video/mp4',
          bytes: Buffer.from('not a video at all\n'.repeat(40)),
        },
      ],
    });
    const posts = video.requests.filter((r) => r.method === 'POST').length;
    const ask2 = await discord.userMessage({
      channelId,
      guildId,
      author: bob,
      content: 'continue it',
      mentionsBot: true,
      replyTo: fake,
    });
    await discord.waitFor(
      () =>
        discord
          .messages(channelId)
          .some((m) => m.reference?.messageId === ask2.id && /not a video/i.test(m.content)),
      20_000,
    );
    expect(video.requests.filter((r) => r.method === 'POST').length).toBe(posts);
    expect(await used(bob.id)).toBe(usedBefore + 1);
  });

  it('continues the bot’s own video a user replies to, though its echoes were never cached', async ({
    world: { discord, bot },
  }) => {
    const done = await postedClip(discord, alice, 'a red moon');
    // Discord sent the deferral, the edits and the upload back to the bot; none became a discord.js Message.
    const channel = bot.client.channels.cache.get(channelId);
    expect(channel?.isTextBased() && channel.messages.cache.has(done.id)).toBe(false);

    const seen = await continuedByMention(discord, alice, 'the moon falls into the sea', done);
    expect(Math.abs(seen.info.durationSeconds - 8)).toBeLessThanOrEqual(FRAME + 0.001);
    expect(sameColour(seen.first, clipColour('a red moon'))).toBe(true);
    expect(sameColour(seen.last, clipColour('the moon falls into the sea'))).toBe(true);
  });

  it('refuses a "video" that is a playlist naming a file of the bot’s machine, reading nothing of it', async ({
    world: { discord, video, used },
  }) => {
    // A file on the bot's machine no user may see (a red clip, so its frames would show if it leaked). The MP4
    // check refuses the playlist before ffmpeg sees it; ffmpeg itself is confined too (video/untrusted-input).
    const dir = await mkdtemp(join(tmpdir(), 'extend-canary-'));
    try {
      const canary = join(dir, 'secret.ts');
      const ffmpeg = createFfmpeg({
        concurrency: 1,
        timeoutMs: 30_000,
        logger: createLogger({ level: 'silent' }),
      });
      const made = await ffmpeg.run([
        '-f',
        'lavfi',
        '-i',
        'color=c=red:s=64x64:d=1',
        '-f',
        'mpegts',
        '-y',
        canary,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nfile://${canary}\n#EXT-X-ENDLIST\n`;
      const crafted = await discord.userMessage({
        channelId,
        guildId,
        author: carol,
        content: 'my clip',
        attachments: [{ filename: 'clip.mp4', contentType: 'video/mp4', bytes: Buffer.from(playlist) }],
      });
      const usedBefore = await used(carol.id);
      const ask = await discord.userMessage({
        channelId,
        guildId,
        author: carol,
        content: 'continue it',
        mentionsBot: true,
        replyTo: crafted,
      });
      await discord.waitFor(
        () =>
          discord
            .messages(channelId)
            .some((m) => m.reference?.messageId === ask.id && /not a video/i.test(m.content)),
        20_000,
      );
      expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(await used(carol.id)).toBe(usedBefore);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a video larger than it continues (a few KB that would decode to huge frames), for free', async ({
    world: { discord, video, used },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'extend-huge-'));
    try {
      // 4,000×2,000 pixels of one colour: tiny as a file, 8 megapixels a frame for every join.
      const path = join(dir, 'huge.mp4');
      const ffmpeg = createFfmpeg({
        concurrency: 1,
        timeoutMs: 60_000,
        logger: createLogger({ level: 'silent' }),
      });
      const made = await ffmpeg.run([
        '-f',
        'lavfi',
        '-i',
        'color=c=green:s=4000x2000:r=1:d=1',
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-y',
        path,
      ]);
      expect(made.code, made.stderr).toBe(0);
      const posted = await discord.userMessage({
        channelId,
        guildId,
        author: carol,
        content: 'my clip',
        attachments: [{ filename: 'huge.mp4', contentType: 'video/mp4', bytes: await readFile(path) }],
      });
      const usedBefore = await used(carol.id);
      const ask = await discord.userMessage({
        channelId,
        guildId,
        author: carol,
        content: 'continue it',
        mentionsBot: true,
        replyTo: posted,
      });
      await discord.waitFor(
        () =>
          discord
            .messages(channelId)
            .some((m) => m.reference?.messageId === ask.id && /4,000×2,000.*1,920 pixels/.test(m.content)),
        20_000,
      );
      expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(await used(carol.id)).toBe(usedBefore);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an extension past MAX_EXTENDED_SECONDS before anything is charged', async ({
    world: { discord, video, used },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a long road' },
        { name: 'seconds', value: 8 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(done.id)!;
    const usedBefore = await used(alice.id);
    const press = await discord.button({
      message: stored,
      customId: buttonId(stored, 'extend'),
      user: alice,
    });
    await press.waitForAck();
    const submit = await discord.modalSubmit({ from: press, fields: { prompt: 'it goes on', seconds: '8' } });
    await submit.waitForAck();
    await discord.waitFor(() => /limit is 15 s/.test(everything(submit)), 10_000);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await used(alice.id)).toBe(usedBefore);
  });

  it('a press the quota refuses fetches nothing: the last frame is taken only once the job is accepted', async ({
    world: { discord, video, app },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: carol,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a green field' },
        { name: 'seconds', value: 1 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(done.id)!;
    const subject = { platform: 'discord' as const, spaceId: guildId, userId: carol.id };
    await app.quota.setUserLimit(
      { ...subject, userId: discordSeed.admin.id, isSpaceAdmin: true },
      subject,
      1,
    );
    const contentGets = () =>
      video.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/content')).length;
    const gets = contentGets();
    const cdn = discord.cdnRequests.length;
    const press = await discord.button({
      message: stored,
      customId: buttonId(stored, 'extend'),
      user: carol,
    });
    await press.waitForAck();
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'the field turns gold', seconds: '1' },
    });
    await discord.waitFor(() => /used 1 of your 1 video/.test(everything(submit)), 10_000);
    expect(contentGets()).toBe(gets);
    expect(discord.cdnRequests.length).toBe(cdn);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('/jobs shows a chain as one video with its clips, and Delete removes the joined message', async ({
    world: { discord, app },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a white cloud' },
        { name: 'seconds', value: 1 },
        { name: 'resolution', value: '480P' },
      ],
    });
    const done = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(done.id)!;
    const press = await discord.button({ message: stored, customId: buttonId(stored, 'extend'), user: bob });
    await press.waitForAck();
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'a grey cloud', seconds: '1' },
    });
    const joined = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    // The message shows the video a moment before the record says completed.
    for (let i = 0; i < 50 && (await app.jobs.list({ status: 'running' })).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const jobs = await discord.slashCommand({ channelId, guildId, user: bob, name: 'jobs', options: [] });
    const list = await jobs.waitForOriginal((m) => m.content.length > 0, 10_000);
    expect(list.content).toContain('a grey cloud');
    expect(list.content).toContain('“a grey cloud” · ⏩ 2 clips, 1 + 1 s = 2 s');
    // The first clip is part of the longer video, not a video of its own.
    expect(list.content).not.toContain('a white cloud');

    const joinedMessage = discord.message(joined.id)!;
    const del = await discord.button({
      message: joinedMessage,
      customId: buttonId(joinedMessage, 'delete'),
      user: bob,
    });
    await del.waitForAck();
    await discord.waitFor(() => discord.message(joined.id)?.deletedAt !== null, 5000);
    // The earlier video stays where it was.
    expect(discord.message(stored.id)?.deletedAt).toBeNull();
  });
});

describe('Discord Extend across a restart', () => {
  it('a clip running at shutdown is joined and delivered by the next process', async ({
    world: { video },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'discord-extend-restart-'));
    const env = {
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      QUOTA_DEFAULT: '50',
      MAX_EXTENDED_SECONDS: '15',
    };
    const { app: first } = await appFor(video, env);
    const world = await startDiscordWorld({ video, app: first, bot: { messageContent: true } });
    const emu = world.discord;
    try {
      const start = await emu.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [
          { name: 'prompt', value: 'a blue lake' },
          { name: 'seconds', value: 2 },
          { name: 'resolution', value: '480P' },
        ],
      });
      const done = await start.waitForOriginal((m) => m.attachments.length > 0, 20_000);
      const stored = emu.message(done.id)!;
      const press = await emu.button({ message: stored, customId: buttonId(stored, 'extend'), user: alice });
      await press.waitForAck();
      const submit = await emu.modalSubmit({
        from: press,
        fields: { prompt: '[emu:ms=2500] the lake freezes white', seconds: '2' },
      });
      await submit.waitForOriginal((m) => m.content.includes('%'), 15_000);
      await world.bot.stop(500);
      await first.close();
      expect(submit.original()?.attachments ?? []).toHaveLength(0);

      const { app: second, bot: secondBot, close: closeSecond } = await world.startProcess({ env });
      try {
        const settled = await second.runner?.startWorkers((record) => secondBot.replyFor(record));
        expect(settled?.map((r) => r.status)).toEqual(['completed']);
        const final = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
        const seen = await seeVideo(final.attachments[0]!.bytes);
        expect(Math.abs(seen.info.durationSeconds - 4)).toBeLessThanOrEqual(FRAME + 0.001);
        expect(sameColour(seen.first, clipColour('a blue lake'))).toBe(true);
        expect(sameColour(seen.last, clipColour('the lake freezes white'))).toBe(true);
        expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      } finally {
        await closeSecond(500);
      }
    } finally {
      await world.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('an extension still waiting in line at shutdown takes the last frame again after the restart', async ({
    world: { video },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'discord-extend-waiting-'));
    const env = {
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      QUOTA_DEFAULT: '50',
      MAX_EXTENDED_SECONDS: '15',
      MAX_CONCURRENT_JOBS: '1',
    };
    const { app: first } = await appFor(video, env);
    const world = await startDiscordWorld({ video, app: first, bot: { messageContent: true } });
    const emu = world.discord;
    try {
      const start = await emu.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [
          { name: 'prompt', value: 'a pink flower' },
          { name: 'seconds', value: 2 },
          { name: 'resolution', value: '480P' },
        ],
      });
      const done = await start.waitForOriginal((m) => m.attachments.length > 0, 20_000);
      const stored = emu.message(done.id)!;
      // Bob's long job holds the one upstream slot, so alice's extension waits in line.
      await emu.slashCommand({
        channelId,
        guildId,
        user: bob,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:ms=60000] a slow one' }],
      });
      await emu.waitFor(() => video.jobs.size === 2 || undefined, 10_000);
      const press = await emu.button({ message: stored, customId: buttonId(stored, 'extend'), user: alice });
      await press.waitForAck();
      const submit = await emu.modalSubmit({
        from: press,
        fields: { prompt: 'the flower turns white', seconds: '2' },
      });
      await submit.waitForOriginal((m) => /Queued/.test(m.content), 15_000);
      await world.bot.stop(500);
      await first.close();
      expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
      // The slow job finishes while the bot is down; the slot is free at the restart.
      for (const job of video.jobs.values()) job.completesAt = Date.now();

      const { app: second, bot: secondBot, close: closeSecond } = await world.startProcess({ env });
      try {
        await second.runner?.startWorkers((record) => secondBot.replyFor(record));
        const final = await submit.waitForOriginal((m) => m.attachments.length > 0, 20_000);
        const seen = await seeVideo(final.attachments[0]!.bytes);
        expect(Math.abs(seen.info.durationSeconds - 4)).toBeLessThanOrEqual(FRAME + 0.001);
        expect(sameColour(seen.first, clipColour('a pink flower'))).toBe(true);
        const posts = video.requests
          .filter((r) => r.method === 'POST')
          .map((r) => r.body as { image?: string });
        expect(posts).toHaveLength(3);
        expect(posts[2]?.image).toMatch(/^data:image\//);
      } finally {
        await closeSecond(500);
      }
    } finally {
      await world.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
