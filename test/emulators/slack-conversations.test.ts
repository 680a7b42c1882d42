import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './slack/server.js';

/**
 * The emulator's channel model, through Slack's own web client: a bot is refused where it is not a member
 * (`not_in_channel` in a public channel, `channel_not_found` in a private one or a DM of others), joins public
 * channels only, opens its own DMs, and a command's response_url answers everywhere for 30 minutes, 5 times.
 */

const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const JOINED = 'C0JOINED';
const LOBBY = 'C0LOBBY';
const SECRET = 'C0SECRET';
const DM = 'D0ALICEBOB';

let emu: SlackEmulator;
let client: webApi.WebClient;
let clock = Date.now();

beforeAll(async () => {
  emu = await startSlackEmulator({
    now: () => clock,
    users: [
      { id: ALICE, name: 'alice' },
      { id: BOB, name: 'bob' },
    ],
    conversations: [
      { id: JOINED, name: 'joined' },
      { id: LOBBY, name: 'lobby', bot: false },
      { id: SECRET, kind: 'private', name: 'secret', bot: false, members: [ALICE] },
      { id: DM, kind: 'im', bot: false, members: [ALICE, BOB] },
    ],
  });
  client = new webApi.WebClient(emu.botToken, {
    slackApiUrl: emu.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
});
afterAll(() => emu.close());
beforeEach(() => {
  clock = Date.now();
  emu.reset();
});

const errorOf = async (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (error: unknown) => (error as { data?: { error?: string } }).data?.error ?? String(error),
  );

describe('Slack emulator: channels and membership', () => {
  it('refuses a bot that is not a member, in the words Slack uses for each kind', async () => {
    for (const [channel, expected] of [
      [LOBBY, 'not_in_channel'],
      [SECRET, 'channel_not_found'],
      [DM, 'channel_not_found'],
    ] as const) {
      expect(await errorOf(client.chat.postMessage({ channel, text: 'hi' })), channel).toBe(expected);
      expect(await errorOf(client.chat.postEphemeral({ channel, user: ALICE, text: 'hi' })), channel).toBe(
        expected,
      );
      expect(await errorOf(client.conversations.history({ channel })), channel).toBe(expected);
      expect(
        await errorOf(
          client.files.uploadV2({ channel_id: channel, file: Buffer.from('x'), filename: 'a.mp4' }),
        ),
        channel,
      ).toBe(expected);
    }
    expect(await errorOf(client.chat.postMessage({ channel: JOINED, text: 'hi' }))).toBe('ok');
    // Undeclared channels exist with the bot in them (the default world's channels).
    expect(await errorOf(client.chat.postMessage({ channel: 'C0ANYWHERE', text: 'hi' }))).toBe('ok');
    expect(emu.messages.filter((m) => m.via === 'chat.postMessage').map((m) => m.channel)).toEqual([
      JOINED,
      'C0ANYWHERE',
    ]);
  });

  it('refuses an ephemeral for a person who is not in the channel', async () => {
    await client.conversations.join({ channel: LOBBY });
    emu.addConversation({ id: 'C0SMALL', members: [ALICE] });
    expect(await errorOf(client.chat.postEphemeral({ channel: 'C0SMALL', user: BOB, text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    expect(await errorOf(client.chat.postEphemeral({ channel: 'C0SMALL', user: ALICE, text: 'x' }))).toBe(
      'ok',
    );
  });

  it('lets the bot join a public channel, never a private one or a DM', async () => {
    const joined = await client.conversations.join({ channel: LOBBY });
    expect(joined.channel).toMatchObject({ id: LOBBY, is_member: true, is_private: false, name: 'lobby' });
    expect(joined.warning).toBeUndefined();
    expect((await client.conversations.join({ channel: LOBBY })).warning).toBe('already_in_channel');
    expect(await errorOf(client.chat.postMessage({ channel: LOBBY, text: 'now I can' }))).toBe('ok');
    expect(await errorOf(client.conversations.join({ channel: SECRET }))).toBe(
      'method_not_supported_for_channel_type',
    );
    expect(await errorOf(client.conversations.join({ channel: DM }))).toBe('channel_not_found');
    // A reset forgets the join: the channel is as declared again.
    emu.reset();
    expect(await errorOf(client.chat.postMessage({ channel: LOBBY, text: 'x' }))).toBe('not_in_channel');
  });

  it('opens the bot’s own DM with a person, and posts there for a user id', async () => {
    const opened = await client.conversations.open({ users: ALICE });
    const id = opened.channel?.id ?? '';
    expect(id).toMatch(/^D/);
    expect(id).not.toBe(DM);
    const again = await client.conversations.open({ users: ALICE, return_im: true });
    expect(again).toMatchObject({ already_open: true, channel: { id, is_im: true, user: ALICE } });
    const posted = await client.chat.postMessage({ channel: id, text: 'hello alice' });
    expect(posted.channel).toBe(id);
    const byUser = await client.chat.postMessage({ channel: ALICE, text: 'by user id' });
    expect(byUser.channel).toBe(id);
    expect(await errorOf(client.conversations.open({ users: 'U0NOBODY' }))).toBe('user_not_found');
  });

  it('takes a command’s response_url anywhere, 5 times within 30 minutes', async () => {
    const url = emu.issueResponseUrl({
      kind: 'slash_command',
      channel: SECRET,
      user: ALICE,
      messageTs: undefined,
      threadTs: undefined,
    });
    const post = (text: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response_type: 'ephemeral', text }),
      }).then((res) => res.status);
    expect(await post('only alice sees this, where the bot is not')).toBe(200);
    expect(emu.timeline.at(-1)).toMatchObject({ channel: SECRET, ephemeralFor: ALICE, via: 'response_url' });
    clock += 31 * 60_000;
    expect(await post('too late')).toBe(404);
    expect(emu.responses.at(-1)?.effect).toBe('rejected');
  });
});
