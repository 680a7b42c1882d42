/** Public types of the Discord emulator. Wire shapes use Discord's snake_case; emulator records use camelCase. */

// ---------------------------------------------------------------------------------------------------------
// Setup inputs

export interface UserInput {
  id: string;
  /** Default `user_<last 4 digits of id>`. */
  username?: string;
  globalName?: string | null;
  bot?: boolean;
  /** The bot opening a DM works, but sending to it answers 403 `50007 Cannot send messages to this user`. */
  dmsClosed?: boolean;
}

export interface RoleInput {
  id?: string;
  name: string;
  /** Permission bits as a decimal string or bigint. Default `0`. */
  permissions?: string | bigint;
  position?: number;
  color?: number;
}

export interface ChannelInput {
  id?: string;
  /** Default `general`, `general-2`, ... */
  name?: string;
  /** Discord channel type. Default 0 (guild text). */
  type?: number;
  topic?: string | null;
  parentId?: string | null;
  nsfw?: boolean;
}

export interface MemberInput {
  user: UserInput;
  /** Role ids (besides `@everyone`). */
  roles?: string[];
  nick?: string | null;
}

export interface GuildInput {
  id?: string;
  name?: string;
  /** The owner gets every permission. Default: a fresh user `guild-owner`. */
  ownerId?: string;
  /** `preferred_locale` and `guild_locale`. Default `en-US`. */
  locale?: string;
  /** Default: one text channel named `general`. */
  channels?: ChannelInput[];
  roles?: RoleInput[];
  members?: MemberInput[];
  /** Permissions of `@everyone` (decimal string or bigint). Default: Discord's defaults for a new server. */
  everyonePermissions?: string | bigint;
  /** What the bot may do here: `app_permissions`, and the check on `POST /channels/{id}/messages`. */
  appPermissions?: string | bigint;
}

// ---------------------------------------------------------------------------------------------------------
// Emulator state (records are live objects: they change as the bot acts)

export interface EmulatedUser {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  dmsClosed: boolean;
}

export interface EmulatedRole {
  id: string;
  name: string;
  /** Decimal string. */
  permissions: string;
  position: number;
  color: number;
}

export interface EmulatedMember {
  userId: string;
  roles: string[];
  nick: string | null;
  /** ISO timestamp. */
  joinedAt: string;
}

export interface EmulatedChannel {
  id: string;
  /** 0 guild text, 1 DM, ... */
  type: number;
  name: string | null;
  guildId: string | null;
  /** For DMs: the other user. */
  recipientId: string | null;
  topic: string | null;
  parentId: string | null;
  nsfw: boolean;
  position: number;
  lastMessageId: string | null;
}

export interface EmulatedGuild {
  id: string;
  name: string;
  ownerId: string;
  locale: string;
  /** `roles[0]` is `@everyone` (its id is the guild id). */
  roles: EmulatedRole[];
  channelIds: string[];
  members: Map<string, EmulatedMember>;
  /** Decimal string. */
  appPermissions: string;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string | null;
  size: number;
  description: string | null;
  /** Served by the fake CDN (with Discord-like `ex`/`is`/`hm` query parameters). */
  url: string;
  bytes: Buffer;
  /** Attachments of slash-command options are ephemeral, as on Discord. */
  ephemeral: boolean;
}

/** One state of a message as users saw it. */
export interface MessageVersion {
  /** Emulator clock (ms) when this version appeared. */
  at: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: StoredAttachment[];
  /** Includes 64 (ephemeral) and 128 (loading: "Bot is thinking...") where they apply. */
  flags: number;
}

export type MessageSource = 'user' | 'channel' | 'interaction' | 'followup';

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  author: EmulatedUser;
  /** Current state (equal to the last entry of `versions`). */
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: StoredAttachment[];
  flags: number;
  /** The `allowed_mentions` last sent with it, as sent. */
  allowedMentions: unknown;
  /** Who was actually pinged after applying `allowed_mentions`. */
  mentions: { users: string[]; roles: string[]; everyone: boolean };
  tts: boolean;
  /** Discord message type: 0 default, 19 reply, 20 slash-command response, 23 context-menu response. */
  type: number;
  reference: { messageId: string; channelId: string; guildId: string | null } | null;
  source: MessageSource;
  /** The interaction this message answers (response or follow-up). */
  interactionId: string | null;
  ephemeral: boolean;
  /** For ephemeral messages: the only user who sees it. */
  visibleTo: string | null;
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  versions: MessageVersion[];
}

export interface RegisteredCommand {
  id: string;
  applicationId: string;
  /** Null for global commands. */
  guildId: string | null;
  name: string;
  /** 1 chat input, 2 user, 3 message. */
  type: number;
  description: string;
  options: unknown[];
  defaultMemberPermissions: string | null;
  contexts: number[] | null;
  integrationTypes: number[];
  nsfw: boolean;
  version: string;
  /** The body the bot registered. */
  raw: unknown;
}

// ---------------------------------------------------------------------------------------------------------
// Recorded traffic

export interface RecordedFile {
  /** Multipart field name, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent (still URL-encoded, e.g. `%40original`). */
  path: string;
  /** The matched route, e.g. `PATCH /webhooks/:application_id/:token/messages/@original`; null if none. */
  route: string | null;
  /** Lowercased names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON, or the parsed `payload_json` of a multipart body; undefined otherwise. */
  body: unknown;
  files: RecordedFile[];
  at: number;
  /** What we answered (0 while in flight). */
  status: number;
}

export interface RecordedRateLimit {
  method: string;
  path: string;
  route: string;
  bucket: string;
  /** Seconds, as in `Retry-After`. */
  retryAfter: number;
  global: boolean;
  /** `fault`: from the `rateLimit` fault; `bucket`: the client really exceeded a bucket. */
  cause: 'fault' | 'bucket';
  at: number;
}

export interface RecordedIdentify {
  at: number;
  token: string;
  intents: number;
  shard: [number, number] | null;
  properties: unknown;
}

export interface RecordedDispatch {
  at: number;
  shard: number;
  sessionId: string;
  t: string;
  s: number;
  d: unknown;
}

export interface RecordedCallback {
  /** 4 reply, 5 deferred reply, 6 deferred update, 7 update, 9 modal. */
  type: number;
  at: number;
  /** `at` minus the interaction's dispatch time. */
  latencyMs: number;
  /** 204/200 when accepted, or the error status. */
  status: number;
  /** Discord error code when refused (40060 already acknowledged, 10062 unknown/expired interaction). */
  errorCode: number | null;
  body: unknown;
  files: RecordedFile[];
  ephemeral: boolean;
}

export interface ShownModal {
  customId: string;
  title: string;
  /** As the bot sent them. */
  components: unknown[];
  at: number;
}

// ---------------------------------------------------------------------------------------------------------
// Faults and limits

/**
 * A string matches a route template with or without the method (`PATCH /webhooks/:application_id/:token/
 * messages/@original` or `/channels/:channel_id/messages`). A RegExp is tested against both the template
 * form and the concrete form `METHOD /decoded/path` (e.g. `PATCH /webhooks/123/aW50.../messages/@original`).
 */
export type RouteMatcher = RegExp | string;

export interface RateLimitFault {
  route: RouteMatcher;
  /** How many of the next matching requests get a 429 (counted from when the fault is set). */
  times: number;
  /** `Retry-After` header and `retry_after` body, in seconds (fractions allowed). */
  retryAfterSeconds: number;
  /** Sends `X-RateLimit-Global: true` and `global: true`. Default false. */
  global?: boolean;
}

export interface ErrorFault {
  route: RouteMatcher;
  times: number;
  /** e.g. 500, 502, 503, 403. */
  status: number;
  /** Discord error code in the JSON body. Default 0. */
  code?: number;
  message?: string;
}

export interface DiscordFaults {
  rateLimit?: RateLimitFault;
  error?: ErrorFault;
  /** Delay every REST answer by this many ms. */
  restLatencyMs?: number;
  /** Delay the answer to every request that carries files by this many ms (a slow uplink, a big upload). */
  uploadLatencyMs?: number;
  /** Stop answering gateway heartbeats (the client then reconnects and resumes). */
  ignoreHeartbeats?: boolean;
}

export type BucketName = 'channelMessages' | 'webhook' | 'interactionCallback' | 'commands' | 'other';

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Options

export interface DiscordEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (a random free port). */
  port?: number;
  /** When set, REST must send `Bot <token>` and IDENTIFY this token (else 401 / close 4004). Default: any. */
  token?: string;
  /** The bot user. Default id: a fresh snowflake; username `emu-bot`. */
  bot?: { id?: string; username?: string };
  /** Default: the bot user's id (as on Discord). */
  applicationId?: string;
  /** `shards` in `/gateway/bot`. Default 1. */
  shards?: number;
  /** `session_start_limit.max_concurrency`. Default 1 (discord.js then spaces shard identifies 5 s apart). */
  maxConcurrency?: number;
  /** Default 41250. */
  heartbeatIntervalMs?: number;
  /** Privileged intents enabled for the app; asking for others closes with 4014. Default: all three. */
  privilegedIntents?: number;
  /** `application.flags` in READY. Default: derived from `privilegedIntents`. */
  applicationFlags?: number;
  /**
   * `empty` (default): READY has `guilds: []`, so `clientReady` fires at once, and a GUILD_CREATE follows for
   * each guild on that shard. `unavailable`: READY lists them as unavailable first, as Discord does.
   */
  readyGuilds?: 'empty' | 'unavailable';
  guilds?: GuildInput[];
  users?: UserInput[];
  /** Interaction tokens die this long after dispatch. Default 15 min. */
  interactionTokenTtlMs?: number;
  /** A callback later than this after dispatch answers 404 `10062 Unknown interaction`. Default 3000. */
  ackDeadlineMs?: number;
  /** `attachment_size_limit`, and uploads above it answer 413 `40005`. Default 10 MiB. */
  attachmentSizeLimit?: number;
  /** Per-bucket limits (merged over the defaults), or `false` for no rate-limit headers and no limits. */
  rateLimits?: Partial<Record<BucketName, BucketLimit>> | false;
  /** Slash commands etc. for unregistered names throw instead of inventing a command id. Default false. */
  requireRegisteredCommands?: boolean;
  /** How long a driver call waits for a gateway session on the target shard. Default 5000. */
  sessionWaitMs?: number;
  /** Clock for records, token expiry, ack deadline and rate-limit windows. Default `Date.now`. */
  now?: () => number;
  onRequest?: (request: RecordedRequest) => void;
  faults?: DiscordFaults;
}

// ---------------------------------------------------------------------------------------------------------
// Driver inputs

export interface InteractionInput {
  user: UserInput;
  /** Required in guilds; for DMs it defaults to the user's DM channel. */
  channelId?: string;
  /** Default: the channel's guild. */
  guildId?: string;
  /** `member.permissions`. Default: from the guild's roles (owner: all). */
  permissions?: string | bigint;
  /** Extra role ids for the member (added to its stored roles). */
  roles?: string[];
  /** Default `en-US`. */
  locale?: string;
  /** Overrides `interactionTokenTtlMs` for this interaction. */
  tokenTtlMs?: number;
  /** Send it to every session of its shard (two processes identified as one shard), not only the latest. */
  everySession?: boolean;
}

export interface CommandOptionInput {
  name: string;
  /** Default: inferred (string 3, integer 4, boolean 5, other number 10). 6 user, 7 channel, 8 role, 11 attachment. */
  type?: number;
  value: string | number | boolean;
  focused?: boolean;
}

export interface AttachmentInput {
  filename: string;
  contentType?: string;
  bytes: Buffer | Uint8Array | string;
  description?: string;
}

export interface SlashCommandInput extends InteractionInput {
  name: string;
  subcommand?: string;
  subcommandGroup?: string;
  options?: CommandOptionInput[];
  /** Attachment options by option name: uploaded to the CDN and put in `data.resolved.attachments`. */
  attachments?: Record<string, AttachmentInput>;
  /**
   * Dispatches what this returns instead of the complete payload (given a copy), to see how the bot copes
   * with a malformed event; the handle keeps the complete payload.
   */
  tamper?: (payload: Record<string, unknown>) => unknown;
}

export interface ButtonInput extends Omit<InteractionInput, 'channelId' | 'guildId'> {
  /** The message carrying the button (a stored message or its id). */
  message: StoredMessage | string;
  customId: string;
}

export interface SelectMenuInput extends ButtonInput {
  values: string[];
}

export interface ModalSubmitInput extends Partial<InteractionInput> {
  /** The interaction that showed the modal: supplies user, channel, custom id, layout and `message`. */
  from?: InteractionHandle;
  /** Required unless `from` is given. */
  customId?: string;
  /** Text input values (or select values) by custom id. */
  fields: Record<string, string | string[]>;
}

export interface MessageContextMenuInput extends Omit<InteractionInput, 'channelId' | 'guildId'> {
  name: string;
  targetMessage: StoredMessage | string;
}

export interface UserContextMenuInput extends InteractionInput {
  name: string;
  targetUser: UserInput;
}

export interface UserMessageInput {
  channelId: string;
  /** Checked against the channel's guild when given. */
  guildId?: string;
  author: UserInput;
  content: string;
  /** Prefixes `<@bot>` to the content (if not already there). */
  mentionsBot?: boolean;
  attachments?: AttachmentInput[];
  /**
   * The message replied to (a stored message or its id). It may be deleted already: the reply then arrives
   * with `referenced_message: null`, as Discord sends it.
   */
  replyTo?: StoredMessage | string;
  /** Whether a reply pings the replied-to author. Default true. */
  mentionRepliedUser?: boolean;
  embeds?: unknown[];
}

export interface LinkPreviewInput {
  /** The linked page. */
  url: string;
  title?: string;
  description?: string;
  /** The page's image as its site serves it; Discord mirrors it on its media proxy. */
  image: { url: string; bytes: Uint8Array; contentType?: string; width?: number; height?: number };
  /** N in `images-ext-N.discordapp.net`. Default 1. */
  proxyHost?: number;
}

/** An embed as Discord adds it to a message that links a page: the image at the site and on the proxy. */
export interface LinkPreviewEmbed {
  type: 'link';
  url: string;
  title?: string;
  description?: string;
  thumbnail: { url: string; proxy_url: string; width: number; height: number };
}

export interface RawDispatchInput {
  /** The event name, e.g. `MESSAGE_CREATE`. */
  t: string;
  d: unknown;
  /** Picks the shard; default a DM (shard 0). */
  guildId?: string | null;
}

export interface ChannelMessagesQuery {
  /** Only what this user sees: other users' ephemeral messages are left out. Default: everything. */
  viewer?: string;
  includeDeleted?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Handles

export interface InteractionHandle {
  id: string;
  token: string;
  applicationId: string;
  /** 2 application command, 3 component, 5 modal submit. */
  type: number;
  channelId: string;
  guildId: string | null;
  user: EmulatedUser;
  /** The `d` of the INTERACTION_CREATE that was dispatched. */
  payload: Record<string, unknown>;
  dispatchedAt: number;
  /** Webhook calls after this answer 401 `50027 Invalid Webhook Token`. Mutable (see `expire()`). */
  expiresAt: number;
  /** Every callback attempt, accepted or refused. */
  readonly callbacks: RecordedCallback[];
  /** The accepted callback. */
  readonly ack: RecordedCallback | undefined;
  readonly ackLatencyMs: number | undefined;
  waitForAck(timeoutMs?: number): Promise<RecordedCallback>;
  /** The message `@original` points at: the reply, or for components after type 6/7, the component's message. */
  original(): StoredMessage | undefined;
  /** Every version of `original()` in order (a deferred reply starts with the loading version). */
  edits(): MessageVersion[];
  followups(): StoredMessage[];
  /** The modal shown with a type 9 callback. */
  modal(): ShownModal | undefined;
  /** Resolves once `original()` exists and satisfies the predicate. */
  waitForOriginal(
    predicate?: (message: StoredMessage) => boolean,
    timeoutMs?: number,
  ): Promise<StoredMessage>;
  /** Let the token expire now. */
  expire(): void;
}

export interface GatewaySessionInfo {
  sessionId: string;
  shard: [number, number];
  intents: number;
  connected: boolean;
  resumable: boolean;
  seq: number;
}

export interface DiscordEmulator {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** `http://127.0.0.1:PORT/api`: pass as `rest: { api }` to discord.js. */
  apiBase: string;
  /** `ws://127.0.0.1:PORT/gateway`. */
  gatewayUrl: string;
  applicationId: string;
  botUser: EmulatedUser;
  token: string | undefined;
  /** Every REST request in order. */
  requests: RecordedRequest[];
  /** Requests to the fake CDN. */
  cdnRequests: RecordedRequest[];
  rateLimitHits: RecordedRateLimit[];
  identifies: RecordedIdentify[];
  dispatches: RecordedDispatch[];

  addGuild(input: GuildInput): EmulatedGuild;
  addUser(input: UserInput): EmulatedUser;
  /** The user's DM channel with the bot (created on first use). */
  dmChannel(user: UserInput | string): EmulatedChannel;
  guild(id: string): EmulatedGuild | undefined;
  channel(id: string): EmulatedChannel | undefined;
  user(id: string): EmulatedUser | undefined;

  /** Resolves when every shard has a live, identified session. */
  waitForReady(timeoutMs?: number): Promise<void>;
  sessions(): GatewaySessionInfo[];
  slashCommand(input: SlashCommandInput): Promise<InteractionHandle>;
  button(input: ButtonInput): Promise<InteractionHandle>;
  selectMenu(input: SelectMenuInput): Promise<InteractionHandle>;
  modalSubmit(input: ModalSubmitInput): Promise<InteractionHandle>;
  messageContextMenu(input: MessageContextMenuInput): Promise<InteractionHandle>;
  userContextMenu(input: UserContextMenuInput): Promise<InteractionHandle>;
  userMessage(input: UserMessageInput): Promise<StoredMessage>;
  /** A user (its author or a moderator) deletes a message: gone from REST, MESSAGE_DELETE dispatched. */
  deleteMessage(message: StoredMessage | string): Promise<void>;
  /** Sends `d` as a dispatch exactly as given (nothing checked or stored), e.g. a malformed event. */
  rawDispatch(input: RawDispatchInput): Promise<void>;
  /**
   * The embed Discord would add to a message linking `url`, its image mirrored on the media proxy
   * (`proxy_url` on images-ext-N.discordapp.net) and served by this emulator; pass it in `userMessage`'s
   * `embeds`.
   */
  linkPreview(input: LinkPreviewInput): LinkPreviewEmbed;
  /**
   * A fetch for the bot under test: Discord's CDN and media-proxy hosts (and this origin) reach this
   * emulator; any other host fails, so nothing leaves the machine.
   */
  mediaFetch: typeof fetch;
  /** Close gateway sockets (default code 4000, which discord.js resumes from). */
  disconnect(options?: { shard?: number; code?: number }): void;

  registeredCommands(guildId?: string): RegisteredCommand[];
  messages(channelId: string, query?: ChannelMessagesQuery): StoredMessage[];
  message(id: string): StoredMessage | undefined;
  interaction(id: string): InteractionHandle | undefined;
  interactions(): InteractionHandle[];
  /** Resolves with the probe's first truthy result; re-checked on every state change and every 25 ms. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;

  /** Merges into the current faults; pass a key as `undefined` to clear it. Counters restart. */
  configure(faults: Partial<DiscordFaults>): void;
  /** Clears recorded traffic, messages, interactions and faults; keeps guilds, users, commands and sessions. */
  reset(): void;
  close(): Promise<void>;
}
