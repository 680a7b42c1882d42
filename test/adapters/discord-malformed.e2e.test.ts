import { describe, expect } from 'vitest';
import { snowflake } from '../emulators/discord/server.js';
import { discordSeed } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Events Discord should never send, but a public bot must outlive: each malformed INTERACTION_CREATE below
 * once made discord.js throw while building the interaction, which ended the process for every server.
 */

const it = discordWorldTest({ generationMs: 300 });
const { guildId, general: channelId, alice } = discordSeed;

type Payload = Record<string, unknown>;

const without =
  (...keys: string[]) =>
  (payload: Payload): Payload => {
    const copy = { ...payload };
    for (const key of keys) delete copy[key];
    return copy;
  };

const malformedInteractions: { name: string; tamper: (payload: Payload) => Payload }[] = [
  {
    name: 'data.options not an array',
    tamper: (p) => ({ ...p, data: { ...(p.data as Payload), options: { name: 'prompt', value: 'x' } } }),
  },
  { name: 'no entitlements', tamper: without('entitlements') },
  { name: 'no authorizing_integration_owners', tamper: without('authorizing_integration_owners') },
  { name: 'neither member nor user', tamper: without('member', 'user') },
  { name: 'no data', tamper: without('data') },
];

interface LogLine {
  level: number;
  msg: string;
  platform?: string;
  eventType?: string;
  issues?: unknown[];
}

const WARN = 40;

const parsedLines = (lines: string[], msg: string): LogLine[] =>
  lines.map((line) => JSON.parse(line) as LogLine).filter((line) => line.msg === msg);

describe('Discord malformed gateway events', () => {
  it('drops each with a warning and the same process then serves /imagine', async ({
    world: { discord, video, logLines },
  }) => {
    const identifiesBefore = discord.identifies.length;
    const dropped: string[] = [];
    for (const { tamper } of malformedInteractions) {
      await discord.slashCommand({
        channelId,
        guildId,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'never served' }],
        tamper,
      });
      dropped.push('INTERACTION_CREATE');
    }
    await discord.rawDispatch({
      t: 'MESSAGE_CREATE',
      guildId,
      d: {
        id: snowflake(),
        channel_id: channelId,
        guild_id: guildId,
        content: `<@${discordSeed.botId}> a fox`,
        timestamp: new Date().toISOString(),
        type: 0,
        mentions: [],
        attachments: [],
        embeds: [],
      },
    });
    dropped.push('MESSAGE_CREATE');
    // No check knows this one (the bot does not act on it), yet discord.js throws on it too.
    await discord.rawDispatch({ t: 'MESSAGE_UPDATE', guildId, d: null });

    const handle = await discord.slashCommand({
      channelId,
      guildId,
      user: alice,
      name: 'imagine',
      options: [{ name: 'prompt', value: 'a fox after the storm' }],
    });
    await handle.waitForAck();
    expect(handle.ack?.type).toBe(5);
    const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    expect(final.attachments[0]?.bytes).toEqual(video.mp4);

    // Same process, same gateway session: nothing crashed and nothing reconnected.
    expect(discord.identifies.length).toBe(identifiesBefore);
    const malformedHandles = discord.interactions().filter((h) => h.id !== handle.id);
    expect(malformedHandles).toHaveLength(malformedInteractions.length);
    for (const h of malformedHandles) expect(h.callbacks).toEqual([]);
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    const warnings = parsedLines(logLines, 'dropped a malformed gateway event');
    expect(warnings.map((w) => w.eventType)).toEqual(dropped);
    const failed = parsedLines(logLines, 'discord.js failed on a gateway event; dropped it');
    expect(failed.map((f) => f.eventType)).toEqual(['MESSAGE_UPDATE']);
    for (const warning of warnings) {
      expect(warning.level).toBe(WARN);
      expect(warning.platform).toBe('discord');
      expect(warning.issues?.length).toBeGreaterThan(0);
    }
  });
});
