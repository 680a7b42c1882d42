/** The emulator's world: users, guilds, channels, messages with their history, interactions and commands. */
import type {
  ChannelMessagesQuery,
  EmulatedChannel,
  EmulatedGuild,
  EmulatedMember,
  EmulatedUser,
  GuildInput,
  InteractionHandle,
  MessageSource,
  MessageVersion,
  RecordedCallback,
  RegisteredCommand,
  ShownModal,
  StoredAttachment,
  StoredMessage,
  UserInput,
} from './types.js';
import {
  ALL_PERMISSIONS,
  DEFAULT_APP_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  MessageFlagBits,
  PermissionBits,
  isoTime,
  shortHash,
  snowflake,
  toPermissions,
} from './util.js';

export interface AllowedMentions {
  parse?: string[] | undefined;
  users?: string[] | undefined;
  roles?: string[] | undefined;
  replied_user?: boolean | undefined;
}

export interface NewAttachment {
  filename: string;
  contentType: string | null;
  bytes: Buffer;
  description?: string | null;
}

export interface MessageInit {
  channelId: string;
  author: EmulatedUser;
  content: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: StoredAttachment[];
  flags?: number;
  allowedMentions?: AllowedMentions | null;
  tts?: boolean;
  type: number;
  reference?: StoredMessage | null;
  /** Whether a reply pings the replied-to author when allowed_mentions is absent. Default true. */
  mentionRepliedUser?: boolean;
  source: MessageSource;
  interactionId?: string | null;
  visibleTo?: string | null;
}

export interface MessagePatch {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: StoredAttachment[];
  flags?: number;
  allowedMentions?: AllowedMentions | null;
}

export type InteractionKind = 'command' | 'component' | 'modal';

/** Interaction state shared by the REST handlers and the driver; implements the public handle. */
export class InteractionRecord implements InteractionHandle {
  readonly callbacks: RecordedCallback[] = [];
  ack: RecordedCallback | undefined;
  /** Set by callbacks 4/5 (new message) or 6/7 (the component's message). */
  originalMessageId: string | null = null;
  followupIds: string[] = [];
  /** Deferred (type 5) and not yet resolved: the first follow-up replaces the loading message. */
  loadingPending = false;
  shownModal: ShownModal | undefined;

  constructor(
    private readonly state: DiscordState,
    readonly id: string,
    readonly token: string,
    readonly applicationId: string,
    readonly type: number,
    readonly kind: InteractionKind,
    readonly channelId: string,
    readonly guildId: string | null,
    readonly user: EmulatedUser,
    readonly payload: Record<string, unknown>,
    readonly dispatchedAt: number,
    public expiresAt: number,
    /** Chat input 1, user 2, message 3 (for commands). */
    readonly commandType: number | null,
    readonly commandName: string | null,
    /** Components, and modals shown from a component: the message the component is on. */
    readonly componentMessageId: string | null,
  ) {}

  get ackLatencyMs(): number | undefined {
    return this.ack?.latencyMs;
  }

  waitForAck(timeoutMs = 5000): Promise<RecordedCallback> {
    return this.state.waitFor(() => this.ack, timeoutMs, `ack of interaction ${this.id}`);
  }

  original(): StoredMessage | undefined {
    return this.originalMessageId === null ? undefined : this.state.messages.get(this.originalMessageId);
  }

  edits(): MessageVersion[] {
    return this.original()?.versions.slice() ?? [];
  }

  followups(): StoredMessage[] {
    return this.followupIds.flatMap((id) => {
      const message = this.state.messages.get(id);
      return message === undefined ? [] : [message];
    });
  }

  modal(): ShownModal | undefined {
    return this.shownModal;
  }

  waitForOriginal(
    predicate: (message: StoredMessage) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<StoredMessage> {
    return this.state.waitFor(
      () => {
        const message = this.original();
        return message !== undefined && predicate(message) ? message : undefined;
      },
      timeoutMs,
      `original response of interaction ${this.id}`,
    );
  }

  expire(): void {
    this.expiresAt = this.state.now() - 1;
  }

  get acknowledged(): boolean {
    return this.ack !== undefined;
  }
}

const MENTION_USER = /<@!?(\d{15,21})>/g;
const MENTION_ROLE = /<@&(\d{15,21})>/g;

export function computeMentions(
  content: string,
  allowed: AllowedMentions | null | undefined,
  repliedUserId: string | null,
  mentionRepliedUser: boolean,
): StoredMessage['mentions'] {
  const unique = (values: string[]) => [...new Set(values)];
  const userIds = unique([...content.matchAll(MENTION_USER)].map((m) => m[1] ?? ''));
  const roleIds = unique([...content.matchAll(MENTION_ROLE)].map((m) => m[1] ?? ''));
  const everyone = /@(everyone|here)\b/.test(content);
  if (allowed === undefined || allowed === null) {
    const users =
      repliedUserId !== null && mentionRepliedUser ? unique([...userIds, repliedUserId]) : userIds;
    return { users, roles: roleIds, everyone };
  }
  const parse = allowed.parse ?? [];
  const users = parse.includes('users') ? userIds : userIds.filter((id) => allowed.users?.includes(id));
  const roles = parse.includes('roles') ? roleIds : roleIds.filter((id) => allowed.roles?.includes(id));
  if (repliedUserId !== null && allowed.replied_user === true && !users.includes(repliedUserId)) {
    users.push(repliedUserId);
  }
  return { users, roles, everyone: everyone && parse.includes('everyone') };
}

export class DiscordState {
  readonly users = new Map<string, EmulatedUser>();
  readonly guilds = new Map<string, EmulatedGuild>();
  readonly channels = new Map<string, EmulatedChannel>();
  readonly messages = new Map<string, StoredMessage>();
  readonly attachments = new Map<string, StoredAttachment>();
  /** Link previews' images mirrored on the media proxy (`/external/<key>/...`), by key. */
  readonly proxiedMedia = new Map<string, { bytes: Buffer; contentType: string }>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  /** Key: `global` or a guild id. */
  readonly commands = new Map<string, RegisteredCommand[]>();
  /** Ids handed out for unregistered commands, by `type:name`. */
  readonly inventedCommandIds = new Map<string, string>();
  private readonly dmChannelByUser = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private holds = 0;
  private pendingNotify = false;
  origin = '';
  botUser: EmulatedUser;

  constructor(
    readonly now: () => number,
    botUser: EmulatedUser,
  ) {
    this.botUser = botUser;
    this.users.set(botUser.id, botUser);
  }

  notify(): void {
    if (this.holds > 0) {
      this.pendingNotify = true;
      return;
    }
    for (const listener of [...this.listeners]) listener();
  }

  /** Defers notifications (e.g. until a REST answer's status is recorded), so waiters see consistent records. */
  hold(): void {
    this.holds += 1;
  }

  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    if (this.holds === 0 && this.pendingNotify) {
      this.pendingNotify = false;
      this.notify();
    }
  }

  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const check = (): void => {
        if (settled) return;
        let value: T | undefined | null | false;
        try {
          value = probe();
        } catch (error) {
          finish();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (value !== undefined && value !== null && value !== false) {
          finish();
          resolve(value);
        }
      };
      const poll = setInterval(check, 25);
      const timer = setTimeout(() => {
        if (settled) return;
        finish();
        reject(new Error(`discord emulator: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Users, guilds, channels

  ensureUser(input: UserInput): EmulatedUser {
    const existing = this.users.get(input.id);
    if (existing !== undefined) {
      if (input.username !== undefined) existing.username = input.username;
      if (input.globalName !== undefined) existing.globalName = input.globalName;
      if (input.bot !== undefined) existing.bot = input.bot;
      if (input.dmsClosed !== undefined) existing.dmsClosed = input.dmsClosed;
      return existing;
    }
    assertSnowflake(input.id, 'user');
    const user: EmulatedUser = {
      id: input.id,
      username: input.username ?? `user_${input.id.slice(-4)}`,
      globalName: input.globalName ?? null,
      bot: input.bot ?? false,
      dmsClosed: input.dmsClosed ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  addGuild(input: GuildInput): EmulatedGuild {
    const id = input.id ?? snowflake();
    assertSnowflake(id, 'guild');
    if (this.guilds.has(id)) throw new Error(`discord emulator: guild ${id} already exists`);
    const ownerId = input.ownerId ?? this.ensureUser({ id: snowflake(), username: 'guild-owner' }).id;
    if (!this.users.has(ownerId)) this.ensureUser({ id: ownerId });
    const guild: EmulatedGuild = {
      id,
      name: input.name ?? 'Emulated Guild',
      ownerId,
      locale: input.locale ?? 'en-US',
      roles: [
        {
          id,
          name: '@everyone',
          permissions: toPermissions(input.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS).toString(),
          position: 0,
          color: 0,
        },
      ],
      channelIds: [],
      members: new Map(),
      appPermissions: toPermissions(input.appPermissions ?? DEFAULT_APP_PERMISSIONS).toString(),
    };
    for (const [index, role] of (input.roles ?? []).entries()) {
      const roleId = role.id ?? snowflake();
      assertSnowflake(roleId, 'role');
      guild.roles.push({
        id: roleId,
        name: role.name,
        permissions: toPermissions(role.permissions ?? 0n).toString(),
        position: role.position ?? index + 1,
        color: role.color ?? 0,
      });
    }
    const channels = input.channels ?? [{ name: 'general' }];
    for (const [index, channel] of channels.entries()) {
      const channelId = channel.id ?? snowflake();
      assertSnowflake(channelId, 'channel');
      if (this.channels.has(channelId))
        throw new Error(`discord emulator: channel ${channelId} already exists`);
      this.channels.set(channelId, {
        id: channelId,
        type: channel.type ?? 0,
        name: channel.name ?? (index === 0 ? 'general' : `general-${index + 1}`),
        guildId: id,
        recipientId: null,
        topic: channel.topic ?? null,
        parentId: channel.parentId ?? null,
        nsfw: channel.nsfw ?? false,
        position: index,
        lastMessageId: null,
      });
      guild.channelIds.push(channelId);
    }
    this.guilds.set(id, guild);
    this.ensureMember(guild, this.botUser.id);
    this.ensureMember(guild, ownerId);
    for (const member of input.members ?? []) {
      const user = this.ensureUser(member.user);
      const stored = this.ensureMember(guild, user.id);
      stored.roles = [...new Set([...stored.roles, ...(member.roles ?? [])])];
      if (member.nick !== undefined) stored.nick = member.nick;
    }
    this.notify();
    return guild;
  }

  ensureMember(guild: EmulatedGuild, userId: string, extraRoles: string[] = []): EmulatedMember {
    let member = guild.members.get(userId);
    if (member === undefined) {
      member = { userId, roles: [], nick: null, joinedAt: isoTime(this.now()) };
      guild.members.set(userId, member);
    }
    for (const role of extraRoles) if (!member.roles.includes(role)) member.roles.push(role);
    return member;
  }

  memberPermissions(guild: EmulatedGuild, userId: string): bigint {
    if (guild.ownerId === userId) return ALL_PERMISSIONS;
    const member = guild.members.get(userId);
    let bits = BigInt(guild.roles[0]?.permissions ?? '0');
    for (const role of guild.roles) {
      if (member?.roles.includes(role.id)) bits |= BigInt(role.permissions);
    }
    return (bits & PermissionBits.Administrator) !== 0n ? ALL_PERMISSIONS : bits;
  }

  dmChannel(user: EmulatedUser): EmulatedChannel {
    const existingId = this.dmChannelByUser.get(user.id);
    const existing = existingId === undefined ? undefined : this.channels.get(existingId);
    if (existing !== undefined) return existing;
    const channel: EmulatedChannel = {
      id: snowflake(),
      type: 1,
      name: null,
      guildId: null,
      recipientId: user.id,
      topic: null,
      parentId: null,
      nsfw: false,
      position: 0,
      lastMessageId: null,
    };
    this.channels.set(channel.id, channel);
    this.dmChannelByUser.set(user.id, channel.id);
    this.notify();
    return channel;
  }

  // -------------------------------------------------------------------------------------------------------
  // Attachments and messages

  storeAttachment(channelId: string, file: NewAttachment, ephemeral = false): StoredAttachment {
    const id = snowflake();
    const created = Math.floor(this.now() / 1000);
    const ex = (created + 86_400).toString(16);
    const is = created.toString(16);
    const hm = shortHash(`${id}:${ex}`, 64);
    const attachment: StoredAttachment = {
      id,
      filename: file.filename,
      contentType: file.contentType,
      size: file.bytes.length,
      description: file.description ?? null,
      url: `${this.origin}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}?ex=${ex}&is=${is}&hm=${hm}&`,
      bytes: file.bytes,
      ephemeral,
    };
    this.attachments.set(id, attachment);
    return attachment;
  }

  createMessage(init: MessageInit): StoredMessage {
    const channel = this.channels.get(init.channelId);
    if (channel === undefined) throw new Error(`discord emulator: unknown channel ${init.channelId}`);
    const at = this.now();
    const flags = init.flags ?? 0;
    const ephemeral = (flags & MessageFlagBits.Ephemeral) !== 0;
    const reference = init.reference ?? null;
    const version: MessageVersion = {
      at,
      content: init.content,
      embeds: init.embeds ?? [],
      components: init.components ?? [],
      attachments: init.attachments ?? [],
      flags,
    };
    const message: StoredMessage = {
      id: snowflake(),
      channelId: channel.id,
      guildId: channel.guildId,
      author: init.author,
      ...pickVersion(version),
      allowedMentions: init.allowedMentions ?? undefined,
      mentions: computeMentions(
        init.content,
        init.allowedMentions,
        reference?.author.id ?? null,
        init.mentionRepliedUser ?? true,
      ),
      tts: init.tts ?? false,
      type: init.type,
      reference:
        reference === null
          ? null
          : { messageId: reference.id, channelId: reference.channelId, guildId: reference.guildId },
      source: init.source,
      interactionId: init.interactionId ?? null,
      ephemeral,
      visibleTo: ephemeral ? (init.visibleTo ?? null) : null,
      createdAt: at,
      editedAt: null,
      deletedAt: null,
      versions: [version],
    };
    this.messages.set(message.id, message);
    if (!ephemeral) channel.lastMessageId = message.id;
    this.notify();
    return message;
  }

  editMessage(message: StoredMessage, patch: MessagePatch): void {
    const at = this.now();
    const version: MessageVersion = {
      at,
      content: patch.content ?? message.content,
      embeds: patch.embeds ?? message.embeds,
      components: patch.components ?? message.components,
      attachments: patch.attachments ?? message.attachments,
      flags: patch.flags ?? message.flags,
    };
    Object.assign(message, pickVersion(version));
    if (patch.allowedMentions !== undefined) message.allowedMentions = patch.allowedMentions ?? undefined;
    const reference = message.reference === null ? undefined : this.messages.get(message.reference.messageId);
    message.mentions = computeMentions(
      message.content,
      message.allowedMentions as AllowedMentions | undefined,
      reference?.author.id ?? null,
      true,
    );
    message.editedAt = at;
    message.versions.push(version);
    this.notify();
  }

  deleteMessage(message: StoredMessage): void {
    message.deletedAt = this.now();
    this.notify();
  }

  channelMessages(channelId: string, query: ChannelMessagesQuery = {}): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const message of this.messages.values()) {
      if (message.channelId !== channelId) continue;
      if (message.deletedAt !== null && query.includeDeleted !== true) continue;
      if (query.viewer !== undefined && message.ephemeral && message.visibleTo !== query.viewer) continue;
      out.push(message);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------------
  // Commands

  registered(scope: string): RegisteredCommand[] {
    return this.commands.get(scope) ?? [];
  }

  findCommand(name: string, type: number, guildId: string | null): RegisteredCommand | undefined {
    const scoped = guildId === null ? [] : this.registered(guildId);
    return [...scoped, ...this.registered('global')].find((c) => c.name === name && c.type === type);
  }

  /** Clears messages, attachments and interactions (guilds, users, channels and commands stay). */
  clearTraffic(): void {
    this.messages.clear();
    this.attachments.clear();
    this.proxiedMedia.clear();
    this.interactions.clear();
    this.interactionsByToken.clear();
    for (const channel of this.channels.values()) channel.lastMessageId = null;
    this.notify();
  }
}

/** discord.js only treats 17-19 digit ids as rate-limit major parameters; keep tests on real-looking ids. */
function assertSnowflake(id: string, what: string): void {
  if (!/^\d{17,20}$/.test(id)) {
    throw new Error(
      `discord emulator: ${what} id ${JSON.stringify(id)} is not a snowflake (use snowflake())`,
    );
  }
}

function pickVersion(version: MessageVersion): Omit<MessageVersion, 'at'> {
  return {
    content: version.content,
    embeds: version.embeds,
    components: version.components,
    attachments: version.attachments,
    flags: version.flags,
  };
}
