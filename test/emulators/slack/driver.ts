/**
 * Plays Slack's side towards the bot: signed HTTP requests to its events endpoint (or envelopes over the
 * emulator's Socket Mode link) shaped like Slack's, with response URLs and trigger ids minted by the emulator.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { HeaderMap } from '../http-util.js';
import type { SlackEmulator, UserMessageInput } from './server.js';
import type { EnvelopeType } from './socket-mode.js';
import type { StoredMessage } from './store.js';
import { encodeTyped, type TypedForm, type TypedWorkspace } from './text.js';
import { BOT_USER_NAME } from './web-api.js';

export interface SlackDriverOptions {
  emulator: SlackEmulator;
  /** The bot's HTTP endpoint, e.g. `http://127.0.0.1:PORT/slack/events`. Omit for Socket Mode only. */
  botUrl?: string;
  /** Default `emulator.signingSecret`. */
  signingSecret?: string;
  /** Default `http` when `botUrl` is given, else `socket`. */
  transport?: 'http' | 'socket';
  /** HTTP request timeout, and how long a socket envelope waits for its ack. Default 10000 / 3000. */
  timeoutMs?: number;
}

/** How to sign (or mis-sign) one HTTP request. Ignored over Socket Mode. */
export interface SignOptions {
  /** Sign with a wrong secret. */
  badSignature?: boolean;
  /** Send no `X-Slack-Signature` header. */
  omitSignature?: boolean;
  /** A timestamp 10 minutes old (Bolt refuses older than 5). */
  oldTimestamp?: boolean;
  /** Added to the request timestamp, in seconds (negative = in the past). */
  timestampSkewSeconds?: number;
  /** Extra headers. */
  headers?: Record<string, string>;
}

export type SentKind =
  | 'slash_command'
  | 'event'
  | 'message_shortcut'
  | 'view_submission'
  | 'block_action'
  | 'url_verification'
  | 'raw';

export interface SentRequest {
  kind: SentKind;
  transport: 'http' | 'socket';
  at: number;
  /** The parsed payload as Slack would send it (the form fields as an object for slash commands). */
  payload: unknown;
  /** HTTP only. */
  rawBody: string | undefined;
  headers: Record<string, string> | undefined;
}

export interface DriverResponse {
  transport: 'http' | 'socket';
  /** HTTP status; over Socket Mode 200 when acked, 0 when no ack came in time. */
  status: number;
  /** Raw body; over Socket Mode the ack payload as JSON ('' when none). */
  body: string;
  /** Parsed body (or ack payload), undefined when empty or not JSON. */
  json: unknown;
  headers: HeaderMap;
  /** From sending the request to having the whole answer (or the ack). */
  latencyMs: number;
  request: SentRequest;
}

export interface SlashCommandInput {
  command: string;
  /**
   * What the user typed; the driver sends it as Slack would (text.ts): entities always escaped, `@name`,
   * `#name`, `@here` and URLs as `<…>` sequences when the command escapes them (emulator `slashCommands`).
   */
  text?: string;
  /** Sent exactly as given instead of `text`: Slack's wire form, for what a composer cannot produce. */
  wireText?: string;
  user: string;
  channel: string;
  channelName?: string;
  /** Default the emulator's team. */
  team?: string;
  /** Default: a fresh trigger id registered with the emulator. */
  triggerId?: string;
  /** Thread the ephemeral response_url replies go to (Slack: none). */
  threadTs?: string;
}

export interface EventOptions extends SignOptions {
  /** Sends `X-Slack-Retry-Num` (HTTP) or `retry_attempt` (socket). */
  retryNum?: number;
  /** Default `http_timeout` when `retryNum` is set. */
  retryReason?: string;
  /** Reuse an event id (a retry of an earlier delivery). Default: a new one. */
  eventId?: string;
  /** Store user messages (app_mention / plain message) in the emulator. Default true. */
  store?: boolean;
}

export interface MessageShortcutInput {
  callbackId: string;
  /** A stored message's ts in `channel`, or the message object itself. */
  message: string | Record<string, unknown>;
  user: string;
  channel: string;
  triggerId?: string;
}

export type ViewValue = string | Record<string, unknown>;

export interface ViewSubmissionInput {
  /** `values[blockId][actionId]`: a string becomes `{type:'plain_text_input', value}`. */
  values: Record<string, Record<string, ViewValue>>;
  user: string;
  /** The view as opened with views.open (its callback_id, private_metadata, blocks are used). */
  viewId?: string;
  callbackId?: string;
  privateMetadata?: string;
  triggerId?: string;
}

export interface BlockActionInput {
  actionId: string;
  value?: string;
  blockId?: string;
  /** Default `button`. */
  actionType?: string;
  user: string;
  channel: string;
  messageTs: string;
  triggerId?: string;
}

/** A user's message: `text` is what they typed (encoded as Slack does), or `wireText` exactly as sent. */
export type TypedMessageInput = Omit<UserMessageInput, 'text'> & { text?: string; wireText?: string };

export interface UserPostResult {
  ts: string;
  message: StoredMessage;
  /** The event sent to the bot, when `notify` asked for one. */
  delivery: EventResponse | undefined;
}

/** A Slack event as the driver sends it (`type` plus Slack's snake_case fields). */
export type SlackEventInput = Record<string, unknown> & { type: string };

export type EventResponse = DriverResponse & { eventId: string; event: SlackEventInput };

export interface SlackDriver {
  readonly sent: SentRequest[];
  /** `ackMessage`: what the ack body showed the user (Slack shows it as the command's reply), if anything. */
  slashCommand(
    input: SlashCommandInput,
    sign?: SignOptions,
  ): Promise<
    DriverResponse & { responseUrl: string; triggerId: string; ackMessage: StoredMessage | undefined }
  >;
  event(event: SlackEventInput, options?: EventOptions): Promise<EventResponse>;
  messageShortcut(
    input: MessageShortcutInput,
    sign?: SignOptions,
  ): Promise<DriverResponse & { responseUrl: string; triggerId: string }>;
  viewSubmission(input: ViewSubmissionInput, sign?: SignOptions): Promise<DriverResponse>;
  blockAction(
    input: BlockActionInput,
    sign?: SignOptions,
  ): Promise<DriverResponse & { responseUrl: string; triggerId: string }>;
  urlVerification(challenge?: string, sign?: SignOptions): Promise<DriverResponse>;
  /** Posts any body (HTTP only), signed unless told otherwise: for malformed-request tests. */
  raw(body: string, contentType: string, sign?: SignOptions): Promise<DriverResponse>;
  /** A user posts a message (with files); optionally the bot is told with an event of that type. */
  userPostsMessage(
    input: TypedMessageInput,
    options?: { notify?: 'app_mention' | 'message' } & EventOptions,
  ): Promise<UserPostResult>;
}

/** `v0=HMAC_SHA256(secret, "v0:{ts}:{rawBody}")`, as Slack signs requests. */
export function slackSignature(secret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

const VERIFICATION_TOKEN = 'emu-verification-token';

export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  const { emulator } = options;
  const identity = emulator.identity;
  const secret = options.signingSecret ?? emulator.signingSecret;
  const transport = options.transport ?? (options.botUrl === undefined ? 'socket' : 'http');
  if (transport === 'http' && options.botUrl === undefined) throw new Error('an http driver needs botUrl');
  const sent: SentRequest[] = [];

  const userName = (id: string) => emulator.users.get(id)?.name ?? id.toLowerCase();
  const userObject = (id: string) => ({
    id,
    username: userName(id),
    name: userName(id),
    team_id: emulator.users.get(id)?.teamId ?? identity.teamId,
  });
  const channelName = (id: string) =>
    emulator.channelNames.get(id) ??
    emulator.conversations.get(id)?.name ??
    (id.startsWith('D') ? 'directmessage' : id.toLowerCase());
  const CHANNEL_TYPES = { public: 'channel', private: 'group', im: 'im', mpim: 'mpim' } as const;
  const channelType = (id: string) => {
    const kind = emulator.conversations.get(id)?.kind;
    return kind === undefined ? (id.startsWith('D') ? 'im' : 'channel') : CHANNEL_TYPES[kind];
  };
  /** Who and what a typed `@name` / `#name` names: the seeded users, the bot and the named channels. */
  const typedWorkspace = (): TypedWorkspace => ({
    users: new Map([
      [BOT_USER_NAME, identity.botUserId],
      ...[...emulator.users.values()].map((u) => [userName(u.id), u.id] as const),
    ]),
    channels: new Map([
      ...[...emulator.conversations.values()].map((c) => [c.name, c.id] as const),
      ...[...emulator.channelNames].map(([id, name]) => [name, id] as const),
    ]),
    userName: (id) => (id === identity.botUserId ? BOT_USER_NAME : userName(id)),
    channelName,
  });
  const encode = (typed: string, form: TypedForm) => encodeTyped(typed, form, typedWorkspace());
  const team = () => ({ id: identity.teamId, domain: identity.teamDomain });

  async function postHttp(
    kind: SentKind,
    payload: unknown,
    rawBody: string,
    contentType: string,
    sign: SignOptions,
    extraHeaders: Record<string, string> = {},
  ): Promise<DriverResponse> {
    const skew = (sign.oldTimestamp ? -600 : 0) + (sign.timestampSkewSeconds ?? 0);
    const timestamp = Math.floor(Date.now() / 1000) + skew;
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'X-Slack-Request-Timestamp': String(timestamp),
      ...extraHeaders,
      ...(sign.headers ?? {}),
    };
    if (!sign.omitSignature) {
      const key = sign.badSignature ? `${secret}-wrong` : secret;
      headers['X-Slack-Signature'] = slackSignature(key, timestamp, rawBody);
    }
    const botUrl = options.botUrl;
    if (botUrl === undefined) throw new Error(`driver: ${kind} needs HTTP (no botUrl given)`);
    const request: SentRequest = { kind, transport: 'http', at: Date.now(), payload, rawBody, headers };
    sent.push(request);
    const started = performance.now();
    const res = await fetch(botUrl, {
      method: 'POST',
      headers,
      body: rawBody,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const body = await res.text();
    const latencyMs = performance.now() - started;
    const responseHeaders: HeaderMap = {};
    res.headers.forEach((value, name) => {
      responseHeaders[name.toLowerCase()] = value;
    });
    return {
      transport: 'http',
      status: res.status,
      body,
      json: tryJson(body),
      headers: responseHeaders,
      latencyMs,
      request,
    };
  }

  async function viaSocket(
    kind: SentKind,
    type: EnvelopeType,
    payload: unknown,
    deliver: { retryAttempt?: number; retryReason?: string } = {},
  ): Promise<DriverResponse> {
    const request: SentRequest = {
      kind,
      transport: 'socket',
      at: Date.now(),
      payload,
      rawBody: undefined,
      headers: undefined,
    };
    sent.push(request);
    const result = await emulator.socket.deliver(type, payload, {
      ackTimeoutMs: options.timeoutMs ?? 3000,
      ...deliver,
    });
    const body = result.ackPayload === undefined ? '' : JSON.stringify(result.ackPayload);
    return {
      transport: 'socket',
      status: result.acked ? 200 : 0,
      body,
      json: result.ackPayload,
      headers: {},
      latencyMs: result.latencyMs,
      request,
    };
  }

  /** Form bodies for HTTP; the same fields as an object (slash commands) or parsed payload over sockets. */
  function sendForm(kind: SentKind, fields: Record<string, string>, sign: SignOptions = {}) {
    if (transport === 'socket') return viaSocket(kind, 'slash_commands', fields);
    const raw = new URLSearchParams(fields).toString();
    return postHttp(kind, fields, raw, 'application/x-www-form-urlencoded', sign);
  }

  function sendInteractive(kind: SentKind, payload: Record<string, unknown>, sign: SignOptions = {}) {
    if (transport === 'socket') return viaSocket(kind, 'interactive', payload);
    const raw = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return postHttp(kind, payload, raw, 'application/x-www-form-urlencoded', sign);
  }

  function messageObject(
    channel: string,
    message: string | Record<string, unknown>,
  ): Record<string, unknown> {
    if (typeof message !== 'string') return message;
    const stored = emulator.messages.find((m) => m.channel === channel && m.ts === message);
    if (stored === undefined) throw new Error(`driver: no stored message ${message} in ${channel}`);
    return emulator.messageJson(stored);
  }

  async function event(input: SlackEventInput, opts: EventOptions = {}): Promise<EventResponse> {
    const eventId = opts.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
    const ev: SlackEventInput = { ...input };
    const channel = typeof ev.channel === 'string' ? ev.channel : undefined;
    const isUserMessage =
      (ev.type === 'app_mention' || ev.type === 'message') &&
      ev.subtype === undefined &&
      ev.bot_id === undefined;
    if (channel !== undefined && (ev.type === 'app_mention' || ev.type === 'message')) {
      if (typeof ev.ts !== 'string') ev.ts = emulator.nextTs();
      ev.team ??= identity.teamId;
      if (ev.type === 'message') ev.channel_type ??= channelType(channel);
      if (isUserMessage) ev.client_msg_id ??= randomUUID();
      const alreadyStored = emulator.messages.some((m) => m.channel === channel && m.ts === ev.ts);
      if (isUserMessage && (opts.store ?? true) && !alreadyStored && typeof ev.user === 'string') {
        emulator.userPostsMessage({
          channel,
          user: ev.user,
          text: typeof ev.text === 'string' ? ev.text : '',
          ts: String(ev.ts),
          ...(typeof ev.thread_ts === 'string' ? { threadTs: ev.thread_ts } : {}),
        });
      }
    }
    ev.event_ts ??= typeof ev.ts === 'string' ? ev.ts : emulator.nextTs();
    const body = {
      token: VERIFICATION_TOKEN,
      team_id: identity.teamId,
      context_team_id: identity.teamId,
      context_enterprise_id: null,
      api_app_id: identity.appId,
      event: ev,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: identity.teamId,
          user_id: identity.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(eventId).toString('base64url')}`,
    };
    const retryReason = opts.retryNum !== undefined ? (opts.retryReason ?? 'http_timeout') : opts.retryReason;
    let response: DriverResponse;
    if (transport === 'socket') {
      response = await viaSocket('event', 'events_api', body, {
        ...(opts.retryNum === undefined ? {} : { retryAttempt: opts.retryNum }),
        ...(retryReason === undefined ? {} : { retryReason }),
      });
    } else {
      const retryHeaders: Record<string, string> = {};
      if (opts.retryNum !== undefined) retryHeaders['X-Slack-Retry-Num'] = String(opts.retryNum);
      if (retryReason !== undefined) retryHeaders['X-Slack-Retry-Reason'] = retryReason;
      response = await postHttp('event', body, JSON.stringify(body), 'application/json', opts, retryHeaders);
    }
    return { ...response, eventId, event: ev };
  }

  const driver: SlackDriver = {
    sent,

    async slashCommand(input, sign = {}) {
      const triggerId = emulator.issueTriggerId(input.user, input.triggerId);
      const responseUrl = emulator.issueResponseUrl({
        kind: 'slash_command',
        channel: input.channel,
        user: input.user,
        messageTs: undefined,
        threadTs: input.threadTs,
      });
      const fields: Record<string, string> = {
        token: VERIFICATION_TOKEN,
        team_id: input.team ?? identity.teamId,
        team_domain: identity.teamDomain,
        channel_id: input.channel,
        channel_name: input.channelName ?? channelName(input.channel),
        user_id: input.user,
        user_name: userName(input.user),
        command: input.command,
        text:
          input.wireText ??
          encode(
            input.text ?? '',
            emulator.escapedCommands.has(input.command) ? 'escaped-command' : 'plain-command',
          ),
        api_app_id: identity.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: triggerId,
      };
      const response = await sendForm('slash_command', fields, sign);
      const ackBody =
        response.transport === 'socket' || response.headers['content-type']?.includes('json')
          ? response.json
          : response.body;
      const ackMessage =
        response.status === 200
          ? emulator.showAckBody(
              {
                channel: input.channel,
                user: input.user,
                ...(input.threadTs === undefined ? {} : { threadTs: input.threadTs }),
              },
              ackBody,
            )
          : undefined;
      return { ...response, responseUrl, triggerId, ackMessage };
    },

    event,

    async messageShortcut(input, sign = {}) {
      const message = messageObject(input.channel, input.message);
      const messageTs = typeof message.ts === 'string' ? message.ts : undefined;
      const triggerId = emulator.issueTriggerId(input.user, input.triggerId);
      const responseUrl = emulator.issueResponseUrl({
        kind: 'message_shortcut',
        channel: input.channel,
        user: input.user,
        messageTs,
        threadTs: typeof message.thread_ts === 'string' ? message.thread_ts : undefined,
      });
      const payload: Record<string, unknown> = {
        type: 'message_action',
        token: VERIFICATION_TOKEN,
        action_ts: emulator.nextTs(),
        team: team(),
        user: userObject(input.user),
        channel: { id: input.channel, name: channelName(input.channel) },
        is_enterprise_install: false,
        enterprise: null,
        callback_id: input.callbackId,
        trigger_id: triggerId,
        response_url: responseUrl,
        message_ts: messageTs,
        message,
      };
      const response = await sendInteractive('message_shortcut', payload, sign);
      return { ...response, responseUrl, triggerId };
    },

    async viewSubmission(input, sign = {}) {
      const opened = input.viewId === undefined ? undefined : emulator.views.get(input.viewId);
      if (input.viewId !== undefined && opened === undefined) {
        throw new Error(`driver: no view ${input.viewId} was opened`);
      }
      const view = opened?.view ?? {};
      const values: Record<string, Record<string, unknown>> = {};
      for (const [blockId, actions] of Object.entries(input.values)) {
        values[blockId] = {};
        for (const [actionId, value] of Object.entries(actions)) {
          values[blockId][actionId] = typeof value === 'string' ? { type: 'plain_text_input', value } : value;
        }
      }
      const viewId = opened?.id ?? `V0EMU${randomBytes(3).toString('hex').toUpperCase()}`;
      const payload: Record<string, unknown> = {
        type: 'view_submission',
        team: team(),
        user: userObject(input.user),
        api_app_id: identity.appId,
        token: VERIFICATION_TOKEN,
        trigger_id: emulator.issueTriggerId(input.user, input.triggerId),
        view: {
          id: viewId,
          team_id: identity.teamId,
          type: view.type ?? 'modal',
          blocks: view.blocks ?? [],
          private_metadata: input.privateMetadata ?? view.private_metadata ?? '',
          callback_id: input.callbackId ?? view.callback_id ?? '',
          state: { values },
          hash: opened?.hash ?? `${Math.floor(Date.now() / 1000)}.${viewId}`,
          title: view.title ?? { type: 'plain_text', text: 'Modal' },
          clear_on_close: false,
          notify_on_close: false,
          close: view.close ?? null,
          submit: view.submit ?? null,
          previous_view_id: opened?.previousViewId ?? null,
          root_view_id: opened?.rootViewId ?? viewId,
          app_id: identity.appId,
          external_id: view.external_id ?? '',
          app_installed_team_id: identity.teamId,
          bot_id: identity.botId,
        },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      return sendInteractive('view_submission', payload, sign);
    },

    async blockAction(input, sign = {}) {
      const stored = emulator.messages.find((m) => m.channel === input.channel && m.ts === input.messageTs);
      const triggerId = emulator.issueTriggerId(input.user, input.triggerId);
      const responseUrl = emulator.issueResponseUrl({
        kind: 'block_actions',
        channel: input.channel,
        user: input.user,
        messageTs: input.messageTs,
        threadTs: stored?.threadTs,
      });
      const actionTs = emulator.nextTs();
      const payload: Record<string, unknown> = {
        type: 'block_actions',
        user: userObject(input.user),
        api_app_id: identity.appId,
        token: VERIFICATION_TOKEN,
        container: {
          type: 'message',
          message_ts: input.messageTs,
          channel_id: input.channel,
          is_ephemeral: stored?.ephemeralFor !== undefined,
        },
        trigger_id: triggerId,
        team: team(),
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: input.channel, name: channelName(input.channel) },
        ...(stored === undefined || stored.ephemeralFor !== undefined
          ? {}
          : { message: emulator.messageJson(stored) }),
        state: { values: {} },
        response_url: responseUrl,
        actions: [
          {
            action_id: input.actionId,
            block_id: input.blockId ?? 'emu-block',
            text: { type: 'plain_text', text: input.value ?? input.actionId, emoji: true },
            ...(input.value === undefined ? {} : { value: input.value }),
            type: input.actionType ?? 'button',
            action_ts: actionTs,
          },
        ],
      };
      const response = await sendInteractive('block_action', payload, sign);
      return { ...response, responseUrl, triggerId };
    },

    urlVerification(challenge = randomBytes(16).toString('hex'), sign = {}) {
      const body = { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
      return postHttp('url_verification', body, JSON.stringify(body), 'application/json', sign);
    },

    raw(body, contentType, sign = {}) {
      return postHttp('raw', tryJson(body), body, contentType, sign);
    },

    async userPostsMessage(input, opts = {}) {
      const { wireText, text, ...rest } = input;
      const message = emulator.userPostsMessage({ ...rest, text: wireText ?? encode(text ?? '', 'message') });
      let delivery: UserPostResult['delivery'];
      if (opts.notify !== undefined) {
        const ev: SlackEventInput = {
          type: opts.notify,
          user: message.user,
          text: message.text,
          ts: message.ts,
          channel: message.channel,
        };
        if (message.threadTs !== undefined) ev.thread_ts = message.threadTs;
        if (message.blocks !== undefined) ev.blocks = message.blocks;
        if (message.files.length > 0) {
          ev.files = message.files.map((f) => emulator.fileJson(f));
          ev.upload = false;
          if (opts.notify === 'message') ev.subtype = 'file_share';
        }
        const { notify: _notify, ...eventOptions } = opts;
        delivery = await event(ev, { ...eventOptions, store: false });
      }
      return { ts: message.ts, message, delivery };
    },
  };
  return driver;
}

function tryJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
