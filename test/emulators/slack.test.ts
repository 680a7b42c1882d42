import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackDriver } from './slack/driver.js';
import type { SlackDriver } from './slack/driver.js';
import { startSlackEmulator } from './slack/server.js';
import type { SlackEmulator } from './slack/server.js';

const SIGNING_SECRET = 'test-signing-secret';
const CHANNEL = 'C0VIDEOS';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const VIDEO = Buffer.from([
  0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32, 1, 2, 3, 255,
]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const RETRY = { retries: 2, minTimeout: 10, maxTimeout: 20 };

interface MentionSeen {
  text: string;
  retryNum: number | undefined;
  retryReason: string | undefined;
  downloaded: { status: number; type: string | null; bytes: Buffer }[];
}

let emu: SlackEmulator;
let app: App;
let driver: SlackDriver;
const mentions: MentionSeen[] = [];
const submissions: { values: unknown; privateMetadata: string; user: string }[] = [];
const actions: { actionId: string; value: string | undefined }[] = [];
const errors: unknown[] = [];

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

beforeAll(async () => {
  emu = await startSlackEmulator({
    signingSecret: SIGNING_SECRET,
    users: [
      { id: ALICE, name: 'alice', isAdmin: true, isOwner: true },
      { id: BOB, name: 'bob' },
    ],
  });
  app = new App({
    token: emu.botToken,
    signingSecret: SIGNING_SECRET,
    port: 0,
    tokenVerificationEnabled: false,
    botId: emu.identity.botId,
    botUserId: emu.identity.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: RETRY },
  });
  app.error(async (error) => {
    errors.push(error);
  });

  app.command('/video', async ({ ack, command, client, respond }) => {
    await ack();
    const [verb] = command.text.split(' ');
    if (verb === 'post' || verb === 'upload') {
      const posted = await client.chat.postMessage({ channel: command.channel_id, text: 'Rendering…' });
      const ts = posted.ts ?? '';
      if (verb === 'upload') {
        await client.files.uploadV2({
          channel_id: command.channel_id,
          thread_ts: ts,
          file: VIDEO,
          filename: 'video.mp4',
          initial_comment: 'Here it is',
        });
      }
      await client.chat.update({ channel: command.channel_id, ts, text: 'Done' });
    } else if (verb === 'whoami') {
      const info = await client.users.info({ user: command.user_id });
      await client.chat.postEphemeral({
        channel: command.channel_id,
        user: command.user_id,
        text: `admin=${String(info.user?.is_admin)} owner=${String(info.user?.is_owner)}`,
      });
    } else if (verb === 'ephemeral') {
      await respond({ text: 'Only you can see this' });
      await client.chat.postEphemeral({
        channel: command.channel_id,
        user: command.user_id,
        text: 'Also private',
      });
    }
  });

  app.event('app_mention', async ({ event, context, client }) => {
    const seen: MentionSeen = {
      text: event.text,
      retryNum: context.retryNum,
      retryReason: context.retryReason,
      downloaded: [],
    };
    // Find the files the way a bot does for a thread: through conversations.replies.
    const replies = await client.conversations.replies({ channel: event.channel, ts: event.ts });
    for (const message of replies.messages ?? []) {
      for (const file of message.files ?? []) {
        const res = await fetch(file.url_private ?? '', {
          headers: { Authorization: `Bearer ${emu.botToken}` },
        });
        seen.downloaded.push({
          status: res.status,
          type: res.headers.get('content-type'),
          bytes: Buffer.from(await res.arrayBuffer()),
        });
      }
    }
    mentions.push(seen);
  });

  app.shortcut('make_video', async ({ ack, shortcut, client }) => {
    await ack();
    if (shortcut.type !== 'message_action') return;
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'video_modal',
        private_metadata: JSON.stringify({ channel: shortcut.channel.id, ts: shortcut.message_ts }),
        title: { type: 'plain_text', text: 'Make a video' },
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'prompt',
            label: { type: 'plain_text', text: 'Prompt' },
            element: { type: 'plain_text_input', action_id: 'prompt_input' },
          },
        ],
      },
    });
  });

  app.view('video_modal', async ({ ack, view, body }) => {
    const prompt = view.state.values.prompt?.prompt_input?.value ?? '';
    if (prompt.length < 3) {
      await ack({ response_action: 'errors', errors: { prompt: 'Too short' } });
      return;
    }
    await ack();
    submissions.push({
      values: view.state.values,
      privateMetadata: view.private_metadata,
      user: body.user.id,
    });
  });

  app.action('retry', async ({ ack, action, respond }) => {
    await ack();
    const value = action.type === 'button' ? action.value : undefined;
    actions.push({ actionId: 'retry', value });
    await respond({ replace_original: true, text: `Retrying ${value ?? ''}` });
  });

  const server = (await app.start()) as Server;
  const { port } = server.address() as AddressInfo;
  driver = createSlackDriver({ emulator: emu, botUrl: `http://127.0.0.1:${port}/slack/events` });
});

afterAll(async () => {
  await app?.stop();
  await emu?.close();
});

beforeEach(() => {
  emu.reset();
  mentions.length = 0;
  submissions.length = 0;
  actions.length = 0;
  errors.length = 0;
});

describe('Slack emulator with an unmodified Bolt app (HTTP receiver)', () => {
  it('acks a slash command fast, then records postMessage and update in order', async () => {
    const res = await driver.slashCommand({ command: '/video', text: 'post', user: ALICE, channel: CHANNEL });
    expect(res.status).toBe(200);
    expect(res.latencyMs).toBeLessThan(1000);
    expect(res.request.rawBody).toContain('response_url=');

    await emu.waitFor(() => emu.callsTo('chat.update').some((c) => c.status === 200));
    expect(emu.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(emu.calls.every((c) => c.headers.authorization === `Bearer ${emu.botToken}`)).toBe(true);
    expect(emu.calls[0]?.params).toMatchObject({ channel: CHANNEL, text: 'Rendering…' });

    const [message] = emu.messagesIn(CHANNEL);
    expect(message?.revisions.map((r) => r.text)).toEqual(['Rendering…', 'Done']);
    expect(emu.timeline.map((t) => [t.action, t.text])).toEqual([
      ['post', 'Rendering…'],
      ['update', 'Done'],
    ]);
    expect(errors).toEqual([]);
  });

  it('stores files.uploadV2 bytes and attaches the file in the thread', async () => {
    await driver.slashCommand({ command: '/video', text: 'upload', user: ALICE, channel: CHANNEL });
    await emu.waitFor(() => emu.callsTo('chat.update').length > 0, { description: 'chat.update' });

    expect(emu.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
      'chat.update',
    ]);
    expect(emu.uploads).toHaveLength(1);
    const upload = emu.uploads[0];
    expect(upload?.bytes.equals(VIDEO)).toBe(true);
    expect(upload?.multipart).toBe(true);
    // The web client sends the bot token to the upload URL too.
    expect(upload?.authorization).toBe(`Bearer ${emu.botToken}`);

    const [parent, withFile] = emu.messagesIn(CHANNEL);
    expect(withFile?.threadTs).toBe(parent?.ts);
    expect(withFile?.text).toBe('Here it is');
    expect(withFile?.files.map((f) => [f.name, f.size, f.state])).toEqual([
      ['video.mp4', VIDEO.length, 'completed'],
    ]);

    const replies = await app.client.conversations.replies({ channel: CHANNEL, ts: parent?.ts ?? '' });
    expect(replies.messages?.map((m) => m.text)).toEqual(['Done', 'Here it is']);
    const url = replies.messages?.[1]?.files?.[0]?.url_private ?? '';
    const res = await fetch(url, { headers: { Authorization: `Bearer ${emu.botToken}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(VIDEO)).toBe(true);
  });

  it('records postEphemeral and response_url replies as ephemeral messages', async () => {
    const res = await driver.slashCommand({
      command: '/video',
      text: 'ephemeral',
      user: BOB,
      channel: CHANNEL,
    });
    await emu.waitFor(() => emu.callsTo('chat.postEphemeral').length > 0);
    expect(emu.responses).toHaveLength(1);
    expect(emu.responses[0]).toMatchObject({
      status: 200,
      effect: 'ephemeral',
      body: { text: 'Only you can see this' },
    });
    expect(emu.responses[0]?.url).toBe(res.responseUrl);
    expect(emu.callsTo('chat.postEphemeral')[0]?.response).toMatchObject({
      ok: true,
      message_ts: expect.any(String),
    });

    const seen = emu.messagesIn(CHANNEL, { includeEphemeral: true });
    expect(seen.map((m) => [m.text, m.ephemeralFor, m.via])).toEqual([
      ['Only you can see this', BOB, 'response_url'],
      ['Also private', BOB, 'chat.postEphemeral'],
    ]);
    expect(emu.messagesIn(CHANNEL)).toEqual([]);
    const history = await app.client.conversations.history({ channel: CHANNEL });
    expect(history.messages).toEqual([]);
  });

  it('answers users.info with the configured admin flags', async () => {
    await driver.slashCommand({ command: '/video', text: 'whoami', user: ALICE, channel: CHANNEL });
    await driver.slashCommand({ command: '/video', text: 'whoami', user: BOB, channel: CHANNEL });
    await emu.waitFor(() => emu.callsTo('chat.postEphemeral').length === 2);
    const texts = emu.messagesIn(CHANNEL, { includeEphemeral: true }).map((m) => [m.ephemeralFor, m.text]);
    expect(texts).toEqual([
      [ALICE, 'admin=true owner=true'],
      [BOB, 'admin=false owner=false'],
    ]);
    await expect(app.client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      data: { ok: false, error: 'user_not_found' },
    });
  });

  it('answers users.info with a locale only when asked with include_locale, as Slack does', async () => {
    const plain = await app.client.users.info({ user: BOB });
    expect(plain.user).not.toHaveProperty('locale');
    const asked = await app.client.users.info({ user: BOB, include_locale: true });
    expect(asked.user?.locale).toBe('en-US');
    emu.users.set('U0ZHUSER', { id: 'U0ZHUSER', locale: 'zh-CN' });
    try {
      const zh = await app.client.users.info({ user: 'U0ZHUSER', include_locale: true });
      expect(zh.user?.locale).toBe('zh-CN');
      expect((await app.client.users.info({ user: 'U0ZHUSER' })).user).not.toHaveProperty('locale');
    } finally {
      emu.users.delete('U0ZHUSER');
    }
  });

  it('refuses a bad signature and an old timestamp with 401', async () => {
    const bad = await driver.slashCommand(
      { command: '/video', text: 'post', user: ALICE, channel: CHANNEL },
      { badSignature: true },
    );
    const old = await driver.slashCommand(
      { command: '/video', text: 'post', user: ALICE, channel: CHANNEL },
      { oldTimestamp: true },
    );
    const missing = await driver.event(
      { type: 'app_mention', user: ALICE, channel: CHANNEL, text: 'hi' },
      {
        omitSignature: true,
      },
    );
    expect([bad.status, old.status, missing.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 50));
    expect(emu.calls).toEqual([]);
    expect(mentions).toEqual([]);
  });

  it('delivers an app_mention and its retry (Bolt sets context.retryNum, does not dedupe)', async () => {
    const first = await driver.event({
      type: 'app_mention',
      user: ALICE,
      channel: CHANNEL,
      text: `<@${emu.identity.botUserId}> a cat`,
    });
    expect(first.status).toBe(200);
    const retry = await driver.event(first.event, {
      eventId: first.eventId,
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(retry.status).toBe(200);
    expect(retry.request.headers).toMatchObject({
      'X-Slack-Retry-Num': '1',
      'X-Slack-Retry-Reason': 'http_timeout',
    });
    await emu.waitFor(() => mentions.length === 2);
    expect(mentions.map((m) => [m.retryNum, m.retryReason])).toEqual([
      [undefined, undefined],
      [1, 'http_timeout'],
    ]);
    // The mention is a message in the channel, stored once.
    const history = await app.client.conversations.history({ channel: CHANNEL });
    expect(history.messages?.map((m) => [m.user, m.text, m.ts])).toEqual([
      [ALICE, first.event.text, first.event.ts],
    ]);
  });

  it('serves url_private only with the bot token', async () => {
    const posted = await driver.userPostsMessage(
      {
        channel: CHANNEL,
        user: ALICE,
        text: `<@${emu.identity.botUserId}> animate this`,
        files: [{ name: 'cat.png', bytes: PNG }],
      },
      { notify: 'app_mention' },
    );
    expect(posted.delivery?.status).toBe(200);
    expect(posted.delivery?.event.files).toHaveLength(1);
    await emu.waitFor(() => mentions.length === 1);
    expect(mentions[0]?.downloaded.map((d) => [d.status, d.type])).toEqual([[200, 'image/png']]);
    expect(mentions[0]?.downloaded[0]?.bytes.equals(PNG)).toBe(true);

    const file = posted.message.files[0];
    const url = file?.urlPrivate ?? '';
    expect(url.startsWith(`${emu.origin}/files-pri/`)).toBe(true);
    const manual = await fetch(url, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toContain('/signin');
    const followed = await fetch(url);
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toContain('text/html');
    const wrong = await fetch(url, { headers: { Authorization: 'Bearer xoxb-not-ours' } });
    expect(await wrong.text()).toContain('<html');

    const fileDownloads = emu.downloads.filter((d) => d.fileId === file?.id);
    expect(fileDownloads.map((d) => [d.authorized, d.status])).toEqual([
      [true, 200],
      [false, 302],
      [false, 302],
      [false, 302],
    ]);
    expect(fileDownloads[0]?.authorization).toBe(`Bearer ${emu.botToken}`);
  });

  it('hosts foreign files on another origin and records what was sent there', async () => {
    const message = emu.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'elsewhere',
      files: [{ name: 'ref.png', bytes: PNG, host: 'foreign' }],
    });
    const url = message.files[0]?.urlPrivate ?? '';
    expect(url.startsWith(emu.foreignOrigin)).toBe(true);
    const res = await fetch(url);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(emu.downloads).toMatchObject([{ server: 'foreign', authorization: undefined, status: 200 }]);
  });

  it('opens a modal from a message shortcut and handles its submission', async () => {
    const original = emu.userPostsMessage({ channel: CHANNEL, user: BOB, text: 'make this a video' });
    const shortcut = await driver.messageShortcut({
      callbackId: 'make_video',
      message: original.ts,
      user: BOB,
      channel: CHANNEL,
    });
    expect(shortcut.status).toBe(200);
    await emu.waitFor(() => emu.views.size === 1, { description: 'views.open' });
    const [view] = [...emu.views.values()];
    expect(view?.triggerId).toBe(shortcut.triggerId);
    expect(view?.user).toBe(BOB);
    expect(view?.view.callback_id).toBe('video_modal');
    expect(emu.callsTo('views.open')[0]?.response).toMatchObject({ ok: true, view: { id: view?.id } });

    const rejected = await driver.viewSubmission({
      viewId: view?.id ?? '',
      user: BOB,
      values: { prompt: { prompt_input: 'no' } },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toEqual({ response_action: 'errors', errors: { prompt: 'Too short' } });

    const accepted = await driver.viewSubmission({
      viewId: view?.id ?? '',
      user: BOB,
      values: { prompt: { prompt_input: 'a cat surfing' } },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toBe('');
    expect(submissions).toHaveLength(1);
    expect(JSON.parse(submissions[0]?.privateMetadata ?? '{}')).toEqual({
      channel: CHANNEL,
      ts: original.ts,
    });
    expect(submissions[0]?.values).toEqual({
      prompt: { prompt_input: { type: 'plain_text_input', value: 'a cat surfing' } },
    });
  });

  it('refuses a trigger id that was already exchanged', async () => {
    const triggerId = emu.issueTriggerId(BOB);
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    await app.client.views.open({ trigger_id: triggerId, view });
    await expect(app.client.views.open({ trigger_id: triggerId, view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    await expect(app.client.views.open({ trigger_id: '1.2.made-up', view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
  });

  it('delivers a block action; respond(replace_original) edits the message', async () => {
    const posted = await app.client.chat.postMessage({
      channel: CHANNEL,
      text: 'Failed',
      blocks: [
        {
          type: 'actions',
          block_id: 'job',
          elements: [
            {
              type: 'button',
              action_id: 'retry',
              value: 'job-1',
              text: { type: 'plain_text', text: 'Retry' },
            },
          ],
        },
      ],
    });
    const res = await driver.blockAction({
      actionId: 'retry',
      blockId: 'job',
      value: 'job-1',
      user: ALICE,
      channel: CHANNEL,
      messageTs: posted.ts ?? '',
    });
    expect(res.status).toBe(200);
    await emu.waitFor(() => emu.responses.length === 1);
    expect(actions).toEqual([{ actionId: 'retry', value: 'job-1' }]);
    expect(emu.responses[0]).toMatchObject({ effect: 'replace_original', messageTs: posted.ts, status: 200 });
    expect(emu.messagesIn(CHANNEL).map((m) => m.revisions.map((r) => r.text))).toEqual([
      ['Failed', 'Retrying job-1'],
    ]);
    // replace_original replaces the whole message: the button is gone.
    expect(emu.messagesIn(CHANNEL)[0]?.blocks).toBeUndefined();
  });

  it('answers 429 with Retry-After; the web client waits and retries chat.update', async () => {
    emu.configure({ rateLimit: { method: 'chat.update', times: 1, retryAfterSeconds: 1 } });
    await driver.slashCommand({ command: '/video', text: 'post', user: ALICE, channel: CHANNEL });
    await emu.waitFor(() => emu.callsTo('chat.update').some((c) => c.status === 200), { timeoutMs: 5000 });
    const updates = emu.callsTo('chat.update');
    expect(updates.map((c) => [c.status, c.response?.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
    expect((updates[1]?.at ?? 0) - (updates[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(emu.messagesIn(CHANNEL)[0]?.text).toBe('Done');
  });

  it('applies method errors, server errors and upload failures', async () => {
    emu.configure({
      methodError: { method: 'chat.postMessage', error: 'not_in_channel', times: 1 },
      serverError: { method: 'chat.delete', status: 503, times: 1 },
    });
    await expect(app.client.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'not_in_channel' },
    });
    const posted = await app.client.chat.postMessage({ channel: CHANNEL, text: 'x' });
    // A 5xx is retried by the web client.
    await app.client.chat.delete({ channel: CHANNEL, ts: posted.ts ?? '' });
    expect(emu.callsTo('chat.delete').map((c) => [c.status, c.outcome])).toEqual([
      [503, 'serverError'],
      [200, 'handled'],
    ]);
    expect(emu.messagesIn(CHANNEL)).toEqual([]);
    expect(emu.timeline.map((t) => t.action)).toEqual(['post', 'delete']);

    // Three failures outlast retries: 2; the file never completes.
    emu.configure({ uploadError: { status: 500, times: 3 } });
    await expect(
      app.client.files.uploadV2({ channel_id: CHANNEL, file: VIDEO, filename: 'v.mp4' }),
    ).rejects.toBeDefined();
    expect(emu.uploads.map((u) => u.status)).toEqual([500, 500, 500]);
    expect(emu.callsTo('files.completeUploadExternal')).toEqual([]);
    expect([...emu.files.values()].map((f) => f.state)).toEqual(['pending']);
  });

  it('limits a response_url to five uses and pages conversations.history', async () => {
    const res = await driver.slashCommand({ command: '/video', text: 'noop', user: BOB, channel: CHANNEL });
    const post = (text: string) =>
      fetch(res.responseUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text, response_type: 'in_channel' }),
      }).then((r) => r.status);
    const statuses = [];
    for (let i = 1; i <= 6; i += 1) statuses.push(await post(`reply ${i}`));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(emu.responses.map((r) => r.effect)).toEqual([...Array<string>(5).fill('in_channel'), 'rejected']);

    const first = await app.client.conversations.history({ channel: CHANNEL, limit: 3 });
    expect(first.messages?.map((m) => m.text)).toEqual(['reply 5', 'reply 4', 'reply 3']);
    expect(first.has_more).toBe(true);
    const second = await app.client.conversations.history({
      channel: CHANNEL,
      limit: 3,
      cursor: first.response_metadata?.next_cursor ?? '',
    });
    expect(second.messages?.map((m) => m.text)).toEqual(['reply 2', 'reply 1']);
    expect(second.has_more).toBe(false);
  });

  it('answers url_verification and survives a malformed signed body', async () => {
    const challenge = await driver.urlVerification('xyz');
    expect(challenge.status).toBe(200);
    expect(challenge.json).toEqual({ challenge: 'xyz' });
    const broken = await driver.raw('{"type":"event_callback",', 'application/json');
    expect(broken.status).toBe(400);
    const after = await driver.slashCommand({
      command: '/video',
      text: 'noop',
      user: ALICE,
      channel: CHANNEL,
    });
    expect(after.status).toBe(200);
  });

  it('checks tokens and arguments like Slack', async () => {
    const raw = (token: string | undefined, method: string, body: string) =>
      fetch(`${emu.apiUrl}${method}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        },
        body,
      }).then(async (r) => ({ type: r.headers.get('content-type'), json: asRecord(await r.json()) }));
    expect((await raw(undefined, 'auth.test', '')).json).toEqual({ ok: false, error: 'not_authed' });
    expect((await raw('xoxb-wrong', 'auth.test', '')).json).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await raw(emu.appToken, 'chat.postMessage', 'channel=C1&text=x')).json.error).toBe(
      'not_allowed_token_type',
    );
    const noText = await raw(emu.botToken, 'chat.postMessage', `channel=${CHANNEL}`);
    expect(noText.type).toContain('application/json');
    expect(noText.json.error).toBe('no_text');
    const badBlocks = await raw(emu.botToken, 'chat.postMessage', `channel=${CHANNEL}&blocks=%5Bnope`);
    expect(badBlocks.json.error).toBe('invalid_blocks');
    const noTs = await raw(emu.botToken, 'chat.update', `channel=${CHANNEL}&text=x`);
    expect(noTs.json).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: [expect.stringContaining('ts')] },
    });
    const auth = await app.client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: emu.identity.botUserId, bot_id: emu.identity.botId });
    expect((await raw(emu.appToken, 'apps.connections.open', '')).json.url).toMatch(/^ws:\/\//);
  });
});

describe('Slack emulator in Socket Mode', () => {
  it('delivers a slash command and a retried event over the socket and gets acks', async () => {
    const socketApp = new App({
      token: emu.botToken,
      appToken: emu.appToken,
      socketMode: true,
      tokenVerificationEnabled: false,
      botId: emu.identity.botId,
      botUserId: emu.identity.botUserId,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: RETRY },
    });
    const commands: string[] = [];
    const retries: (number | undefined)[] = [];
    socketApp.command('/video', async ({ ack, command }) => {
      await ack({ text: `on it: ${command.text}` });
      commands.push(command.text);
    });
    socketApp.event('app_mention', async ({ context }) => {
      retries.push(context.retryNum);
    });
    await socketApp.start();
    try {
      expect(emu.callsTo('apps.connections.open')).toMatchObject([{ status: 200, token: 'app' }]);
      expect(emu.socket.openConnections).toBe(1);
      const socketDriver = createSlackDriver({ emulator: emu, transport: 'socket' });

      const res = await socketDriver.slashCommand({
        command: '/video',
        text: 'a dog',
        user: ALICE,
        channel: CHANNEL,
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ text: 'on it: a dog' });
      expect(res.latencyMs).toBeLessThan(1000);
      expect(commands).toEqual(['a dog']);

      const ev = await socketDriver.event({ type: 'app_mention', user: BOB, channel: CHANNEL, text: 'hey' });
      await socketDriver.event(ev.event, { eventId: ev.eventId, retryNum: 1 });
      await emu.waitFor(() => retries.length === 2);
      expect(retries).toEqual([0, 1]);
      expect(emu.socket.envelopes.map((e) => [e.type, e.ack !== undefined])).toEqual([
        ['slash_commands', true],
        ['events_api', true],
        ['events_api', true],
      ]);
    } finally {
      await socketApp.stop();
    }
  });

  it('pings clients, refuses a reused ticket, and sends hello first', async () => {
    const fast = await startSlackEmulator({ socketPingIntervalMs: 30 });
    try {
      const open = await fetch(`${fast.apiUrl}apps.connections.open`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${fast.appToken}` },
      });
      const { url } = asRecord(await open.json());
      const ws = new WebSocket(String(url));
      const [hello] = (await once(ws, 'message')) as [Buffer];
      expect(JSON.parse(hello.toString('utf8'))).toMatchObject({
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: fast.identity.appId },
      });
      await once(ws, 'ping');
      ws.close();
      await once(ws, 'close');

      const again = new WebSocket(String(url));
      again.on('error', () => undefined);
      const [, response] = (await once(again, 'unexpected-response')) as [unknown, IncomingMessage];
      expect(response.statusCode).toBe(401);
      again.terminate();
      expect(fast.socket.connectAttempts.map((a) => a.accepted)).toEqual([true, false]);
    } finally {
      await fast.close();
    }
  });

  it('reconnects a Bolt client after a disconnect message', async () => {
    const receiver = new SocketModeReceiver({
      appToken: emu.appToken,
      logLevel: LogLevel.ERROR,
      // Bolt waits clientPingTimeout before reconnecting (5 s by default).
      clientPingTimeout: 300,
      installerOptions: { clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: RETRY } },
    });
    const socketApp = new App({
      token: emu.botToken,
      receiver,
      socketMode: true,
      tokenVerificationEnabled: false,
      botId: emu.identity.botId,
      botUserId: emu.identity.botUserId,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: RETRY },
    });
    socketApp.command('/video', async ({ ack }) => {
      await ack();
    });
    await socketApp.start();
    try {
      emu.socket.requestReconnect();
      await emu.waitFor(() => emu.socket.connectAttempts.length === 2 && emu.socket.openConnections === 1, {
        description: 'a second connection',
        timeoutMs: 5000,
      });
      const socketDriver = createSlackDriver({ emulator: emu, transport: 'socket' });
      const res = await socketDriver.slashCommand({ command: '/video', user: ALICE, channel: CHANNEL });
      expect(res.status).toBe(200);
      expect(emu.socket.connectAttempts.map((a) => a.accepted)).toEqual([true, true]);
    } finally {
      await socketApp.stop();
    }
  });
});
