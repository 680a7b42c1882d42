import { describe, expect } from 'vitest';
import { MANAGE_GUILD, discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Extend goes through the space's model rules like /imagine, Again and Vary: a video made with a model the
 * server has disallowed since is not continued with it (nothing sent, nothing charged).
 */

const it = discordWorldTest({
  generationMs: 300,
  clips: 'rendered',
  env: {
    QUOTA_DEFAULT: '50',
    MAX_EXTENDED_SECONDS: '60',
    VIDEO_MODELS: 'grok-imagine-video,grok-video-3',
  },
});
const { guildId, general: channelId, admin, alice } = discordSeed;

describe('Discord Extend and the server’s models', () => {
  it('refuses to continue a video whose model the server has disallowed since', async ({
    world: { discord, video, used },
  }) => {
    const first = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [
        { name: 'prompt', value: 'a red fox' },
        { name: 'model', value: 'grok-video-3' },
        { name: 'resolution', value: '480P' },
      ],
    });
    const message = await first.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const stored = discord.message(message.id) ?? message;

    const settings = await discord.slashCommand({
      channelId,
      guildId,
      user: admin,
      permissions: MANAGE_GUILD,
      name: 'settings',
      subcommand: 'models',
      options: [
        { name: 'default', value: 'grok-imagine-video' },
        { name: 'allowed', value: 'grok-imagine-video' },
      ],
    });
    await settings.waitForOriginal((m) => m.content.length > 0, 5000);

    const usedBefore = await used(alice.id);
    const posts = video.requests.filter((r) => r.method === 'POST').length;
    const extendId = /"custom_id":"(extend:[^"]+)"/.exec(JSON.stringify(stored.components))?.[1];
    expect(extendId).toBeDefined();
    const press = await discord.button({ message: stored, customId: extendId!, user: alice });
    await press.waitForAck();
    const submit = await discord.modalSubmit({
      from: press,
      fields: { prompt: 'the fox runs', seconds: '10' },
    });
    await discord.waitFor(
      () => /grok-video-3.*grok-imagine-video/.test(JSON.stringify([submit.original(), submit.followups()])),
      10_000,
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(posts);
    expect(await used(alice.id)).toBe(usedBefore);
  });
});
