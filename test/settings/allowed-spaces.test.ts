import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { createSpaceAllowlist } from '../../src/settings/allowed-spaces.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('ALLOWED_SPACES config', () => {
  it('is off (every space) when unset or blank', () => {
    expect(parseConfig({}).allowedSpaces).toBeUndefined();
    expect(parseConfig({ ALLOWED_SPACES: '  ' }).allowedSpaces).toBeUndefined();
  });

  it('reads Discord servers, Discord DMs and Slack workspaces, trimmed, without repeats', () => {
    const config = parseConfig({
      ALLOWED_SPACES: ' discord:1210000000000000001, slack:T0EMU ,discord:dm,, slack:T0EMU',
    });
    expect(config.allowedSpaces).toEqual(['discord:1210000000000000001', 'slack:T0EMU', 'discord:dm']);
  });

  it('names every malformed entry and what an entry looks like', () => {
    for (const bad of [
      '1210000000000000001',
      'discord:abc',
      'discord:DM',
      'Discord:121',
      'slack:t0emu',
      'slack:',
      'teams:T1',
      'discord:dm:1',
    ]) {
      const problems = problemsOf({ ALLOWED_SPACES: `discord:1, ${bad}` });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`ALLOWED_SPACES`);
      expect(problems[0]).toContain(`"${bad}"`);
      expect(problems[0]).toContain('discord:<server id>');
      expect(problems[0]).toContain('discord:dm');
      expect(problems[0]).toContain('slack:<team id>');
      expect(problems[0]).not.toContain('"discord:1"');
    }
  });
});

describe('the space allowlist', () => {
  it('allows every space when ALLOWED_SPACES is unset', () => {
    const all = createSpaceAllowlist(undefined);
    expect(all.allows({ platform: 'discord', spaceId: '1' })).toBe(true);
    expect(all.allows({ platform: 'discord', spaceId: 'dm:42' })).toBe(true);
    expect(all.allows({ platform: 'slack', spaceId: 'T1' })).toBe(true);
  });

  it('allows only the listed servers and workspaces; Discord DMs only with discord:dm', () => {
    const some = createSpaceAllowlist(['discord:100', 'slack:T1']);
    expect(some.allows({ platform: 'discord', spaceId: '100' })).toBe(true);
    expect(some.allows({ platform: 'discord', spaceId: '101' })).toBe(false);
    expect(some.allows({ platform: 'discord', spaceId: 'dm:42' })).toBe(false);
    expect(some.allows({ platform: 'slack', spaceId: 'T1' })).toBe(true);
    expect(some.allows({ platform: 'slack', spaceId: 'T2' })).toBe(false);
    // A Slack team id is not a Discord server, nor the other way round.
    expect(some.allows({ platform: 'slack', spaceId: '100' })).toBe(false);
    expect(some.allows({ platform: 'discord', spaceId: 'T1' })).toBe(false);
    // An event that named no team at all is nobody's space.
    expect(some.allows({ platform: 'slack', spaceId: '' })).toBe(false);

    const withDms = createSpaceAllowlist(['discord:dm']);
    expect(withDms.allows({ platform: 'discord', spaceId: 'dm:42' })).toBe(true);
    expect(withDms.allows({ platform: 'discord', spaceId: '100' })).toBe(false);
  });

  it('an empty list allows nothing (the config never makes one; the module does not guess)', () => {
    expect(createSpaceAllowlist([]).allows({ platform: 'slack', spaceId: 'T1' })).toBe(false);
  });
});
