/**
 * The Slack Web API methods the emulator answers. Arguments are validated with zod and answered with Slack's
 * `{ok, ...}` / `{ok:false, error}` envelope. Form-encoded values are strings, so JSON-valued arguments
 * (`blocks`, `view`, `files`, ...) are accepted either as JSON strings or, from JSON bodies, as values.
 */
import { z } from 'zod';
import type { Conversations } from './conversations.js';
import type { SlackUser, Store, StoredFile, StoredMessage, StoredView, WorkspaceIdentity } from './store.js';

export interface WebApiContext {
  store: Store;
  identity: WorkspaceIdentity;
  origin: string;
  foreignOrigin: string;
  botToken: string;
  appToken: string;
  users: Map<string, SlackUser>;
  /** Channel names by id, over the conversations' own (the `channelNames` option). */
  channelNames: Map<string, string>;
  /** Who is in which conversation, the bot included. */
  conversations: Conversations;
  /** How long a trigger id may be exchanged for a view. `Infinity` disables the check. */
  triggerTtlMs: number;
  /** Trigger ids the driver did not issue answer `invalid_trigger_id`. */
  strictTriggers: boolean;
  now: () => number;
  /** Mints a Socket Mode URL (apps.connections.open). */
  openSocket: () => string;
}

export interface ApiReply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export type TokenKind = 'bot' | 'app' | 'none' | 'invalid';

/** The bot user's `name` in users.info. */
export const BOT_USER_NAME = 'emulated-bot';

/** Methods Slack reaches with the app-level token; everything else wants the bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

export const EMULATED_METHODS = [
  'api.test',
  'auth.test',
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.delete',
  'files.getUploadURLExternal',
  'files.completeUploadExternal',
  'files.delete',
  'files.info',
  'views.open',
  'views.push',
  'views.update',
  'users.info',
  'conversations.info',
  'conversations.history',
  'conversations.replies',
  'conversations.join',
  'conversations.open',
  'apps.connections.open',
] as const;

class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages: string[] = [],
  ) {
    super(code);
  }
}

// ---- argument helpers ----

const required = (field: string) =>
  z.string({
    error: (i) => (i.input === undefined ? `missing required field: ${field}` : `${field} must be a string`),
  });
const optionalString = (field: string) => z.string({ error: `${field} must be a string` }).optional();

/** A JSON argument: a JSON string (form bodies) or the value itself (JSON bodies). */
function json<T extends z.ZodType>(field: string, schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `${field} is not valid JSON`, input: value });
      return z.NEVER;
    }
  }, schema);
}

const blocksArg = json(
  'blocks',
  z.array(z.record(z.string(), z.unknown()), { error: 'blocks must be an array' }),
);
const attachmentsArg = json(
  'attachments',
  z.array(z.record(z.string(), z.unknown()), { error: 'attachments must be an array' }),
);
const boolArg = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be a boolean' })
  .transform((v) => v === true || v === 'true' || v === '1');
const intArg = (field: string) =>
  z
    .union([z.number().int(), z.string().regex(/^\d+$/)], { error: `${field} must be an integer` })
    .transform(Number);
const tsArg = (field: string) =>
  z.string({ error: `${field} must be a string` }).regex(/^\d+\.\d+$/, { error: `invalid ${field}` });

const schemas = {
  'chat.postMessage': z.object({
    channel: required('channel'),
    text: optionalString('text'),
    blocks: blocksArg.optional(),
    attachments: attachmentsArg.optional(),
    thread_ts: tsArg('thread_ts').optional(),
    reply_broadcast: boolArg.optional(),
    metadata: json('metadata', z.record(z.string(), z.unknown())).optional(),
  }),
  'chat.update': z.object({
    channel: required('channel'),
    ts: required('ts'),
    text: optionalString('text'),
    blocks: blocksArg.optional(),
    attachments: attachmentsArg.optional(),
    file_ids: json('file_ids', z.array(z.string())).optional(),
  }),
  'chat.postEphemeral': z.object({
    channel: required('channel'),
    user: required('user'),
    text: optionalString('text'),
    blocks: blocksArg.optional(),
    attachments: attachmentsArg.optional(),
    thread_ts: tsArg('thread_ts').optional(),
  }),
  'chat.delete': z.object({ channel: required('channel'), ts: required('ts') }),
  'files.getUploadURLExternal': z.object({
    filename: required('filename'),
    length: intArg('length'),
    alt_text: optionalString('alt_text'),
    snippet_type: optionalString('snippet_type'),
  }),
  'files.completeUploadExternal': z.object({
    files: json(
      'files',
      z
        .array(z.object({ id: z.string(), title: z.string().optional() }), {
          error: 'files must be an array',
        })
        .min(1, { error: 'files must not be empty' }),
    ),
    channel_id: optionalString('channel_id'),
    channels: optionalString('channels'),
    thread_ts: tsArg('thread_ts').optional(),
    initial_comment: optionalString('initial_comment'),
    blocks: blocksArg.optional(),
  }),
  'files.delete': z.object({ file: required('file') }),
  'files.info': z.object({ file: required('file') }),
  'views.open': z.object({
    trigger_id: required('trigger_id'),
    view: json('view', z.record(z.string(), z.unknown(), { error: 'view must be an object' })),
  }),
  'views.push': z.object({
    trigger_id: required('trigger_id'),
    view: json('view', z.record(z.string(), z.unknown(), { error: 'view must be an object' })),
  }),
  'views.update': z.object({
    view_id: optionalString('view_id'),
    external_id: optionalString('external_id'),
    hash: optionalString('hash'),
    view: json('view', z.record(z.string(), z.unknown(), { error: 'view must be an object' })),
  }),
  'users.info': z.object({ user: required('user'), include_locale: boolArg.optional() }),
  'conversations.info': z.object({ channel: required('channel') }),
  'conversations.history': z.object({
    channel: required('channel'),
    limit: intArg('limit').optional(),
    cursor: optionalString('cursor'),
    oldest: optionalString('oldest'),
    latest: optionalString('latest'),
    inclusive: boolArg.optional(),
    include_all_metadata: boolArg.optional(),
  }),
  'conversations.replies': z.object({
    channel: required('channel'),
    ts: required('ts'),
    limit: intArg('limit').optional(),
    cursor: optionalString('cursor'),
    oldest: optionalString('oldest'),
    latest: optionalString('latest'),
    inclusive: boolArg.optional(),
    include_all_metadata: boolArg.optional(),
  }),
  'conversations.join': z.object({ channel: required('channel') }),
  'conversations.open': z.object({
    users: optionalString('users'),
    channel: optionalString('channel'),
    return_im: boolArg.optional(),
  }),
} as const;

type SchemaMethod = keyof typeof schemas;
type Args<M extends SchemaMethod> = z.infer<(typeof schemas)[M]>;

function parse<M extends SchemaMethod>(method: M, params: Record<string, unknown>): Args<M> {
  const result = schemas[method].safeParse(params);
  if (result.success) return result.data as Args<M>;
  const messages = result.error.issues.map((issue) => {
    const pointer = issue.path.length > 0 ? ` [json-pointer:/${issue.path.join('/')}]` : '';
    return `[ERROR] ${issue.message}${pointer}`;
  });
  // Slack's own codes for the commonest mistakes; invalid_arguments for the rest.
  const first = result.error.issues[0];
  const field = first?.path[0];
  if (field === 'blocks') throw new ApiError('invalid_blocks', messages);
  if (field === 'attachments') throw new ApiError('invalid_attachments', messages);
  if (field === 'channel' && params.channel === undefined) throw new ApiError('channel_not_found', messages);
  throw new ApiError('invalid_arguments', messages);
}

function mimeFor(name: string): { mimetype: string; filetype: string } {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const table: Record<string, string> = {
    mp4: 'video/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    txt: 'text/plain',
    json: 'application/json',
    pdf: 'application/pdf',
  };
  const mimetype = table[ext] ?? 'application/octet-stream';
  const filetype = ext === 'jpeg' ? 'jpg' : ext === '' ? 'binary' : ext;
  return { mimetype, filetype };
}

export function fileUrls(
  origin: string,
  identity: WorkspaceIdentity,
  fileId: string,
  name: string,
  user: string,
): { urlPrivate: string; urlPrivateDownload: string; permalink: string } {
  const safe = encodeURIComponent(name);
  return {
    urlPrivate: `${origin}/files-pri/${identity.teamId}-${fileId}/${safe}`,
    urlPrivateDownload: `${origin}/files-pri/${identity.teamId}-${fileId}/download/${safe}`,
    permalink: `${origin}/files/${user}/${fileId}/${safe}`,
  };
}

export function newFile(
  ctx: Pick<WebApiContext, 'store' | 'identity' | 'now'>,
  input: {
    id?: string;
    name: string;
    title?: string;
    mimetype?: string;
    bytes: Buffer;
    declaredLength?: number;
    altText?: string;
    user: string;
    host: 'slack' | 'foreign' | 'external';
    origin: string;
    urlPrivate?: string;
    state: StoredFile['state'];
  },
): StoredFile {
  const id = input.id ?? ctx.store.id('F');
  const guessed = mimeFor(input.name);
  const urls =
    input.host === 'foreign'
      ? {
          urlPrivate: `${input.origin}/files/${id}/${encodeURIComponent(input.name)}`,
          urlPrivateDownload: `${input.origin}/files/${id}/${encodeURIComponent(input.name)}?download=1`,
          permalink: `${input.origin}/files/${id}`,
        }
      : fileUrls(input.origin, ctx.identity, id, input.name, input.user);
  if (input.urlPrivate !== undefined) {
    urls.urlPrivate = input.urlPrivate;
    urls.urlPrivateDownload = input.urlPrivate;
  }
  const file: StoredFile = {
    id,
    name: input.name,
    title: input.title ?? input.name,
    mimetype: input.mimetype ?? guessed.mimetype,
    filetype: guessed.filetype,
    bytes: input.bytes,
    size: input.state === 'pending' ? (input.declaredLength ?? 0) : input.bytes.length,
    declaredLength: input.declaredLength,
    altText: input.altText,
    host: input.host,
    ...urls,
    user: input.user,
    createdAt: ctx.now(),
    state: input.state,
    channels: [],
  };
  ctx.store.files.set(id, file);
  return file;
}

export function createWebApi(ctx: WebApiContext) {
  const { store, identity } = ctx;

  function tokenKind(token: string | undefined): TokenKind {
    if (token === undefined || token === '') return 'none';
    if (token === ctx.botToken) return 'bot';
    if (token === ctx.appToken) return 'app';
    return 'invalid';
  }

  /** Slack's answer to a call made with the wrong kind of token, or undefined when it may proceed. */
  function checkAuth(method: string, kind: TokenKind): ApiReply | undefined {
    if (method === 'api.test') return undefined;
    if (kind === 'none') return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (kind === 'invalid') return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const wantsApp = APP_TOKEN_METHODS.has(method);
    if (wantsApp !== (kind === 'app')) {
      return { status: 200, body: { ok: false, error: 'not_allowed_token_type' } };
    }
    return undefined;
  }

  /** The bot must be in the conversation: Slack's `not_in_channel` (public) or `channel_not_found`. */
  function checkChannel(channel: string): void {
    const refused = ctx.conversations.botAccess(channel);
    if (refused !== undefined) throw new ApiError(refused);
  }

  /** chat.postMessage to a user id posts in the bot's DM with that person (App Home's Messages tab). */
  function postTarget(channel: string): string {
    if (!/^[UW][A-Z0-9]+$/.test(channel)) return channel;
    if (channel === identity.botUserId) throw new ApiError('channel_not_found');
    return ctx.conversations.openIm(channel).conversation.id;
  }

  function requireContent(args: { text?: string; blocks?: unknown[]; attachments?: unknown[] }): void {
    const hasText = args.text !== undefined && args.text !== '';
    if (!hasText && args.blocks === undefined && args.attachments === undefined)
      throw new ApiError('no_text');
  }

  function botMessageReply(message: StoredMessage): Record<string, unknown> {
    return { ok: true, channel: message.channel, ts: message.ts, message: store.messageJson(message) };
  }

  function viewJson(view: StoredView): Record<string, unknown> {
    const v = view.view;
    return {
      id: view.id,
      team_id: identity.teamId,
      type: v.type ?? 'modal',
      title: v.title,
      submit: v.submit,
      close: v.close,
      blocks: v.blocks ?? [],
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      external_id: v.external_id ?? '',
      state: { values: {} },
      hash: view.hash,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      previous_view_id: view.previousViewId ?? null,
      root_view_id: view.rootViewId,
      app_id: identity.appId,
      app_installed_team_id: identity.teamId,
      bot_id: identity.botId,
    };
  }

  function exchangeTrigger(triggerId: string, viewId: string): string | undefined {
    const trigger = store.triggers.get(triggerId);
    if (trigger === undefined) {
      if (ctx.strictTriggers) throw new ApiError('invalid_trigger_id');
      return undefined;
    }
    if (trigger.exchangedFor !== undefined) throw new ApiError('exchanged_trigger_id');
    if (ctx.now() - trigger.issuedAt > ctx.triggerTtlMs) throw new ApiError('expired_trigger_id');
    trigger.exchangedFor = viewId;
    return trigger.user;
  }

  function checkView(view: Record<string, unknown>): void {
    if (typeof view.type !== 'string') {
      throw new ApiError('invalid_arguments', ['[ERROR] missing required field: type [json-pointer:/view]']);
    }
    if (view.type === 'modal' && view.title === undefined) {
      throw new ApiError('invalid_arguments', ['[ERROR] missing required field: title [json-pointer:/view]']);
    }
  }

  function storeView(
    method: string,
    triggerId: string | undefined,
    view: Record<string, unknown>,
  ): StoredView {
    const id = store.id('V');
    const user = triggerId === undefined ? undefined : exchangeTrigger(triggerId, id);
    const at = ctx.now();
    const stored: StoredView = {
      id,
      view,
      triggerId,
      history: [{ method, at, view }],
      openedAt: at,
      user,
      hash: `${Math.floor(at / 1000)}.${id}`,
      rootViewId: id,
      previousViewId: undefined,
    };
    store.views.set(id, stored);
    return stored;
  }

  /**
   * A message as history and replies list it: Slack returns message metadata there only when the call asks
   * with `include_all_metadata` (conversations.history: "Return all metadata associated with this message").
   */
  function listedJson(message: StoredMessage, includeMetadata: boolean | undefined): Record<string, unknown> {
    const json = store.messageJson(message);
    if (includeMetadata !== true) delete json.metadata;
    return json;
  }

  /** Slack's oldest/latest/inclusive window over message timestamps. */
  function within(oldest: string | undefined, latest: string | undefined, inclusive: boolean) {
    const low = oldest === undefined ? -Infinity : Number(oldest);
    const high = latest === undefined ? Infinity : Number(latest);
    return (ts: string) => {
      const t = Number(ts);
      return inclusive ? t >= low && t <= high : t > low && t < high;
    };
  }

  function historyPage(
    messages: StoredMessage[],
    limit: number | undefined,
    cursor: string | undefined,
  ): { page: StoredMessage[]; hasMore: boolean; nextCursor: string } {
    const size = Math.min(Math.max(limit ?? 100, 1), 999);
    let offset = 0;
    if (cursor !== undefined && cursor !== '') {
      const decoded = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
      if (decoded === null) throw new ApiError('invalid_cursor');
      offset = Number(decoded[1]);
    }
    const page = messages.slice(offset, offset + size);
    const hasMore = offset + size < messages.length;
    const nextCursor = hasMore ? Buffer.from(`offset:${offset + size}`).toString('base64') : '';
    return { page, hasMore, nextCursor };
  }

  /** `locale` only with include_locale (users.info: "Set this to true to receive the locale for this user"). */
  function userJson(user: SlackUser, includeLocale = false): Record<string, unknown> {
    const name = user.name ?? user.id.toLowerCase();
    const realName = user.realName ?? name;
    const teamId = user.teamId ?? identity.teamId;
    return {
      id: user.id,
      team_id: teamId,
      name,
      deleted: user.deleted ?? false,
      real_name: realName,
      tz: user.tz ?? 'Etc/UTC',
      tz_label: 'Coordinated Universal Time',
      tz_offset: 0,
      profile: { real_name: realName, display_name: name, team: teamId },
      is_admin: user.isAdmin ?? false,
      is_owner: user.isOwner ?? false,
      is_primary_owner: user.isPrimaryOwner ?? false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot ?? false,
      is_app_user: false,
      updated: Math.floor(ctx.now() / 1000),
      ...(includeLocale ? { locale: user.locale ?? 'en-US' } : {}),
    };
  }

  const handlers: Record<string, (params: Record<string, unknown>) => Record<string, unknown>> = {
    'api.test': (params) => ({ ok: true, args: params }),

    'auth.test': () => ({
      ok: true,
      url: `${ctx.origin}/`,
      team: identity.teamDomain,
      user: 'emulated-bot',
      team_id: identity.teamId,
      user_id: identity.botUserId,
      bot_id: identity.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (params) => {
      const args = parse('chat.postMessage', params);
      const channel = postTarget(args.channel);
      checkChannel(channel);
      requireContent(args);
      const message = store.addMessage({
        channel,
        threadTs: args.thread_ts,
        user: identity.botUserId,
        botId: identity.botId,
        text: args.text ?? '',
        blocks: args.blocks,
        attachments: args.attachments,
        replyBroadcast: args.reply_broadcast ?? false,
        metadata: args.metadata,
        via: 'chat.postMessage',
      });
      return botMessageReply(message);
    },

    'chat.update': (params) => {
      const args = parse('chat.update', params);
      checkChannel(args.channel);
      const message = store.findVisible(args.channel, args.ts);
      if (message === undefined) throw new ApiError('message_not_found');
      if (message.user !== identity.botUserId) throw new ApiError('cant_update_message');
      let files: StoredFile[] | undefined;
      if (args.file_ids !== undefined) {
        files = args.file_ids.map((id) => {
          const file = store.files.get(id);
          if (file === undefined || file.state === 'deleted') throw new ApiError('file_not_found');
          return file;
        });
      }
      const hasContent =
        (args.text !== undefined && args.text !== '') ||
        args.blocks !== undefined ||
        args.attachments !== undefined ||
        files !== undefined;
      if (!hasContent) throw new ApiError('no_text');
      store.updateMessage(
        message,
        {
          ...(args.text === undefined ? {} : { text: args.text }),
          ...(args.blocks === undefined ? {} : { blocks: args.blocks }),
          ...(args.attachments === undefined ? {} : { attachments: args.attachments }),
          ...(files === undefined ? {} : { files }),
        },
        'chat.update',
        identity.botUserId,
      );
      return {
        ok: true,
        channel: message.channel,
        ts: message.ts,
        text: message.text,
        message: store.messageJson(message),
      };
    },

    'chat.postEphemeral': (params) => {
      const args = parse('chat.postEphemeral', params);
      checkChannel(args.channel);
      if (!ctx.conversations.hasMember(args.channel, args.user)) throw new ApiError('user_not_in_channel');
      requireContent(args);
      const message = store.addMessage({
        channel: args.channel,
        threadTs: args.thread_ts,
        user: identity.botUserId,
        botId: identity.botId,
        text: args.text ?? '',
        blocks: args.blocks,
        attachments: args.attachments,
        ephemeralFor: args.user,
        via: 'chat.postEphemeral',
      });
      return { ok: true, message_ts: message.ts };
    },

    'chat.delete': (params) => {
      const args = parse('chat.delete', params);
      checkChannel(args.channel);
      const message = store.findVisible(args.channel, args.ts);
      if (message === undefined) throw new ApiError('message_not_found');
      if (message.user !== identity.botUserId) throw new ApiError('cant_delete_message');
      store.deleteMessage(message, 'chat.delete');
      return { ok: true, channel: message.channel, ts: message.ts };
    },

    'files.getUploadURLExternal': (params) => {
      const args = parse('files.getUploadURLExternal', params);
      const file = newFile(ctx, {
        name: args.filename,
        bytes: Buffer.alloc(0),
        declaredLength: args.length,
        ...(args.alt_text === undefined ? {} : { altText: args.alt_text }),
        user: identity.botUserId,
        host: 'slack',
        origin: ctx.origin,
        state: 'pending',
      });
      return { ok: true, upload_url: `${ctx.origin}/upload/v1/${file.id}`, file_id: file.id };
    },

    'files.completeUploadExternal': (params) => {
      const args = parse('files.completeUploadExternal', params);
      const channel = args.channel_id ?? args.channels?.split(',')[0];
      if (args.thread_ts !== undefined && channel === undefined) {
        throw new ApiError('invalid_arguments', ['[ERROR] thread_ts requires channel_id']);
      }
      if (channel !== undefined) checkChannel(channel);
      const files = args.files.map((entry) => {
        const file = store.files.get(entry.id);
        // Slack refuses files whose bytes never reached the upload URL.
        if (file === undefined || file.state === 'deleted' || file.state === 'pending') {
          throw new ApiError('file_not_found');
        }
        return { file, title: entry.title };
      });
      for (const { file, title } of files) {
        file.state = 'completed';
        if (title !== undefined) file.title = title;
        if (channel !== undefined && !file.channels.includes(channel)) file.channels.push(channel);
      }
      // Slack shares the file after answering (the upload is processed asynchronously): the answer's files
      // have no `shares` yet, and files.info shows the share message once it exists.
      const answer = { ok: true, files: files.map(({ file }) => store.fileJson(file)) };
      if (channel !== undefined) {
        store.addMessage({
          channel,
          threadTs: args.thread_ts,
          user: identity.botUserId,
          botId: identity.botId,
          text: args.initial_comment ?? '',
          blocks: args.blocks,
          files: files.map((f) => f.file),
          via: 'files.completeUploadExternal',
        });
      }
      return answer;
    },

    'files.delete': (params) => {
      const args = parse('files.delete', params);
      const file = store.files.get(args.file);
      if (file === undefined || file.state === 'deleted') throw new ApiError('file_not_found');
      if (file.user !== identity.botUserId) throw new ApiError('cant_delete_file');
      file.state = 'deleted';
      return { ok: true };
    },

    'files.info': (params) => {
      const args = parse('files.info', params);
      const file = store.files.get(args.file);
      if (file === undefined || file.state === 'deleted') throw new ApiError('file_not_found');
      return { ok: true, file: store.fileJson(file), comments: [], response_metadata: { next_cursor: '' } };
    },

    'views.open': (params) => {
      const args = parse('views.open', params);
      checkView(args.view);
      return { ok: true, view: viewJson(storeView('views.open', args.trigger_id, args.view)) };
    },

    'views.push': (params) => {
      const args = parse('views.push', params);
      checkView(args.view);
      const stored = storeView('views.push', args.trigger_id, args.view);
      const previous = [...store.views.values()].filter((v) => v.id !== stored.id).at(-1);
      if (previous !== undefined) {
        stored.previousViewId = previous.id;
        stored.rootViewId = previous.rootViewId;
      }
      return { ok: true, view: viewJson(stored) };
    },

    'views.update': (params) => {
      const args = parse('views.update', params);
      checkView(args.view);
      const stored =
        args.view_id !== undefined
          ? store.views.get(args.view_id)
          : [...store.views.values()].find((v) => v.view.external_id === args.external_id);
      if (args.view_id === undefined && args.external_id === undefined) {
        throw new ApiError('invalid_arguments', ['[ERROR] view_id or external_id is required']);
      }
      if (stored === undefined) throw new ApiError('not_found');
      if (args.hash !== undefined && args.hash !== stored.hash) throw new ApiError('hash_conflict');
      const at = ctx.now();
      stored.view = args.view;
      stored.history.push({ method: 'views.update', at, view: args.view });
      stored.hash = `${Math.floor(at / 1000)}.${stored.id}.${stored.history.length}`;
      return { ok: true, view: viewJson(stored) };
    },

    'users.info': (params) => {
      const args = parse('users.info', params);
      if (args.user === identity.botUserId) {
        return {
          ok: true,
          user: userJson(
            { id: identity.botUserId, name: BOT_USER_NAME, isBot: true },
            args.include_locale === true,
          ),
        };
      }
      const user = ctx.users.get(args.user);
      if (user === undefined) throw new ApiError('user_not_found');
      return { ok: true, user: userJson(user, args.include_locale === true) };
    },

    // The fields a bot reads of a conversation (https://api.slack.com/methods/conversations.info): a public
    // channel is visible to channels:read without being a member; private channels and DMs only to members.
    'conversations.info': (params) => {
      const { channel } = parse('conversations.info', params);
      const conversation = ctx.conversations.get(channel);
      if (conversation === undefined || (conversation.kind !== 'public' && !conversation.botMember)) {
        throw new ApiError('channel_not_found');
      }
      const json = ctx.conversations.json(conversation);
      const name = ctx.channelNames.get(channel);
      if (name !== undefined && 'name' in json) json.name = json.name_normalized = name;
      return { ok: true, channel: { ...json, context_team_id: identity.teamId } };
    },

    'conversations.history': (params) => {
      const args = parse('conversations.history', params);
      checkChannel(args.channel);
      const inRange = within(args.oldest, args.latest, args.inclusive ?? false);
      const top = store.messages
        .filter(
          (m) =>
            m.channel === args.channel &&
            !m.deleted &&
            m.ephemeralFor === undefined &&
            (m.threadTs === undefined || m.threadTs === m.ts || m.replyBroadcast),
        )
        .filter((m) => inRange(m.ts))
        .reverse();
      const { page, hasMore, nextCursor } = historyPage(top, args.limit, args.cursor);
      return {
        ok: true,
        messages: page.map((m) => listedJson(m, args.include_all_metadata)),
        has_more: hasMore,
        pin_count: 0,
        response_metadata: { next_cursor: nextCursor },
      };
    },

    'conversations.replies': (params) => {
      const args = parse('conversations.replies', params);
      checkChannel(args.channel);
      const asked = store.findVisible(args.channel, args.ts);
      if (asked === undefined) throw new ApiError('thread_not_found');
      const parentTs = asked.threadTs ?? asked.ts;
      const parent = store.findVisible(args.channel, parentTs);
      if (parent === undefined) throw new ApiError('thread_not_found');
      const inRange = within(args.oldest, args.latest, args.inclusive ?? false);
      // The parent comes first whatever the range; the range selects among the replies.
      const thread = [parent, ...store.replies(args.channel, parentTs).filter((m) => inRange(m.ts))];
      const { page, hasMore, nextCursor } = historyPage(thread, args.limit, args.cursor);
      return {
        ok: true,
        messages: page.map((m) => listedJson(m, args.include_all_metadata)),
        has_more: hasMore,
        response_metadata: { next_cursor: nextCursor },
      };
    },

    'conversations.join': (params) => {
      const args = parse('conversations.join', params);
      const conversation = ctx.conversations.get(args.channel);
      if (conversation === undefined) throw new ApiError('channel_not_found');
      // A bot joins public channels only: a private channel must invite it (/invite), and DMs are fixed.
      if (conversation.kind === 'private') throw new ApiError('method_not_supported_for_channel_type');
      if (conversation.kind !== 'public') {
        throw new ApiError(
          conversation.botMember ? 'method_not_supported_for_channel_type' : 'channel_not_found',
        );
      }
      const already = conversation.botMember;
      conversation.botMember = true;
      return {
        ok: true,
        channel: ctx.conversations.json(conversation),
        ...(already
          ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } }
          : {}),
      };
    },

    'conversations.open': (params) => {
      const args = parse('conversations.open', params);
      if (args.channel !== undefined) {
        const conversation = ctx.conversations.get(args.channel);
        if (conversation === undefined || !conversation.botMember) throw new ApiError('channel_not_found');
        return { ok: true, channel: ctx.conversations.json(conversation) };
      }
      const users = (args.users ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '');
      if (users.length === 0) throw new ApiError('users_list_not_supplied');
      if (users.length > 8) throw new ApiError('too_many_users');
      for (const user of users) {
        if (user !== identity.botUserId && !ctx.users.has(user)) throw new ApiError('user_not_found');
      }
      const others = users.filter((u) => u !== identity.botUserId);
      if (others.length === 0) throw new ApiError('cannot_dm_bot');
      if (others.length === 1) {
        const { conversation, alreadyOpen } = ctx.conversations.openIm(others[0] ?? '');
        return {
          ok: true,
          ...(alreadyOpen ? { no_op: true, already_open: true } : {}),
          channel: args.return_im ? ctx.conversations.json(conversation) : { id: conversation.id },
        };
      }
      const conversation = ctx.conversations.openMpim(others);
      return {
        ok: true,
        channel: args.return_im ? ctx.conversations.json(conversation) : { id: conversation.id },
      };
    },

    'apps.connections.open': () => ({ ok: true, url: ctx.openSocket() }),
  };

  return {
    tokenKind,
    checkAuth,
    /** Runs a method whose auth has been checked. */
    call(method: string, params: Record<string, unknown>): ApiReply {
      const handler = handlers[method];
      if (handler === undefined) {
        return { status: 200, body: { ok: false, error: 'unknown_method', req_method: method } };
      }
      try {
        return { status: 200, body: handler(params) };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const body: Record<string, unknown> = { ok: false, error: error.code };
        if (error.messages.length > 0) body.response_metadata = { messages: error.messages };
        return { status: 200, body };
      }
    },
  };
}

export type WebApi = ReturnType<typeof createWebApi>;
