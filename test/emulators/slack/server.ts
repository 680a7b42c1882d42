/**
 * An in-process emulator of the parts of Slack a Bolt app touches: the Web API (with the external upload
 * flow), the private file host, response_url endpoints and a Socket Mode link, plus a workspace store of every
 * message and its revisions. Pair it with `createSlackDriver` (driver.ts) to send the bot signed requests.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSlackDriver } from './driver.js';
import type { SlackDriver, SlackDriverOptions } from './driver.js';
import {
  bearer,
  closeServer,
  flattenHeaders,
  listen,
  readBody,
  send,
  sendJson,
  trackSockets,
} from '../http-util.js';
import type { HeaderMap } from '../http-util.js';
import { Conversations } from './conversations.js';
import type { SlackConversation, SlackConversationInput } from './conversations.js';
import { SocketModeHub } from './socket-mode.js';
import { Store } from './store.js';
import type {
  SlackUser,
  StoredFile,
  StoredMessage,
  StoredView,
  TimelineEntry,
  WorkspaceIdentity,
} from './store.js';
import { createWebApi, newFile } from './web-api.js';
import type { TokenKind } from './web-api.js';

export type { HeaderMap } from '../http-util.js';
export type {
  FileHost,
  FileState,
  MessageRevision,
  MessageVia,
  SlackUser,
  StoredFile,
  StoredMessage,
  StoredView,
  TimelineAction,
  TimelineEntry,
  TriggerRecord,
  WorkspaceIdentity,
} from './store.js';
export type { SocketDelivery, SocketEnvelopeRecord, SocketFrame, EnvelopeType } from './socket-mode.js';
export type { ConversationKind, SlackConversation, SlackConversationInput } from './conversations.js';
export { SocketModeHub } from './socket-mode.js';
export { createSlackDriver, slackSignature } from './driver.js';
export type {
  BlockActionInput,
  DriverResponse,
  EventOptions,
  EventResponse,
  MessageShortcutInput,
  SentRequest,
  SignOptions,
  SlackDriver,
  SlackDriverOptions,
  SlackEventInput,
  SlashCommandInput,
  UserPostResult,
  ViewSubmissionInput,
} from './driver.js';
export { EMULATED_METHODS } from './web-api.js';
export type { TokenKind } from './web-api.js';

export interface SlackEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `0` (a random free port). The foreign file server always takes a random port. */
  port?: number;
  /** Default `xoxb-emu-bot-token`. */
  botToken?: string;
  /** App-level token for Socket Mode. Default `xapp-emu-app-token`. */
  appToken?: string;
  /** Only used by drivers made with `emulator.createDriver()`. Default `emu-signing-secret`. */
  signingSecret?: string;
  /** Default `T0EMU`. */
  teamId?: string;
  /** Default `emulated`. */
  teamDomain?: string;
  /** Default `U0EMUBOT`. */
  botUserId?: string;
  /** Default `B0EMUBOT`. */
  botId?: string;
  /** Default `A0EMUAPP`. */
  appId?: string;
  /** Users known to users.info (and named in driver payloads). The bot user is always known. */
  users?: SlackUser[];
  /**
   * When given, other channel ids answer `channel_not_found` (these are public channels with the bot in
   * them). Default: any channel exists, with the bot in it, unless `conversations` says otherwise.
   */
  channels?: string[];
  /**
   * Channel names by id, for conversations.info, `channel_name` in payloads and typed `#name`s the driver
   * encodes. Default: a channel's name is its id in lower case.
   */
  channelNames?: Record<string, string>;
  /**
   * The app's slash commands as its manifest declares them: `should_escape` decides whether Slack sends typed
   * users, channels and links in a command's text as `<@U…|name>` sequences or as typed (Slack's default).
   */
  slashCommands?: ReadonlyArray<{ command: string; should_escape?: boolean }>;
  /** Conversations with their kind and members, the bot in them or not (restored to this on reset). */
  conversations?: SlackConversationInput[];
  /** A trigger id must be exchanged (views.open/push) within this. Default 3000 (Slack's limit). */
  triggerTtlMs?: number;
  /** Refuse trigger ids the driver did not issue (`invalid_trigger_id`). Default true. */
  strictTriggers?: boolean;
  /** How a private file answers without the bot token. Default `login-redirect` (what files.slack.com does). */
  unauthorizedDownloads?: 'login-redirect' | '401';
  /** Socket Mode server ping interval. Default 10000 (clients give up after 30 s without one). */
  socketPingIntervalMs?: number;
  /** Bodies above this answer 413. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Clock for records and message timestamps. Default `Date.now`. */
  now?: () => number;
  /** Called after each Web API call is answered. */
  onCall?: (call: ApiCall) => void;
  faults?: SlackFaults;
}

/** `method` is a Web API method name (`chat.update`) or `*` for all. */
export interface RateLimitFault {
  method: string;
  /** How many of the next matching calls answer 429 (counted from when the fault is set). */
  times: number;
  /** `Retry-After` header value. */
  retryAfterSeconds: number;
}

export interface MethodErrorFault {
  method: string;
  /** Slack error code, e.g. `not_in_channel`, `channel_not_found`, `msg_too_long`. */
  error: string;
  /** Default: every matching call until cleared. */
  times?: number;
}

export interface ServerErrorFault {
  method: string;
  status: 500 | 502 | 503 | 504;
  times: number;
}

export interface LatencyFault {
  method: string;
  ms: number;
  /** Default: every matching call until cleared. */
  times?: number;
}

/** For the upload URL, the file host and response_url: answer this status instead. */
export interface HttpFault {
  status: number;
  times: number;
}

export interface SlackFaults {
  rateLimit?: RateLimitFault | RateLimitFault[];
  methodError?: MethodErrorFault | MethodErrorFault[];
  serverError?: ServerErrorFault | ServerErrorFault[];
  latency?: LatencyFault | LatencyFault[];
  uploadError?: HttpFault;
  downloadError?: HttpFault;
  responseUrlError?: HttpFault;
}

export interface ApiCall {
  seq: number;
  method: string;
  /** Query and body arguments as received (form values are strings; JSON bodies keep their types). */
  params: Record<string, unknown>;
  headers: HeaderMap;
  token: TokenKind;
  contentType: string | undefined;
  at: number;
  /** 200, 429, 5xx, or 413; 0 while unanswered. */
  status: number;
  response: Record<string, unknown> | undefined;
  /** What answered: the handler, or the fault that pre-empted it. */
  outcome: 'handled' | 'auth' | 'rateLimit' | 'serverError' | 'methodError' | 'tooLarge';
}

export interface UploadRecord {
  fileId: string;
  at: number;
  headers: HeaderMap;
  /** The Authorization header that came along (the web client sends the bot token here). */
  authorization: string | undefined;
  contentType: string | undefined;
  multipart: boolean;
  /** Form field and filename of the file part, for multipart uploads. */
  partName: string | undefined;
  partFilename: string | undefined;
  bytes: Buffer;
  status: number;
}

export interface DownloadRecord {
  server: 'slack' | 'foreign';
  method: string;
  path: string;
  headers: HeaderMap;
  authorization: string | undefined;
  /** The bot token was presented. */
  authorized: boolean;
  fileId: string | undefined;
  at: number;
  /** 200, 302 (to the login page), 401, 404, or a fault's status. */
  status: number;
}

export type ResponseUrlKind = 'slash_command' | 'message_shortcut' | 'block_actions' | 'view_submission';

export interface ResponseUrlContext {
  kind: ResponseUrlKind;
  channel: string | undefined;
  user: string;
  /** The message an interaction came from: `replace_original` / `delete_original` act on it. */
  messageTs: string | undefined;
  threadTs: string | undefined;
  issuedAt: number;
  uses: number;
}

export interface ResponseUrlPost {
  url: string;
  context: ResponseUrlContext | undefined;
  headers: HeaderMap;
  body: unknown;
  at: number;
  status: number;
  effect: 'ephemeral' | 'in_channel' | 'replace_original' | 'delete_original' | 'rejected';
  /** The message created or changed. */
  messageTs: string | undefined;
}

export interface UserFileInput {
  name: string;
  bytes: Buffer | string;
  mimetype?: string;
  title?: string;
  /** `slack` (default): served at `url_private` on the emulator, bot token required. `foreign`: served
   * without auth on another port, standing in for another host. */
  host?: 'slack' | 'foreign';
  /** Point `url_private` anywhere (e.g. a metadata IP) instead; nothing is served for it. */
  urlPrivate?: string;
  /** `slack` host only: an authorized download of `url_private` answers 302 to this URL (redirect tests). */
  redirectTo?: string;
}

export interface UserMessageInput {
  channel: string;
  user: string;
  text: string;
  files?: UserFileInput[];
  threadTs?: string;
  blocks?: unknown[];
  /** Default: the next emulator ts. */
  ts?: string;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Included in the timeout error. */
  description?: string;
}

export interface SlackEmulator {
  /** `http://127.0.0.1:PORT/api/`: Bolt's `clientOptions.slackApiUrl`. */
  apiUrl: string;
  origin: string;
  /** Another port standing in for another host; serves `host: 'foreign'` user files without auth. */
  foreignOrigin: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  identity: WorkspaceIdentity;
  users: Map<string, SlackUser>;
  /** Channel names by id (see `channelNames`); conversations.info falls back to the id in lower case. */
  channelNames: Map<string, string>;
  /** Slash commands configured with `should_escape: true`. */
  escapedCommands: Set<string>;
  calls: ApiCall[];
  messages: StoredMessage[];
  timeline: TimelineEntry[];
  files: Map<string, StoredFile>;
  views: Map<string, StoredView>;
  uploads: UploadRecord[];
  downloads: DownloadRecord[];
  responses: ResponseUrlPost[];
  socket: SocketModeHub;
  /**
   * Every conversation met so far, live: declared ones, undeclared ids as calls name them, DMs the bot opened.
   * Set `botMember` to stage a bot removed from (or invited to) a channel.
   */
  conversations: Map<string, SlackConversation>;
  /** Declares a conversation now (kept until reset). */
  addConversation(input: SlackConversationInput): SlackConversation;
  /** Calls of one method, in order. */
  callsTo(method: string): ApiCall[];
  /** Messages of a channel (or one thread, parent first) in post order; deleted and ephemeral ones on request. */
  messagesIn(
    channel: string,
    options?: { threadTs?: string; includeEphemeral?: boolean; includeDeleted?: boolean },
  ): StoredMessage[];
  /** Stores a message as a user posted it, with its files served at `url_private`. */
  userPostsMessage(input: UserMessageInput): StoredMessage;
  /**
   * A slash command's ack body as Slack shows it: a JSON `{text, blocks, response_type}` or a plain-text
   * body becomes an ephemeral reply to the user (visible to all with `in_channel`), wherever the command was
   * typed; an empty body shows nothing. The driver calls this with every slash command's answer.
   */
  showAckBody(
    where: { channel: string; user: string; threadTs?: string },
    body: unknown,
  ): StoredMessage | undefined;
  /** Mints a response_url bound to a channel/user (and message); the driver uses this. */
  issueResponseUrl(context: Omit<ResponseUrlContext, 'issuedAt' | 'uses'>): string;
  /** Mints (or registers) a trigger id views.open will accept for `triggerTtlMs`. */
  issueTriggerId(user?: string, id?: string): string;
  /** The next message timestamp (unique, increasing, shared with bot posts). */
  nextTs(): string;
  /** A stored message as the Web API shows it (files with `url_private`, thread fields). */
  messageJson(message: StoredMessage): Record<string, unknown>;
  fileJson(file: StoredFile): Record<string, unknown>;
  createDriver(options?: Omit<SlackDriverOptions, 'emulator'>): SlackDriver;
  /** Polls `probe` until it returns something other than undefined/null/false. */
  waitFor<T>(probe: () => T | undefined | null | false, options?: WaitForOptions): Promise<T>;
  /** Merges into the current faults; a key set to `undefined` clears it. Counters restart for keys set. */
  configure(faults: Partial<SlackFaults>): void;
  /**
   * Clears records, messages, files, views, triggers, response URLs and faults (arrays/maps in place); the
   * conversations go back to those declared in the options, with their members as declared.
   */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

interface CountedFault<T> {
  fault: T;
  remaining: number;
}

function toList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function counted<T extends { times?: number }>(value: T | T[] | undefined): CountedFault<T>[] {
  return toList(value).map((fault) => ({ fault, remaining: fault.times ?? Infinity }));
}

/** Takes one use of the first matching fault with uses left. */
function take<T extends { method: string }>(list: CountedFault<T>[], method: string): T | undefined {
  const hit = list.find((c) => c.remaining > 0 && (c.fault.method === method || c.fault.method === '*'));
  if (hit === undefined) return undefined;
  hit.remaining -= 1;
  return hit.fault;
}

function takeHttp(fault: CountedFault<HttpFault> | undefined): number | undefined {
  if (fault === undefined || fault.remaining <= 0) return undefined;
  fault.remaining -= 1;
  return fault.fault.status;
}

const LOGIN_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Slack</title></head>
<body><h1>Sign in to emulated</h1><form action="/signin" method="post"><input name="email"><button>Sign In</button></form></body></html>
`;

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const botToken = options.botToken ?? 'xoxb-emu-bot-token';
  const appToken = options.appToken ?? 'xapp-emu-app-token';
  const signingSecret = options.signingSecret ?? 'emu-signing-secret';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const unauthorizedDownloads = options.unauthorizedDownloads ?? 'login-redirect';
  const identity: WorkspaceIdentity = {
    teamId: options.teamId ?? 'T0EMU',
    teamDomain: options.teamDomain ?? 'emulated',
    botUserId: options.botUserId ?? 'U0EMUBOT',
    botId: options.botId ?? 'B0EMUBOT',
    appId: options.appId ?? 'A0EMUAPP',
  };
  const users = new Map((options.users ?? []).map((u) => [u.id, u]));
  const channelNames = new Map(Object.entries(options.channelNames ?? {}));
  const escapedCommands = new Set(
    (options.slashCommands ?? []).filter((c) => c.should_escape === true).map((c) => c.command),
  );
  const store = new Store(now, identity);
  const conversations = new Conversations(
    [...(options.channels ?? []).map((id) => ({ id, bot: true })), ...(options.conversations ?? [])],
    options.channels !== undefined,
    now,
  );
  const socket = new SocketModeHub({
    appId: identity.appId,
    pingIntervalMs: options.socketPingIntervalMs ?? 10_000,
    now,
  });

  const calls: ApiCall[] = [];
  const uploads: UploadRecord[] = [];
  const downloads: DownloadRecord[] = [];
  const responses: ResponseUrlPost[] = [];
  const responseUrls = new Map<string, ResponseUrlContext>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  let rateLimits: CountedFault<RateLimitFault>[] = [];
  let methodErrors: CountedFault<MethodErrorFault>[] = [];
  let serverErrors: CountedFault<ServerErrorFault>[] = [];
  let latencies: CountedFault<LatencyFault>[] = [];
  let uploadError: CountedFault<HttpFault> | undefined;
  let downloadError: CountedFault<HttpFault> | undefined;
  let responseUrlError: CountedFault<HttpFault> | undefined;

  function configure(next: Partial<SlackFaults>): void {
    if ('rateLimit' in next) rateLimits = counted(next.rateLimit);
    if ('methodError' in next) methodErrors = counted(next.methodError);
    if ('serverError' in next) serverErrors = counted(next.serverError);
    if ('latency' in next) latencies = counted(next.latency);
    if ('uploadError' in next) uploadError = counted(next.uploadError)[0];
    if ('downloadError' in next) downloadError = counted(next.downloadError)[0];
    if ('responseUrlError' in next) responseUrlError = counted(next.responseUrlError)[0];
  }
  configure(options.faults ?? {});

  const api = createServer((req, res) => void handle(req, res).catch(crash(res)));
  const foreign = createServer((req, res) => void handleForeign(req, res).catch(crash(res)));
  trackSockets(api, sockets);
  trackSockets(foreign, sockets);
  api.on('upgrade', (req: IncomingMessage, duplex: Socket, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (pathname === '/link' || pathname === '/link/') socket.handleUpgrade(req, duplex, head);
    else duplex.destroy();
  });

  const origin = await listen(api, options.port ?? 0, host);
  let foreignOrigin: string;
  try {
    foreignOrigin = await listen(foreign, 0, host);
  } catch (error) {
    api.close();
    throw error;
  }

  const webApi = createWebApi({
    store,
    identity,
    origin,
    foreignOrigin,
    botToken,
    appToken,
    users,
    channelNames,
    conversations,
    triggerTtlMs: options.triggerTtlMs ?? 3000,
    strictTriggers: options.strictTriggers ?? true,
    now,
    openSocket: () =>
      `${origin.replace(/^http/, 'ws')}/link/?ticket=${socket.issueTicket()}&app_id=${identity.appId}`,
  });

  function crash(res: ServerResponse) {
    return (error: unknown) => {
      // An emulator bug must surface in the test, not turn into a hang.
      console.error('slack emulator: handler failed', error);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'emulator_bug' });
      else res.destroy();
    };
  }

  async function parseParams(
    req: IncomingMessage,
    data: Buffer,
    url: URL,
  ): Promise<{ params: Record<string, unknown>; badJson: boolean }> {
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (data.length === 0) return { params, badJson: false };
    if (contentType.startsWith('application/json')) {
      try {
        const parsed: unknown = JSON.parse(data.toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return { params, badJson: true };
        }
        return { params: { ...params, ...(parsed as Record<string, unknown>) }, badJson: false };
      } catch {
        return { params, badJson: true };
      }
    }
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request(url, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: data,
      }).formData();
      for (const [key, value] of form) {
        params[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
      }
      return { params, badJson: false };
    }
    for (const [key, value] of new URLSearchParams(data.toString('utf8'))) params[key] = value;
    return { params, badJson: false };
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    data: Buffer,
    tooLarge: boolean,
  ): Promise<void> {
    const headers = flattenHeaders(req);
    const call: ApiCall = {
      seq: calls.length + 1,
      method,
      params: {},
      headers,
      token: 'none',
      contentType: headers['content-type'],
      at: now(),
      status: 0,
      response: undefined,
      outcome: 'handled',
    };
    calls.push(call);
    const answer = (
      status: number,
      body: Record<string, unknown>,
      outcome: ApiCall['outcome'],
      extra: Record<string, string> = {},
    ) => {
      call.status = status;
      call.response = body;
      call.outcome = outcome;
      options.onCall?.(call);
      sendJson(res, status, body, extra);
    };
    if (tooLarge) {
      answer(413, { ok: false, error: 'request_too_large' }, 'tooLarge');
      return;
    }
    const { params, badJson } = await parseParams(req, data, url);
    call.params = params;
    const token =
      bearer(headers.authorization) ?? (typeof params.token === 'string' ? params.token : undefined);
    call.token = webApi.tokenKind(token);

    const delay = take(latencies, method);
    if (delay !== undefined) await sleep(delay.ms);

    const denied = webApi.checkAuth(method, call.token);
    if (denied !== undefined) {
      answer(denied.status, denied.body, 'auth');
      return;
    }
    const limited = take(rateLimits, method);
    if (limited !== undefined) {
      answer(429, { ok: false, error: 'ratelimited' }, 'rateLimit', {
        'Retry-After': String(limited.retryAfterSeconds),
      });
      return;
    }
    const broken = take(serverErrors, method);
    if (broken !== undefined) {
      answer(broken.status, { ok: false, error: 'fatal_error' }, 'serverError');
      return;
    }
    const failing = take(methodErrors, method);
    if (failing !== undefined) {
      answer(200, { ok: false, error: failing.error }, 'methodError');
      return;
    }
    if (badJson) {
      answer(200, { ok: false, error: 'invalid_json' }, 'handled');
      return;
    }
    const reply = webApi.call(method, params);
    answer(reply.status, reply.body, 'handled', reply.headers);
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string, data: Buffer) {
    const headers = flattenHeaders(req);
    const contentType = headers['content-type'];
    const multipart = (contentType ?? '').toLowerCase().startsWith('multipart/form-data');
    let bytes = data;
    let partName: string | undefined;
    let partFilename: string | undefined;
    if (multipart) {
      const form = await new Request(`${origin}/upload`, {
        method: 'POST',
        headers: { 'content-type': contentType ?? '' },
        body: data,
      }).formData();
      for (const [key, value] of form) {
        if (typeof value === 'string') continue;
        bytes = Buffer.from(await value.arrayBuffer());
        partName = key;
        partFilename = value.name;
        break;
      }
    }
    const record: UploadRecord = {
      fileId,
      at: now(),
      headers,
      authorization: headers.authorization,
      contentType,
      multipart,
      partName,
      partFilename,
      bytes,
      status: 0,
    };
    uploads.push(record);
    const file = store.files.get(fileId);
    const faultStatus = takeHttp(uploadError);
    if (faultStatus !== undefined) {
      record.status = faultStatus;
      send(res, faultStatus, 'text/plain; charset=utf-8', `upload failed (${faultStatus})\n`);
      return;
    }
    if (
      req.method !== 'POST' ||
      file === undefined ||
      file.state === 'completed' ||
      file.state === 'deleted'
    ) {
      record.status = 404;
      send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      return;
    }
    file.bytes = bytes;
    file.size = bytes.length;
    file.state = 'uploaded';
    record.status = 200;
    send(res, 200, 'text/plain; charset=utf-8', `OK - ${bytes.length}`);
  }

  function serveFile(res: ServerResponse, file: StoredFile, download: boolean, headOnly: boolean): void {
    const extra: Record<string, string> = { 'Cache-Control': 'private' };
    if (download) extra['Content-Disposition'] = `attachment; filename="${encodeURIComponent(file.name)}"`;
    send(res, 200, file.mimetype, file.bytes, extra, headOnly);
  }

  function handleDownload(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const headers = flattenHeaders(req);
    const method = req.method ?? 'GET';
    const match = /^\/files-pri\/([^/]+?)-([^/]+)\/(download\/)?([^/]+)$/.exec(url.pathname);
    const fileId = match?.[2];
    const authorized = bearer(headers.authorization) === botToken;
    const record: DownloadRecord = {
      server: 'slack',
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      authorization: headers.authorization,
      authorized,
      fileId,
      at: now(),
      status: 0,
    };
    downloads.push(record);
    const file = fileId === undefined ? undefined : store.files.get(fileId);
    const faultStatus = takeHttp(downloadError);
    if (faultStatus !== undefined) {
      record.status = faultStatus;
      send(res, faultStatus, 'text/plain; charset=utf-8', `error ${faultStatus}\n`);
      return;
    }
    if (!authorized) {
      if (unauthorizedDownloads === '401') {
        record.status = 401;
        send(res, 401, 'text/plain; charset=utf-8', 'Unauthorized\n');
      } else {
        record.status = 302;
        const location = `${origin}/signin?redir=${encodeURIComponent(url.pathname)}`;
        send(res, 302, 'text/html; charset=utf-8', '', { Location: location });
      }
      return;
    }
    const ok =
      (method === 'GET' || method === 'HEAD') &&
      file !== undefined &&
      file.host === 'slack' &&
      (file.state === 'uploaded' || file.state === 'completed') &&
      match?.[1] === identity.teamId;
    if (!ok || file === undefined) {
      record.status = 404;
      send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      return;
    }
    if (file.redirectTo !== undefined) {
      record.status = 302;
      send(res, 302, 'text/plain; charset=utf-8', '', { Location: file.redirectTo });
      return;
    }
    record.status = 200;
    serveFile(res, file, match?.[3] !== undefined, method === 'HEAD');
  }

  function handleSignin(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const headers = flattenHeaders(req);
    downloads.push({
      server: 'slack',
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      headers,
      authorization: headers.authorization,
      authorized: bearer(headers.authorization) === botToken,
      fileId: undefined,
      at: now(),
      status: 200,
    });
    send(res, 200, 'text/html; charset=utf-8', LOGIN_PAGE);
  }

  function handleResponseUrl(req: IncomingMessage, res: ServerResponse, url: URL, data: Buffer): void {
    const headers = flattenHeaders(req);
    const key = url.pathname;
    const context = responseUrls.get(key);
    let body: unknown;
    try {
      body = JSON.parse(data.toString('utf8'));
    } catch {
      const form = new URLSearchParams(data.toString('utf8'));
      const payload = form.get('payload');
      try {
        body = payload === null ? undefined : JSON.parse(payload);
      } catch {
        body = undefined;
      }
    }
    const post: ResponseUrlPost = {
      url: `${origin}${key}`,
      context,
      headers,
      body,
      at: now(),
      status: 0,
      effect: 'rejected',
      messageTs: undefined,
    };
    responses.push(post);
    const reject = (status: number, text: string) => {
      post.status = status;
      send(res, status, 'text/plain; charset=utf-8', text);
    };
    const faultStatus = takeHttp(responseUrlError);
    if (faultStatus !== undefined) return reject(faultStatus, `error ${faultStatus}`);
    if (req.method !== 'POST' || context === undefined) return reject(404, 'no_service');
    if (now() - context.issuedAt > RESPONSE_URL_TTL_MS) return reject(404, 'expired_url');
    if (context.uses >= RESPONSE_URL_MAX_USES) return reject(404, 'used_url');
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return reject(400, 'invalid_payload');
    context.uses += 1;
    const message = body as Record<string, unknown>;
    const text = typeof message.text === 'string' ? message.text : '';
    const blocks = Array.isArray(message.blocks) ? (message.blocks as unknown[]) : undefined;
    const attachments = Array.isArray(message.attachments) ? (message.attachments as unknown[]) : undefined;
    if (
      text === '' &&
      blocks === undefined &&
      attachments === undefined &&
      message.delete_original !== true
    ) {
      return reject(400, 'no_text');
    }
    const isTrue = (v: unknown) => v === true || v === 'true';
    const original =
      context.channel !== undefined && context.messageTs !== undefined
        ? store.find(context.channel, context.messageTs)
        : undefined;
    if (isTrue(message.delete_original)) {
      if (original === undefined || original.deleted) return reject(404, 'message_not_found');
      store.deleteMessage(original, 'response_url');
      post.effect = 'delete_original';
      post.messageTs = original.ts;
    } else if (isTrue(message.replace_original) && original !== undefined && !original.deleted) {
      store.updateMessage(
        original,
        {
          text,
          ...(blocks === undefined ? {} : { blocks }),
          ...(attachments === undefined ? {} : { attachments }),
        },
        'response_url',
        identity.botUserId,
        true,
      );
      post.effect = 'replace_original';
      post.messageTs = original.ts;
    } else {
      if (context.channel === undefined) return reject(404, 'channel_not_found');
      const inChannel = message.response_type === 'in_channel';
      const threadTs =
        typeof message.thread_ts === 'string' ? message.thread_ts : inChannel ? undefined : context.threadTs;
      const created = store.addMessage({
        channel: context.channel,
        threadTs,
        user: identity.botUserId,
        botId: identity.botId,
        text,
        blocks,
        attachments,
        ephemeralFor: inChannel ? undefined : context.user,
        via: 'response_url',
      });
      post.effect = inChannel ? 'in_channel' : 'ephemeral';
      post.messageTs = created.ts;
    }
    post.status = 200;
    sendJson(res, 200, { ok: true });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const received = await readBody(req, maxBodyBytes);
    if (received === undefined) return;
    const { data, tooLarge } = received;
    const apiMatch = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (apiMatch !== null) {
      await handleApi(req, res, apiMatch[1] ?? '', url, data, tooLarge);
      return;
    }
    if (tooLarge) {
      send(res, 413, 'text/plain; charset=utf-8', 'Request Entity Too Large\n');
      return;
    }
    const uploadMatch = /^\/upload\/v1\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (uploadMatch !== null) {
      await handleUpload(req, res, uploadMatch[1] ?? '', data);
      return;
    }
    if (url.pathname.startsWith('/files-pri/')) {
      handleDownload(req, res, url);
      return;
    }
    if (url.pathname === '/signin') {
      handleSignin(req, res, url);
      return;
    }
    if (/^\/(commands|actions)\//.test(url.pathname)) {
      handleResponseUrl(req, res, url, data);
      return;
    }
    sendJson(res, 404, { ok: false, error: 'not_found' });
  }

  async function handleForeign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', foreignOrigin);
    if ((await readBody(req, maxBodyBytes)) === undefined) return;
    const headers = flattenHeaders(req);
    const method = req.method ?? 'GET';
    const fileId = /^\/files\/([^/]+)\//.exec(url.pathname)?.[1];
    const record: DownloadRecord = {
      server: 'foreign',
      method,
      path: `${url.pathname}${url.search}`,
      headers,
      authorization: headers.authorization,
      authorized: bearer(headers.authorization) === botToken,
      fileId,
      at: now(),
      status: 0,
    };
    downloads.push(record);
    const faultStatus = takeHttp(downloadError);
    if (faultStatus !== undefined) {
      record.status = faultStatus;
      send(res, faultStatus, 'text/plain; charset=utf-8', `error ${faultStatus}\n`);
      return;
    }
    const file = fileId === undefined ? undefined : store.files.get(fileId);
    if ((method !== 'GET' && method !== 'HEAD') || file === undefined || file.host !== 'foreign') {
      record.status = 404;
      send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      return;
    }
    record.status = 200;
    serveFile(res, file, url.searchParams.has('download'), method === 'HEAD');
  }

  function showAckBody(
    where: { channel: string; user: string; threadTs?: string },
    body: unknown,
  ): StoredMessage | undefined {
    const message =
      typeof body === 'string'
        ? { text: body }
        : typeof body === 'object' && body !== null && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {};
    const text = typeof message.text === 'string' ? message.text : '';
    const blocks = Array.isArray(message.blocks) ? (message.blocks as unknown[]) : undefined;
    if (text === '' && blocks === undefined) return undefined;
    const inChannel = message.response_type === 'in_channel';
    return store.addMessage({
      channel: where.channel,
      threadTs: inChannel ? undefined : where.threadTs,
      user: identity.botUserId,
      botId: identity.botId,
      text,
      blocks,
      ephemeralFor: inChannel ? undefined : where.user,
      via: 'ack',
    });
  }

  function userPostsMessage(input: UserMessageInput): StoredMessage {
    const files = (input.files ?? []).map((f) => {
      const bytes = typeof f.bytes === 'string' ? Buffer.from(f.bytes, 'utf8') : f.bytes;
      const fileHost = f.urlPrivate !== undefined ? 'external' : (f.host ?? 'slack');
      const file = newFile(
        { store, identity, now },
        {
          name: f.name,
          ...(f.title === undefined ? {} : { title: f.title }),
          ...(f.mimetype === undefined ? {} : { mimetype: f.mimetype }),
          bytes,
          user: input.user,
          host: fileHost,
          origin: fileHost === 'foreign' ? foreignOrigin : origin,
          ...(f.urlPrivate === undefined ? {} : { urlPrivate: f.urlPrivate }),
          state: 'completed',
        },
      );
      file.channels.push(input.channel);
      if (f.redirectTo !== undefined) file.redirectTo = f.redirectTo;
      return file;
    });
    return store.addMessage({
      channel: input.channel,
      ...(input.ts === undefined ? {} : { ts: input.ts }),
      threadTs: input.threadTs,
      user: input.user,
      text: input.text,
      blocks: input.blocks,
      files,
      via: 'user',
    });
  }

  const emulator: SlackEmulator = {
    apiUrl: `${origin}/api/`,
    origin,
    foreignOrigin,
    botToken,
    appToken,
    signingSecret,
    identity,
    users,
    channelNames,
    escapedCommands,
    calls,
    messages: store.messages,
    timeline: store.timeline,
    files: store.files,
    views: store.views,
    uploads,
    downloads,
    responses,
    socket,
    conversations: conversations.all,
    addConversation: (input) => conversations.add(input),
    callsTo: (method) => calls.filter((c) => c.method === method),
    messagesIn(channel, opts = {}) {
      return store.messages.filter((m) => {
        if (m.channel !== channel) return false;
        if (!opts.includeDeleted && m.deleted) return false;
        if (!opts.includeEphemeral && m.ephemeralFor !== undefined) return false;
        if (opts.threadTs !== undefined) return m.ts === opts.threadTs || m.threadTs === opts.threadTs;
        return true;
      });
    },
    userPostsMessage,
    showAckBody,
    issueResponseUrl(context) {
      const id = String(Math.floor(now())).slice(-10) + String(responseUrls.size + 1);
      const kind = context.kind === 'slash_command' ? 'commands' : 'actions';
      const path = `/${kind}/${identity.teamId}/${id}/${randomBytes(12).toString('hex')}`;
      responseUrls.set(path, { ...context, issuedAt: now(), uses: 0 });
      return `${origin}${path}`;
    },
    issueTriggerId: (user, id) => store.issueTrigger(user, id),
    nextTs: () => store.nextTs(),
    messageJson: (message) => store.messageJson(message),
    fileJson: (file) => store.fileJson(file),
    createDriver: (driverOptions = {}) => createSlackDriver({ ...driverOptions, emulator }),
    async waitFor<T>(probe: () => T | undefined | null | false, opts: WaitForOptions = {}): Promise<T> {
      const timeoutMs = opts.timeoutMs ?? 5000;
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value !== undefined && value !== null && value !== false) return value;
        if (performance.now() > deadline) {
          throw new Error(
            `slack emulator: timed out after ${timeoutMs} ms waiting for ${opts.description ?? 'a condition'}`,
          );
        }
        await sleep(opts.intervalMs ?? 10);
      }
    },
    configure,
    reset() {
      calls.length = 0;
      uploads.length = 0;
      downloads.length = 0;
      responses.length = 0;
      responseUrls.clear();
      store.clear();
      conversations.reset();
      socket.reset();
      configure({
        rateLimit: undefined,
        methodError: undefined,
        serverError: undefined,
        latency: undefined,
        uploadError: undefined,
        downloadError: undefined,
        responseUrlError: undefined,
      });
    },
    close() {
      closing ??= (async () => {
        await socket.close();
        const closed = [api, foreign].map((server) => closeServer(server));
        // Keep-alive sockets would otherwise hold close() open.
        for (const s of sockets) s.destroy();
        await Promise.all(closed);
      })();
      return closing;
    },
  };
  return emulator;
}
