import { describe, expect } from 'vitest';
import { testImage } from '../helpers/images.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/** Real discord.js, the Discord emulator and the video-API emulator: assertions are on what users would see. */

const EDIT_INTERVAL = 300;
const it = discordWorldTest({
  generationMs: 1500,
  env: { QUOTA_DEFAULT: '2' },
  bot: { reply: { editIntervalMs: EDIT_INTERVAL } },
});
const { guildId, general: channelId, alice, bob, admin } = discordSeed;

const photo = (color: string) => testImage({ width: 320, height: 240, fill: color });

describe('Discord /imagine end to end', () => {
  it('defers at once, edits progress in order and throttled, and uploads the exact MP4 with Again', async ({
    world: { discord, video },
  }) => {
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a lighthouse in a storm @everyone' },
        { name: 'seconds', value: 4 },
        { name: 'aspect_ratio', value: '9x16' },
      ],
    });
    await handle.waitForAck();
    expect(handle.ack?.type).toBe(5);
    expect(handle.ackLatencyMs).toBeLessThan(1000);
    const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(final.attachments[0]?.bytes).toEqual(video.mp4);
    expect(JSON.stringify(final.components)).toContain('again:');
    expect(final.mentions).toEqual({ users: [], roles: [], everyone: false });
    expect(final.allowedMentions).toEqual({ parse: [] });

    const versions = handle.edits();
    expect(versions[0]?.flags ?? 0).toBeGreaterThanOrEqual(128); // "thinking…"
    const progress = versions.filter((v) => v.content.includes('%'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const percents = progress.map((v) => Number(/(\d+)%/.exec(v.content)?.[1]));
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    for (let i = 1; i < progress.length; i++) {
      expect((progress[i]?.at ?? 0) - (progress[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(EDIT_INTERVAL - 20);
    }
    expect(video.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      seconds: '4',
      aspect_ratio: '9:16',
    });
  });

  it('sends two attached images as `images` data URIs', async ({ world: { discord, video } }) => {
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'blend these' }],
      attachments: {
        image1: { filename: 'red.png', contentType: 'image/png', bytes: await photo('#ff0000') },
        image2: { filename: 'blue.png', contentType: 'image/png', bytes: await photo('#0000ff') },
      },
    });
    await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const body = video.requests.find((r) => r.method === 'POST')?.body as {
      images?: string[];
      image?: string;
    };
    expect(body.image).toBeUndefined();
    expect(body.images).toHaveLength(2);
    for (const uri of body.images ?? []) expect(uri).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('refunds a failed generation and shows the reason in the message', async ({
    world: { discord, app },
  }) => {
    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'imagine',
      options: [{ name: 'prompt', value: '[emu:fail=Rejected by the safety filter] x' }],
    });
    const final = await handle.waitForOriginal((m) => m.content.startsWith('❌'), 15_000);
    expect(final.content).toContain('Rejected by the safety filter');
    expect((await app.quota.status({ platform: 'discord', spaceId: guildId, userId: bob.id })).used).toBe(1);
  });

  it('refuses past the quota ephemerally, naming the limit, without calling the API', async ({
    world: { discord, video },
  }) => {
    const second = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'second' }],
    });
    await second.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const posts = video.requests.filter((r) => r.method === 'POST').length;
    const third = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'third' }],
    });
    await discord.waitFor(() => third.followups().length > 0, 5000);
    const notice = third.followups()[0];
    expect(notice?.ephemeral).toBe(true);
    expect(notice?.content).toMatch(/used 2 of your 2 videos today\. Your quota resets at/);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
  });
});

describe('Discord upload limit', () => {
  it('posts the keyless link instead of a file over the channel upload limit, or says it cannot', async ({
    world: { video, app },
  }) => {
    const small = await startDiscordWorld({
      video,
      app,
      emulator: { attachmentSizeLimit: 1024 },
      bot: { reply: { editIntervalMs: EDIT_INTERVAL } },
    });
    try {
      const linked = await small.discord.slashCommand({
        channelId,
        guildId,
        user: admin,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:foreign] big one' }],
      });
      const withLink = await linked.waitForOriginal((m) => m.content.includes('upload limit'), 15_000);
      expect(withLink.attachments).toHaveLength(0);
      expect(withLink.content).toContain(`${video.foreignOrigin}/files/`);

      const unlinked = await small.discord.slashCommand({
        channelId,
        guildId,
        user: admin,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'big two' }],
      });
      const noLink = await unlinked.waitForOriginal((m) => m.content.includes('upload limit'), 15_000);
      expect(noLink.content).toContain('gave no public link');
      expect(noLink.content).not.toContain(video.origin);
    } finally {
      await small.close();
    }
  });
});

describe('Discord /quota end to end', () => {
  it('refuses a non-admin and lets a Manage Server admin set a limit', async ({
    world: { discord, app },
  }) => {
    const refused = await discord.slashCommand({
      channelId,
      guildId,
      user: bob,
      name: 'quota',
      subcommand: 'set',
      options: [
        { name: 'user', value: alice.id, type: 6 },
        { name: 'limit', value: 10 },
      ],
    });
    const no = await refused.waitForOriginal((m) => m.content.length > 0, 5000);
    // Discord's words: a server and its Manage Server permission, never Slack's workspace.
    expect(no.content).toContain('Only server admins with Manage Server (or a bot owner) can change quotas.');
    expect(no.content).not.toMatch(/workspace/i);
    expect(no.ephemeral).toBe(true);

    const allowed = await discord.slashCommand({
      channelId,
      guildId,
      user: admin,
      permissions: '32',
      name: 'quota',
      subcommand: 'set',
      options: [
        { name: 'user', value: alice.id, type: 6 },
        { name: 'limit', value: 10 },
      ],
    });
    const yes = await allowed.waitForOriginal((m) => m.content.length > 0, 5000);
    expect(yes.content).toBe('alice’s limit is now 10 videos.');
    expect((await app.quota.status({ platform: 'discord', spaceId: guildId, userId: alice.id })).limit).toBe(
      10,
    );
  });
});
