/** Builds Discord API v10 objects (what REST answers and the gateway dispatches) from emulator state. */
import type {
  APIAttachment,
  APIEmbed,
  APIGuildMember,
  APIInteractionGuildMember,
  APIMessage,
  APIMessageTopLevelComponent,
  APIRole,
  APIUser,
  GuildMemberFlags,
  RoleFlags,
  UserFlags,
} from 'discord.js';
import type { DiscordState } from './state.js';
import type {
  EmulatedChannel,
  EmulatedGuild,
  EmulatedRole,
  EmulatedUser,
  StoredAttachment,
  StoredMessage,
} from './types.js';
import { discordTimestamp } from './util.js';

export type Json = Record<string, unknown>;

export function apiUser(user: EmulatedUser): APIUser {
  const out: APIUser = {
    id: user.id,
    username: user.username,
    discriminator: user.bot ? '0001' : '0',
    global_name: user.globalName,
    avatar: null,
    public_flags: 0 as UserFlags,
    avatar_decoration_data: null,
    collectibles: null,
    primary_guild: null,
  };
  if (user.bot) out.bot = true;
  return out;
}

export function apiRole(role: EmulatedRole): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions,
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

/** A member object; `withUser: false` gives the shape used inside messages and `resolved.members`. */
export function apiMember(state: DiscordState, guild: EmulatedGuild, userId: string): APIGuildMember {
  const member = state.ensureMember(guild, userId);
  const user = state.users.get(userId);
  if (user === undefined) throw new Error(`discord emulator: unknown user ${userId}`);
  return {
    user: apiUser(user),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: member.roles.slice(),
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

export function apiMemberWithoutUser(state: DiscordState, guild: EmulatedGuild, userId: string): Json {
  const { user: _user, ...rest } = apiMember(state, guild, userId);
  return rest;
}

export function apiInteractionMember(
  state: DiscordState,
  guild: EmulatedGuild,
  userId: string,
  permissions: bigint,
): APIInteractionGuildMember {
  return { ...apiMember(state, guild, userId), permissions: permissions.toString() };
}

export function apiChannel(state: DiscordState, channel: EmulatedChannel): Json {
  if (channel.guildId === null) {
    const recipient = channel.recipientId === null ? undefined : state.users.get(channel.recipientId);
    return {
      id: channel.id,
      type: channel.type,
      last_message_id: channel.lastMessageId,
      flags: 0,
      recipients: recipient === undefined ? [] : [apiUser(recipient)],
    };
  }
  return {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    position: channel.position,
    permission_overwrites: [],
    parent_id: channel.parentId,
    topic: channel.topic,
    nsfw: channel.nsfw,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function apiGuild(state: DiscordState, guild: EmulatedGuild): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: guild.roles.map(apiRole),
    emojis: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.channelIds[0] ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: guild.locale,
    public_updates_channel_id: null,
    max_members: 500_000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
    approximate_member_count: guild.members.size,
  };
}

/** GUILD_CREATE `d`. Without the GuildMembers intent, `members` holds only the bot, as on Discord. */
export function apiGuildCreate(state: DiscordState, guild: EmulatedGuild, withAllMembers: boolean): Json {
  const bot = guild.members.get(state.botUser.id);
  const memberIds = withAllMembers ? [...guild.members.keys()] : [state.botUser.id];
  return {
    ...apiGuild(state, guild),
    joined_at: bot?.joinedAt ?? discordTimestamp(state.now()),
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: memberIds.map((id) => apiMember(state, guild, id)),
    channels: guild.channelIds.flatMap((id) => {
      const channel = state.channels.get(id);
      return channel === undefined ? [] : [apiChannel(state, channel)];
    }),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function apiAttachment(attachment: StoredAttachment): APIAttachment {
  const out: APIAttachment = {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
  };
  if (attachment.contentType !== null) out.content_type = attachment.contentType;
  if (attachment.description !== null) out.description = attachment.description;
  if (attachment.ephemeral) out.ephemeral = true;
  return out;
}

/** The REST shape of a message (no `guild_id`/`member`: those are added on MESSAGE_CREATE). */
export function apiMessage(state: DiscordState, message: StoredMessage, nested = false): APIMessage {
  const out: APIMessage = {
    id: message.id,
    channel_id: message.channelId,
    author: apiUser(message.author),
    content: message.content,
    timestamp: discordTimestamp(message.createdAt),
    edited_timestamp: message.editedAt === null ? null : discordTimestamp(message.editedAt),
    tts: message.tts,
    mention_everyone: message.mentions.everyone,
    mentions: message.mentions.users.flatMap((id) => {
      const user = state.users.get(id);
      return user === undefined ? [] : [apiUser(user)];
    }),
    mention_roles: message.mentions.roles.slice(),
    attachments: message.attachments.map(apiAttachment),
    embeds: message.embeds as APIEmbed[],
    components: message.components as APIMessageTopLevelComponent[],
    pinned: false,
    type: message.type,
    flags: message.flags,
  };
  if (message.source === 'interaction' || message.source === 'followup') {
    out.webhook_id = message.author.id;
    out.application_id = message.author.id;
    const interaction =
      message.interactionId === null ? undefined : state.interactions.get(message.interactionId);
    if (interaction !== undefined) {
      out.webhook_id = interaction.applicationId;
      out.application_id = interaction.applicationId;
      const metadata: Json = {
        id: interaction.id,
        type: interaction.type,
        user: apiUser(interaction.user),
        authorizing_integration_owners: interaction.payload.authorizing_integration_owners,
      };
      if (message.source === 'followup' && interaction.originalMessageId !== null) {
        metadata.original_response_message_id = interaction.originalMessageId;
      }
      if (interaction.kind === 'component' && interaction.componentMessageId !== null) {
        metadata.interacted_message_id = interaction.componentMessageId;
      }
      if (interaction.commandName !== null) {
        metadata.name = interaction.commandName;
        metadata.command_type = interaction.commandType;
        out.interaction = {
          id: interaction.id,
          type: interaction.type,
          name: interaction.commandName,
          user: apiUser(interaction.user),
        };
      }
      out.interaction_metadata = metadata as unknown as APIMessage['interaction_metadata'];
    }
  }
  if (message.reference !== null) {
    const reference: NonNullable<APIMessage['message_reference']> = {
      type: 0,
      message_id: message.reference.messageId,
      channel_id: message.reference.channelId,
    };
    if (message.reference.guildId !== null) reference.guild_id = message.reference.guildId;
    out.message_reference = reference;
    if (!nested) {
      const referenced = state.messages.get(message.reference.messageId);
      out.referenced_message =
        referenced === undefined || referenced.deletedAt !== null
          ? null
          : apiMessage(state, referenced, true);
    }
  }
  return out;
}

const EMPTY_CONTENT = { content: '', embeds: [], attachments: [], components: [] } as const;

/** MESSAGE_CREATE / MESSAGE_UPDATE `d`: the message plus `guild_id`, `member` and `channel_type`. */
export function gatewayMessage(
  state: DiscordState,
  message: StoredMessage,
  stripContent: (message: StoredMessage) => boolean,
): Json {
  const base: Json = { ...apiMessage(state, message) };
  const referenced = message.reference === null ? undefined : state.messages.get(message.reference.messageId);
  if (referenced !== undefined && base.referenced_message && stripContent(referenced)) {
    base.referenced_message = { ...(base.referenced_message as Json), ...EMPTY_CONTENT };
  }
  const channel = state.channels.get(message.channelId);
  if (channel !== undefined) base.channel_type = channel.type;
  const guild = message.guildId === null ? undefined : state.guilds.get(message.guildId);
  if (guild !== undefined) {
    base.guild_id = guild.id;
    base.member = apiMemberWithoutUser(state, guild, message.author.id);
    base.mentions = message.mentions.users.flatMap((id) => {
      const user = state.users.get(id);
      return user === undefined ? [] : [{ ...apiUser(user), member: apiMemberWithoutUser(state, guild, id) }];
    });
  }
  // Without the MessageContent intent these arrive empty (unless the bot is mentioned, or in DMs).
  return stripContent(message) ? { ...base, ...EMPTY_CONTENT } : base;
}
