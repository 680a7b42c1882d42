import { describe, expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';
import { MANAGE_GUILD, discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * /usage on Discord, through real discord.js and the emulators: a server admin sees this server's period —
 * total, by model, users — and one member's; a member is refused and pointed to /quota show; a bot owner
 * sees the whole bot. Every answer is ephemeral.
 */

const { guildId, general: channelId, admin, alice, bob, carol } = discordSeed;
const it = discordWorldTest({
  generationMs: 200,
  env: {
    QUOTA_UNIT: 'credits',
    QUOTA_DEFAULT: '100',
    VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3',
    PRICES: 'grok-imagine-video:1/s,grok-video-1.5:2/s,grok-video-3:3/s',
    OWNER_IDS: `discord:${carol.id}`,
  },
});

type Option = { name: string; value: string | number; type?: number };

async function made(discord: DiscordEmulator, user: typeof alice, options: Option[]): Promise<void> {
  const handle = await discord.slashCommand({ channelId, guildId, user, name: 'imagine', options });
  await handle.waitForOriginal((m) => m.attachments.length > 0 || m.content.startsWith('❌'), 15_000);
}

async function usage(
  discord: DiscordEmulator,
  user: typeof alice,
  options: Option[] = [],
  isAdmin = false,
): Promise<string> {
  const handle: InteractionHandle = await discord.slashCommand({
    channelId,
    guildId,
    user,
    name: 'usage',
    options,
    ...(isAdmin ? { permissions: MANAGE_GUILD } : {}),
  });
  const answer = await handle.waitForOriginal((m) => m.content.length > 0, 5000);
  expect(answer.ephemeral).toBe(true);
  return answer.content;
}

describe('Discord: /usage', () => {
  it('shows admins the total, by model and by user; one member’s; owners the whole bot; refuses the rest', async ({
    world: { discord },
  }) => {
    await made(discord, alice, [
      { name: 'prompt', value: 'a lighthouse' },
      { name: 'model', value: 'grok-video-3' },
      { name: 'seconds', value: 10 },
    ]);
    await made(discord, bob, [
      { name: 'prompt', value: 'a fox' },
      { name: 'seconds', value: 6 },
    ]);
    await made(discord, alice, [{ name: 'prompt', value: '[emu:fail=Rejected by the safety filter] x' }]);

    const all = await usage(discord, admin, [], true);
    expect(all.split('\n')).toEqual([
      expect.stringMatching(
        /^Usage in this server today \(it resets at \d{4}-\d\d-\d\d 00:00 UTC\): 36 credits \(2 videos\)\.$/,
      ),
      'By model:',
      '• grok-video-3: 30 credits (1 video)',
      '• grok-imagine-video: 6 credits (1 video)',
      'Users:',
      `• <@${alice.id}>: 30 credits (1 video)`,
      `• <@${bob.id}>: 6 credits (1 video)`,
      'Given back (failed or cancelled in time): 1 video.',
    ]);

    const one = await usage(discord, admin, [{ name: 'user', value: bob.id, type: 6 }], true);
    expect(one).toMatch(
      new RegExp(`^Usage of <@${bob.id}> in this server today .*: 6 credits \\(1 video\\)\\.\\n`),
    );
    expect(one).toContain('• grok-imagine-video: 6 credits (1 video)');
    expect(one).not.toContain('Users:');

    const refused = await usage(discord, alice);
    expect(refused).toContain('can see usage here');
    expect(refused).toContain('`/quota show`');
    expect(refused).not.toContain('credits');
    expect(await usage(discord, alice, [{ name: 'user', value: bob.id, type: 6 }])).toContain(
      '`/quota show`',
    );
    expect(await usage(discord, admin, [{ name: 'scope', value: 'bot' }], true)).toBe(
      '⚠️ Only a bot owner can see the whole bot’s usage.',
    );

    const bot = await usage(discord, carol, [{ name: 'scope', value: 'bot' }]);
    expect(bot).toMatch(/^Usage of the whole bot today .*: 36 credits \(2 videos\)\.\n/);
    expect(bot).toContain(`• discord:${guildId}: 36 credits (2 videos)`);
  });
});
