import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDriver, type SlackDriver } from './slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from './slack/server.js';
import { encodeTyped, type TypedWorkspace } from './slack/text.js';

/**
 * Text as Slack sends it: the emulator's driver turns what a test "types" into Slack's wire form, per
 * https://api.slack.com/reference/surfaces/formatting (escaping, control sequences) and the slash command's
 * escape setting; conversations.info names channels.
 */

const workspace: TypedWorkspace = {
  users: new Map([
    ['alice', 'U0ALICE'],
    ['bob.smith', 'U0BOB'],
  ]),
  channels: new Map([['general', 'C0GENERAL']]),
  userName: (id) => (id === 'U0BOB' ? 'bob.smith' : id.toLowerCase()),
  channelName: (id) => (id === 'C0GENERAL' ? 'general' : id.toLowerCase()),
};

describe('encodeTyped', () => {
  it('escapes &, < and > always, and nothing else', () => {
    for (const form of ['message', 'escaped-command', 'plain-command'] as const) {
      expect(encodeTyped('salt & pepper <3 "quotes" > 2', form, workspace)).toBe(
        'salt &amp; pepper &lt;3 "quotes" &gt; 2',
      );
    }
  });

  it('turns typed mentions, channels, @here and URLs into control sequences in a message', () => {
    expect(
      encodeTyped(
        'hi @alice and @bob.smith in #general, @here: see https://example.com/a?b=1&c=2. me@alice.org',
        'message',
        workspace,
      ),
    ).toBe(
      'hi <@U0ALICE> and <@U0BOB> in <#C0GENERAL>, <!here>: see <https://example.com/a?b=1&amp;c=2>. me@alice.org',
    );
  });

  it('adds the names to an escaped command, and leaves a plain command as typed (entities still escaped)', () => {
    const typed = '@alice in #general & @channel https://x.io';
    expect(encodeTyped(typed, 'escaped-command', workspace)).toBe(
      '<@U0ALICE|alice> in <#C0GENERAL|general> &amp; <!channel> <https://x.io>',
    );
    expect(encodeTyped(typed, 'plain-command', workspace)).toBe(
      '@alice in #general &amp; @channel https://x.io',
    );
  });

  it('keeps a written-out control sequence, or types it back for a plain command', () => {
    const typed = '<@U0BOB> <!subteam^S1|@team> <https://x.io|the site> <!date^1700000000^{date}|Nov 14>';
    expect(encodeTyped(typed, 'message', workspace)).toBe(typed);
    expect(encodeTyped(typed, 'plain-command', workspace)).toBe('@bob.smith @team the site Nov 14');
  });

  it('leaves unknown names and e-mail-like text alone', () => {
    expect(encodeTyped('@nobody #nowhere a@b', 'message', workspace)).toBe('@nobody #nowhere a@b');
  });
});

describe('the driver sends typed text as Slack does', () => {
  let emu: SlackEmulator;
  let driver: SlackDriver;
  let bot: Server;
  const bodies: string[] = [];

  beforeAll(async () => {
    emu = await startSlackEmulator({
      users: [{ id: 'U0ALICE', name: 'alice' }],
      channelNames: { C0GENERAL: 'general' },
      slashCommands: [{ command: '/quota', should_escape: true }, { command: '/imagine' }],
    });
    bot = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(body);
        res.end();
      });
    });
    await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
    driver = createSlackDriver({
      emulator: emu,
      botUrl: `http://127.0.0.1:${(bot.address() as AddressInfo).port}/slack/events`,
    });
  });

  afterAll(async () => {
    await new Promise((resolve) => bot.close(resolve));
    await emu.close();
  });

  const sentText = () => new URLSearchParams(bodies.at(-1)).get('text');

  it('escapes a command’s mentions only when the command is configured to', async () => {
    await driver.slashCommand({
      command: '/quota',
      text: 'set @alice 10',
      user: 'U0ALICE',
      channel: 'C0GENERAL',
    });
    expect(sentText()).toBe('set <@U0ALICE|alice> 10');
    await driver.slashCommand({
      command: '/imagine',
      text: 'a & b @alice',
      user: 'U0ALICE',
      channel: 'C0GENERAL',
    });
    expect(sentText()).toBe('a &amp; b @alice');
    expect(new URLSearchParams(bodies.at(-1)).get('channel_name')).toBe('general');
    await driver.slashCommand({
      command: '/imagine',
      wireText: 'as &amp; is',
      user: 'U0ALICE',
      channel: 'C0X',
    });
    expect(sentText()).toBe('as &amp; is');
  });

  it('stores and delivers a message in its wire form', async () => {
    const { message, delivery } = await driver.userPostsMessage(
      { channel: 'C0GENERAL', user: 'U0ALICE', text: '@emulated-bot hi @alice & #general' },
      { notify: 'app_mention' },
    );
    expect(message.text).toBe(`<@${emu.identity.botUserId}> hi <@U0ALICE> &amp; <#C0GENERAL>`);
    expect(JSON.parse(bodies.at(-1) ?? '{}')).toMatchObject({ event: { text: message.text } });
    expect(delivery?.status).toBe(200);
  });

  it('names a channel in conversations.info', async () => {
    const info = async (channel: string) =>
      (await fetch(`${emu.apiUrl}conversations.info`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${emu.botToken}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ channel }),
      }).then((r) => r.json())) as Record<string, unknown>;
    expect(await info('C0GENERAL')).toMatchObject({
      ok: true,
      channel: { id: 'C0GENERAL', name: 'general', is_channel: true, is_private: false },
    });
    expect(await info('G0SECRET')).toMatchObject({
      ok: true,
      channel: { name: 'g0secret', is_private: true },
    });
    expect(await info('D0ALICE')).toMatchObject({ ok: true, channel: { is_im: true } });
  });
});
