import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../adapters/slack/arguments.js';
import {
  decodeEntities,
  decodeSlackText,
  plainSlackText,
  resolveNames,
  type SlackNames,
} from '../../adapters/slack/text.js';
import { SLASH_COMMANDS } from '../../commands/index.js';

/** Slack's wire form → the text a person read (https://api.slack.com/reference/surfaces/formatting). */

const names = (users: Record<string, string>, channels: Record<string, string> = {}) => {
  const asked: string[] = [];
  const lookups: SlackNames = {
    user: (id) => (asked.push(id), Promise.resolve(users[id])),
    channel: (id) => (asked.push(id), Promise.resolve(channels[id])),
  };
  return { lookups, asked };
};

describe('plainSlackText', () => {
  it('decodes the three entities in one pass, so an escaped entity stays what was typed', () => {
    expect(decodeEntities('a &amp; b &lt;3 &gt; &amp;lt; &quot;')).toBe('a & b <3 > &lt; &quot;');
  });

  it('reads every control sequence without lookups: labels, fallbacks, special words', () => {
    expect(
      plainSlackText(
        '<@U1> <@U2|bob> <#C1> <#C2|general> <#C3|> <https://x.io/?a=1&amp;b=2> <https://x.io|site> ' +
          '<mailto:a@b.co> <!here> <!channel> <!everyone> <!group> <!here|@here> <!subteam^S1|@design> ' +
          '<!subteam^S2|ops> <!subteam^S3> <!date^1700000000^{date}|Nov 14> <!date^1700000000^{date}> <!unknown>',
      ),
    ).toBe(
      '@someone @bob #channel #general #channel https://x.io/?a=1&b=2 site a@b.co @here @channel ' +
        '@everyone @channel @here @design @ops @group Nov 14 2023-11-14 ',
    );
  });

  it('prefers the looked-up display name to a label, and a channel’s label to a lookup', async () => {
    const { lookups, asked } = names({ U2: 'Bob Smith' }, { C1: 'random', C2: 'not-asked' });
    expect(await decodeSlackText('<@U2|bob> in <#C1> and <#C2|general>', lookups)).toBe(
      '@Bob Smith in #random and #general',
    );
    expect(asked).toEqual(['U2', 'C1']);
  });

  it('asks once per name, at most 20 of them, and survives a failing lookup', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `U${i}`);
    const text = [...ids, ...ids].map((id) => `<@${id}>`).join(' ');
    const { lookups, asked } = names(Object.fromEntries(ids.map((id) => [id, id.toLowerCase()])));
    const resolved = await resolveNames(text, lookups);
    expect(asked).toHaveLength(20);
    expect(plainSlackText('<@U0> <@U29>', resolved)).toBe('@u0 @someone');
    const failing: SlackNames = {
      user: () => Promise.reject(new Error('down')),
      channel: () => Promise.resolve(undefined),
    };
    expect(await decodeSlackText('hi <@U1|ann>', failing)).toBe('hi @ann');
  });
});

describe('parseCommandText decodes what is not a user or channel option', () => {
  const here = { kind: 'channel' as const, id: 'C0HERE', name: 'here' };
  const command = (name: string) => {
    const found = SLASH_COMMANDS.find((c) => c.name === name);
    if (!found) throw new Error(name);
    return found;
  };

  it('a prompt with flags', () => {
    expect(parseCommandText(command('imagine'), 'salt &amp; pepper &lt;3 --seconds 4', here).options).toEqual(
      {
        prompt: 'salt & pepper <3',
        seconds: '4',
      },
    );
  });

  it('a ban pattern, and a user option read from its sequence', () => {
    expect(
      parseCommandText(command('settings'), 'ban-add <https://x.io|x.io> &amp; co', here).options,
    ).toEqual({
      pattern: 'x.io & co',
    });
    const quota = parseCommandText(command('quota'), 'set <@U0BOB|bob> 10', here);
    expect(quota.options).toMatchObject({ user: { id: 'U0BOB', displayName: 'bob' }, limit: 10 });
  });
});
