/**
 * The Slack emulator's workspace state: messages (with their revisions), files, views, and the timeline of
 * everything users saw, plus the JSON shapes Slack uses for them.
 */
import { randomBytes } from 'node:crypto';

/** `ack`: the body of a slash command's acknowledgement, which Slack shows as the command's reply. */
export type MessageVia =
  | 'chat.postMessage'
  | 'chat.postEphemeral'
  | 'files.completeUploadExternal'
  | 'response_url'
  | 'ack'
  | 'user';

export interface MessageRevision {
  at: number;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  fileIds: string[];
  /** What made this revision: the posting method, `chat.update` or `response_url`. */
  via: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  /** The parent's ts for a reply; undefined for a top-level message (history shows `thread_ts` once it has replies). */
  threadTs: string | undefined;
  /** The author: the bot user id for bot posts, the user id for user posts. */
  user: string;
  /** Set for bot posts. */
  botId: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  files: StoredFile[];
  /** Only this user sees the message (chat.postEphemeral, ephemeral response_url replies). */
  ephemeralFor: string | undefined;
  replyBroadcast: boolean;
  metadata: unknown;
  deleted: boolean;
  /** Set by chat.update and replace_original. */
  edited: { user: string; ts: string } | undefined;
  postedAt: number;
  via: MessageVia;
  /** Every state the message had, oldest first; `revisions[0]` is as posted. */
  revisions: MessageRevision[];
}

export type FileHost = 'slack' | 'foreign' | 'external';
export type FileState = 'pending' | 'uploaded' | 'completed' | 'deleted';

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  bytes: Buffer;
  /** `bytes.length` once uploaded; the declared length before. */
  size: number;
  /** `length` given to files.getUploadURLExternal (bot uploads only). */
  declaredLength: number | undefined;
  altText: string | undefined;
  host: FileHost;
  urlPrivate: string;
  urlPrivateDownload: string;
  permalink: string;
  /** Uploader: the bot user id or the posting user. */
  user: string;
  createdAt: number;
  /** `pending` until the bytes arrive at the upload URL; `completed` after files.completeUploadExternal. */
  state: FileState;
  /** Channels it was shared to. */
  channels: string[];
  /** An authorized download answers 302 to this URL instead of the bytes (a hostile or moved file). */
  redirectTo?: string;
}

export type TimelineAction = 'post' | 'ephemeral' | 'update' | 'delete';

/** One thing a user could see happen, in order. */
export interface TimelineEntry {
  seq: number;
  at: number;
  action: TimelineAction;
  channel: string;
  ts: string;
  threadTs: string | undefined;
  user: string;
  text: string;
  blocks: unknown[] | undefined;
  fileIds: string[];
  ephemeralFor: string | undefined;
  via: string;
}

export interface StoredView {
  id: string;
  /** The `view` argument as the bot sent it (parsed). */
  view: Record<string, unknown>;
  triggerId: string | undefined;
  /** views.open, views.push or views.update, latest last. */
  history: { method: string; at: number; view: Record<string, unknown> }[];
  openedAt: number;
  /** The user the trigger belonged to, when known. */
  user: string | undefined;
  hash: string;
  rootViewId: string;
  previousViewId: string | undefined;
}

export interface SlackUser {
  id: string;
  name?: string;
  realName?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isPrimaryOwner?: boolean;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
  /** IETF tag (`zh-CN`); users.info returns it (default `en-US`) only with `include_locale`. */
  locale?: string;
  /**
   * The user's own workspace when it is not the emulated one (a Slack Connect member of another organisation):
   * users.info then answers with this `team_id`, and `isAdmin`/`isOwner` describe that other workspace.
   */
  teamId?: string;
}

export interface WorkspaceIdentity {
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
}

export interface TriggerRecord {
  id: string;
  issuedAt: number;
  user: string | undefined;
  /** The view id it was exchanged for, once used. */
  exchangedFor: string | undefined;
}

export class Store {
  readonly messages: StoredMessage[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly views = new Map<string, StoredView>();
  readonly timeline: TimelineEntry[] = [];
  readonly triggers = new Map<string, TriggerRecord>();
  private lastMicros = 0;
  private counters = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    readonly identity: WorkspaceIdentity,
  ) {}

  /** Slack-style ids: a prefix letter and uppercase base-36, unique for the emulator's lifetime. */
  id(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}0EMU${n.toString(36).toUpperCase().padStart(4, '0')}`;
  }

  /** A unique, increasing `seconds.micros` timestamp from the clock. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.now() * 1000), this.lastMicros + 1);
    this.lastMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  clear(): void {
    this.messages.length = 0;
    this.files.clear();
    this.views.clear();
    this.timeline.length = 0;
    this.triggers.clear();
  }

  /** A trigger id shaped like Slack's (`12345.98765.abcd2358fdea`), valid for views.open for a while. */
  issueTrigger(user: string | undefined, id?: string): string {
    const seq = (this.counters.get('trigger') ?? 0) + 1;
    this.counters.set('trigger', seq);
    const triggerId = id ?? `${Math.floor(this.now())}.${seq}.${randomBytes(8).toString('hex')}`;
    this.triggers.set(triggerId, { id: triggerId, issuedAt: this.now(), user, exchangedFor: undefined });
    return triggerId;
  }

  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A visible (not deleted, not ephemeral) message. */
  findVisible(channel: string, ts: string): StoredMessage | undefined {
    const m = this.find(channel, ts);
    return m !== undefined && !m.deleted && m.ephemeralFor === undefined ? m : undefined;
  }

  addMessage(input: {
    channel: string;
    ts?: string;
    threadTs?: string | undefined;
    user: string;
    botId?: string | undefined;
    text: string;
    blocks?: unknown[] | undefined;
    attachments?: unknown[] | undefined;
    files?: StoredFile[];
    ephemeralFor?: string | undefined;
    replyBroadcast?: boolean;
    metadata?: unknown;
    via: MessageVia;
  }): StoredMessage {
    const at = this.now();
    const message: StoredMessage = {
      channel: input.channel,
      ts: input.ts ?? this.nextTs(),
      threadTs: input.threadTs,
      user: input.user,
      botId: input.botId,
      text: input.text,
      blocks: input.blocks,
      attachments: input.attachments,
      files: input.files ?? [],
      ephemeralFor: input.ephemeralFor,
      replyBroadcast: input.replyBroadcast ?? false,
      metadata: input.metadata,
      deleted: false,
      edited: undefined,
      postedAt: at,
      via: input.via,
      revisions: [],
    };
    message.revisions.push(this.revision(message, input.via, at));
    this.messages.push(message);
    this.log(message.ephemeralFor === undefined ? 'post' : 'ephemeral', message, input.via);
    return message;
  }

  updateMessage(
    message: StoredMessage,
    change: { text?: string; blocks?: unknown[]; attachments?: unknown[]; files?: StoredFile[] },
    via: string,
    by: string,
    /** Replace the whole message (response_url `replace_original`) instead of merging like chat.update. */
    replace = false,
  ): void {
    if (replace) {
      message.text = change.text ?? '';
      message.blocks = change.blocks;
      message.attachments = change.attachments;
    }
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    if (change.attachments !== undefined) message.attachments = change.attachments;
    if (change.files !== undefined) message.files = change.files;
    message.edited = { user: by, ts: this.nextTs() };
    message.revisions.push(this.revision(message, via, this.now()));
    this.log('update', message, via);
  }

  deleteMessage(message: StoredMessage, via: string): void {
    message.deleted = true;
    this.log('delete', message, via);
  }

  /** Replies of a thread, oldest first (not the parent). */
  replies(channel: string, threadTs: string): StoredMessage[] {
    return this.messages.filter(
      (m) =>
        m.channel === channel &&
        m.threadTs === threadTs &&
        m.ts !== threadTs &&
        !m.deleted &&
        m.ephemeralFor === undefined,
    );
  }

  private revision(message: StoredMessage, via: string, at: number): MessageRevision {
    return {
      at,
      text: message.text,
      blocks: message.blocks,
      attachments: message.attachments,
      fileIds: message.files.map((f) => f.id),
      via,
    };
  }

  private log(action: TimelineAction, message: StoredMessage, via: string): void {
    this.timeline.push({
      seq: this.timeline.length + 1,
      at: this.now(),
      action,
      channel: message.channel,
      ts: message.ts,
      threadTs: message.threadTs,
      user: message.user,
      text: message.text,
      blocks: message.blocks,
      fileIds: message.files.map((f) => f.id),
      ephemeralFor: message.ephemeralFor,
      via,
    });
  }

  // ---- Slack JSON shapes ----

  fileJson(file: StoredFile): Record<string, unknown> {
    const created = Math.floor(file.createdAt / 1000);
    return {
      id: file.id,
      created,
      timestamp: created,
      name: file.name,
      title: file.title,
      mimetype: file.mimetype,
      filetype: file.filetype,
      pretty_type: file.filetype.toUpperCase(),
      user: file.user,
      user_team: this.identity.teamId,
      editable: false,
      size: file.size,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: file.channels.some((c) => c.startsWith('C')),
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: file.urlPrivate,
      url_private_download: file.urlPrivateDownload,
      permalink: file.permalink,
      permalink_public: `${file.permalink}?pub=1`,
      ...(file.altText === undefined ? {} : { alt_txt: file.altText }),
      has_rich_preview: false,
      file_access: 'visible',
      shares: this.sharesOf(file),
    };
  }

  /**
   * Where the file is shared, as files.info shows it: `{ public | private: { <channel>: [{ ts, thread_ts? }] } }`,
   * one entry per visible message that carries it (a share in a thread has the parent's `thread_ts`).
   */
  private sharesOf(file: StoredFile): Record<string, Record<string, unknown[]>> {
    const shares: Record<string, Record<string, unknown[]>> = {};
    for (const message of this.messages) {
      if (message.deleted || message.ephemeralFor !== undefined) continue;
      if (!message.files.some((f) => f.id === file.id)) continue;
      const kind = message.channel.startsWith('C') ? 'public' : 'private';
      const byChannel = (shares[kind] ??= {});
      (byChannel[message.channel] ??= []).push({
        ts: message.ts,
        ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
        share_user_id: message.user,
        team_id: this.identity.teamId,
      });
    }
    return shares;
  }

  /** A message as conversations.history / replies and chat.* answers show it. */
  messageJson(message: StoredMessage): Record<string, unknown> {
    const out: Record<string, unknown> = {
      type: 'message',
      user: message.user,
      text: message.text,
      ts: message.ts,
      team: this.identity.teamId,
    };
    if (message.botId !== undefined) {
      out.bot_id = message.botId;
      out.app_id = this.identity.appId;
      out.bot_profile = {
        id: message.botId,
        app_id: this.identity.appId,
        name: 'emulated-bot',
        deleted: false,
        team_id: this.identity.teamId,
      };
    }
    if (message.blocks !== undefined) out.blocks = message.blocks;
    if (message.attachments !== undefined) out.attachments = message.attachments;
    const files = message.files.filter((f) => f.state !== 'deleted');
    if (files.length > 0) {
      out.files = files.map((f) => this.fileJson(f));
      out.upload = message.via === 'user' || message.via === 'files.completeUploadExternal';
      out.display_as_bot = false;
    }
    if (message.edited !== undefined) out.edited = message.edited;
    if (message.metadata !== undefined) out.metadata = message.metadata;
    if (message.threadTs !== undefined) {
      out.thread_ts = message.threadTs;
      if (message.threadTs !== message.ts && message.replyBroadcast) out.subtype = 'thread_broadcast';
    }
    const replies = this.replies(message.channel, message.ts);
    if (message.threadTs === undefined || message.threadTs === message.ts) {
      if (replies.length > 0) {
        out.thread_ts = message.ts;
        const users = [...new Set(replies.map((r) => r.user))];
        out.reply_count = replies.length;
        out.reply_users_count = users.length;
        out.reply_users = users;
        out.latest_reply = replies[replies.length - 1]?.ts;
      }
    } else {
      out.parent_user_id = this.find(message.channel, message.threadTs)?.user;
    }
    return out;
  }
}
