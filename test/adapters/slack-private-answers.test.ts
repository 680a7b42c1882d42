import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  RESPONSE_URL_MAX_USES,
  RESPONSE_URL_TTL_MS,
  createPrivateAnswers,
  type PrivateAnswers,
} from '../../adapters/slack/private-answer.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { capturedLogger } from '../helpers/core.js';

/**
 * The order a private answer tries on Slack, against the emulator that refuses like Slack: the response_url
 * while it is good (30 minutes, 5 messages, counted here so a sixth is not even tried), chat.postEphemeral
 * only where there is no response_url, and the person's DM with the bot when nothing else reaches them.
 */

const ALICE = 'U0ALICE';
const MEMBER = 'C0MEMBER';
const SECRET = 'C0SECRET';

let emu: SlackEmulator;
let app: App;
let clock = Date.now();
let answers: PrivateAnswers;

beforeAll(async () => {
  emu = await startSlackEmulator({
    users: [{ id: ALICE, name: 'alice' }],
    conversations: [
      { id: MEMBER, name: 'member' },
      { id: SECRET, kind: 'private', name: 'secret', bot: false, members: [ALICE] },
    ],
  });
  app = new App({
    token: emu.botToken,
    signingSecret: emu.signingSecret,
    tokenVerificationEnabled: false,
    botId: emu.identity.botId,
    botUserId: emu.identity.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
  answers = createPrivateAnswers({ client: app.client, logger: capturedLogger().logger, now: () => clock });
});
afterAll(() => emu.close());
beforeEach(() => {
  clock = Date.now();
  emu.reset();
});

const responseUrlIn = (channel: string) => ({
  url: emu.issueResponseUrl({
    kind: 'slash_command',
    channel,
    user: ALICE,
    messageTs: undefined,
    threadTs: undefined,
  }),
  issuedAt: clock,
});
const botDm = () => [...emu.conversations.values()].find((c) => c.kind === 'im' && c.members?.has(ALICE));

describe('Slack private answers', () => {
  it('uses the response_url five times, then the DM without trying a sixth', async () => {
    const responseUrl = responseUrlIn(SECRET);
    const routes = [];
    for (let i = 0; i <= RESPONSE_URL_MAX_USES; i++) {
      routes.push(await answers.tell({ channel: SECRET, userId: ALICE, responseUrl }, `note ${i}`));
    }
    expect(routes).toEqual([...Array<string>(RESPONSE_URL_MAX_USES).fill('response_url'), 'dm']);
    expect(emu.responses).toHaveLength(RESPONSE_URL_MAX_USES);
    expect(emu.messagesIn(botDm()?.id ?? '').map((m) => m.text)).toEqual([`In <#${SECRET}>: note 5`]);
  });

  it('does not try a response_url past its half hour', async () => {
    const responseUrl = responseUrlIn(SECRET);
    clock += RESPONSE_URL_TTL_MS;
    expect(await answers.tell({ channel: SECRET, userId: ALICE, responseUrl }, 'late')).toBe('dm');
    expect(emu.responses).toEqual([]);
  });

  it('posts an ephemeral only where there is no response_url, and DMs where the bot is not a member', async () => {
    expect(await answers.tell({ channel: MEMBER, userId: ALICE }, 'beside the message')).toBe('ephemeral');
    expect(emu.timeline.at(-1)).toMatchObject({
      channel: MEMBER,
      ephemeralFor: ALICE,
      via: 'chat.postEphemeral',
    });
    expect(await answers.tell({ channel: SECRET, userId: ALICE }, 'nowhere else')).toBe('dm');
    expect(emu.callsTo('chat.postEphemeral').at(-1)?.response?.error).toBe('channel_not_found');
    expect(emu.messagesIn(botDm()?.id ?? '').at(-1)?.text).toBe(`In <#${SECRET}>: nowhere else`);
  });

  it('says it could not reach the person when even the DM fails', async () => {
    emu.configure({ methodError: { method: 'conversations.open', error: 'cannot_dm_bot' } });
    expect(await answers.tell({ channel: SECRET, userId: ALICE }, 'lost')).toBe('lost');
  });
});
