/**
 * What tests call to act as users: each action builds a complete, valid gateway payload (INTERACTION_CREATE
 * or MESSAGE_CREATE), stores what Discord would store, and dispatches it on the right shard.
 */
import type { Gateway } from './gateway.js';
import { apiAttachment, apiChannel, apiMemberWithoutUser, apiMessage, apiRole, apiUser } from './payloads.js';
import type { Json } from './payloads.js';
import { InteractionRecord } from './state.js';
import type { DiscordState, InteractionKind } from './state.js';
import type {
  AttachmentInput,
  ButtonInput,
  CommandOptionInput,
  EmulatedChannel,
  EmulatedGuild,
  EmulatedUser,
  InteractionHandle,
  InteractionInput,
  MessageContextMenuInput,
  ModalSubmitInput,
  SelectMenuInput,
  SlashCommandInput,
  StoredAttachment,
  StoredMessage,
  UserContextMenuInput,
  UserInput,
  RawDispatchInput,
  UserMessageInput,
} from './types.js';
import { DM_APP_PERMISSIONS, interactionToken, snowflake, toPermissions } from './util.js';

export interface DriverConfig {
  state: DiscordState;
  gateway: Gateway;
  now: () => number;
  applicationId: string;
  tokenTtlMs: () => number;
  attachmentSizeLimit: number;
  sessionWaitMs: number;
  requireRegisteredCommands: boolean;
}

interface Where {
  user: EmulatedUser;
  channel: EmulatedChannel;
  guild: EmulatedGuild | null;
  permissions: bigint;
  locale: string;
}

interface DispatchInit {
  where: Where;
  type: number;
  kind: InteractionKind;
  data: Json;
  message?: StoredMessage;
  commandType?: number;
  commandName?: string;
  componentMessageId?: string | null;
  tokenTtlMs?: number | undefined;
  everySession?: boolean | undefined;
  tamper?: ((payload: Json) => unknown) | undefined;
}

class DriverError extends Error {
  constructor(message: string) {
    super(`discord emulator: ${message}`);
  }
}

function toBuffer(bytes: Buffer | Uint8Array | string): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
}

function inferOptionType(value: string | number | boolean): number {
  if (typeof value === 'string') return 3;
  if (typeof value === 'boolean') return 5;
  return Number.isInteger(value) ? 4 : 10;
}

/** Depth-first search for the component with this custom id (rows, containers, sections, labels). */
function findComponent(components: unknown, customId: string): Json | undefined {
  if (Array.isArray(components)) {
    for (const item of components) {
      const found = findComponent(item, customId);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof components !== 'object' || components === null) return undefined;
  const node = components as Json;
  if (node.custom_id === customId) return node;
  for (const key of ['components', 'component', 'accessory']) {
    const found = findComponent(node[key], customId);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface Driver {
  slashCommand(input: SlashCommandInput): Promise<InteractionHandle>;
  button(input: ButtonInput): Promise<InteractionHandle>;
  selectMenu(input: SelectMenuInput): Promise<InteractionHandle>;
  modalSubmit(input: ModalSubmitInput): Promise<InteractionHandle>;
  messageContextMenu(input: MessageContextMenuInput): Promise<InteractionHandle>;
  userContextMenu(input: UserContextMenuInput): Promise<InteractionHandle>;
  userMessage(input: UserMessageInput): Promise<StoredMessage>;
  deleteMessage(message: StoredMessage | string): Promise<void>;
  rawDispatch(input: RawDispatchInput): Promise<void>;
}

export function createDriver(config: DriverConfig): Driver {
  const { state, gateway, now } = config;

  function where(input: Partial<InteractionInput> & { user: UserInput }): Where {
    const user = state.ensureUser(input.user);
    let channel: EmulatedChannel;
    if (input.channelId !== undefined) {
      const found = state.channels.get(input.channelId);
      if (found === undefined) {
        throw new DriverError(`unknown channel ${input.channelId} (add it with addGuild or use dmChannel)`);
      }
      channel = found;
    } else {
      if (input.guildId !== undefined) throw new DriverError('channelId is required for guild interactions');
      channel = state.dmChannel(user);
    }
    if (input.guildId !== undefined && input.guildId !== channel.guildId) {
      throw new DriverError(`channel ${channel.id} is not in guild ${input.guildId}`);
    }
    if (channel.guildId === null && channel.recipientId !== user.id) {
      throw new DriverError(`DM channel ${channel.id} belongs to another user`);
    }
    const guild = channel.guildId === null ? null : (state.guilds.get(channel.guildId) ?? null);
    if (guild !== null) state.ensureMember(guild, user.id, input.roles ?? []);
    const permissions =
      input.permissions !== undefined
        ? toPermissions(input.permissions)
        : guild !== null
          ? state.memberPermissions(guild, user.id)
          : DM_APP_PERMISSIONS;
    return { user, channel, guild, permissions, locale: input.locale ?? 'en-US' };
  }

  function storedMessage(ref: StoredMessage | string): StoredMessage {
    const message = state.messages.get(typeof ref === 'string' ? ref : ref.id);
    if (message === undefined || message.deletedAt !== null) {
      throw new DriverError(
        `message ${typeof ref === 'string' ? ref : ref.id} does not exist (or was deleted)`,
      );
    }
    return message;
  }

  function commandFor(
    name: string,
    type: number,
    guildId: string | null,
  ): { id: string; guildId: string | null } {
    const registered = state.findCommand(name, type, guildId);
    if (registered !== undefined) return { id: registered.id, guildId: registered.guildId };
    if (config.requireRegisteredCommands) {
      throw new DriverError(
        `command ${name} (type ${type}) is not registered${guildId ? ` for guild ${guildId}` : ''}`,
      );
    }
    const key = `${type}:${name}`;
    let id = state.inventedCommandIds.get(key);
    if (id === undefined) {
      id = snowflake();
      state.inventedCommandIds.set(key, id);
    }
    return { id, guildId: null };
  }

  function upload(channelId: string, input: AttachmentInput, ephemeral: boolean): StoredAttachment {
    return state.storeAttachment(
      channelId,
      {
        filename: input.filename,
        contentType: input.contentType ?? null,
        bytes: toBuffer(input.bytes),
        description: input.description ?? null,
      },
      ephemeral,
    );
  }

  async function dispatchInteraction(init: DispatchInit): Promise<InteractionRecord> {
    const { where: w } = init;
    const guildId = w.guild?.id ?? null;
    await gateway.waitForSession(gateway.shardFor(guildId), config.sessionWaitMs);
    const id = snowflake();
    const token = interactionToken();
    const channel: Json = { ...apiChannel(state, w.channel) };
    if (w.guild !== null) channel.permissions = w.permissions.toString();
    const payload: Json = {
      id,
      application_id: config.applicationId,
      type: init.type,
      data: init.data,
      channel,
      channel_id: w.channel.id,
      token,
      version: 1,
      app_permissions: (w.guild === null ? DM_APP_PERMISSIONS : BigInt(w.guild.appPermissions)).toString(),
      locale: w.locale,
      entitlements: [],
      authorizing_integration_owners: { '0': w.guild?.id ?? '0' },
      context: w.guild === null ? 1 : 0,
      attachment_size_limit: config.attachmentSizeLimit,
    };
    if (w.guild !== null) {
      payload.guild_id = w.guild.id;
      payload.guild = { id: w.guild.id, locale: w.guild.locale, features: [] };
      payload.guild_locale = w.guild.locale;
      payload.member = {
        ...apiMemberWithoutUser(state, w.guild, w.user.id),
        user: apiUser(w.user),
        permissions: w.permissions.toString(),
      };
    } else {
      payload.user = apiUser(w.user);
    }
    if (init.message !== undefined) payload.message = apiMessage(state, init.message);
    const at = now();
    const record = new InteractionRecord(
      state,
      id,
      token,
      config.applicationId,
      init.type,
      init.kind,
      w.channel.id,
      guildId,
      w.user,
      payload,
      at,
      at + (init.tokenTtlMs ?? config.tokenTtlMs()),
      init.commandType ?? null,
      init.commandName ?? null,
      init.componentMessageId ?? null,
    );
    state.interactions.set(id, record);
    state.interactionsByToken.set(token, record);
    const sent = init.tamper ? init.tamper(structuredClone(payload)) : payload;
    if (init.everySession) {
      gateway.dispatchToEverySession('INTERACTION_CREATE', guildId, sent);
    } else if (!gateway.dispatch('INTERACTION_CREATE', guildId, () => sent)) {
      throw new DriverError(`no gateway session for shard ${gateway.shardFor(guildId)}`);
    }
    state.notify();
    return record;
  }

  function resolveOptionValues(
    options: CommandOptionInput[],
    w: Where,
    resolved: Record<string, Json>,
  ): Json[] {
    const add = (kind: string, key: string, value: unknown): void => {
      resolved[kind] ??= {};
      (resolved[kind] as Json)[key] = value;
    };
    const addUser = (userId: string): boolean => {
      const user = state.users.get(userId);
      if (user === undefined) return false;
      add('users', userId, apiUser(user));
      if (w.guild !== null && w.guild.members.has(userId)) {
        add('members', userId, {
          ...apiMemberWithoutUser(state, w.guild, userId),
          permissions: state.memberPermissions(w.guild, userId).toString(),
        });
      }
      return true;
    };
    const addRole = (roleId: string): boolean => {
      const role = w.guild?.roles.find((r) => r.id === roleId);
      if (role === undefined) return false;
      add('roles', roleId, apiRole(role));
      return true;
    };
    return options.map((option) => {
      const type = option.type ?? inferOptionType(option.value);
      const value = String(option.value);
      if (type === 6 && !addUser(value))
        throw new DriverError(`user option ${option.name}: unknown user ${value}`);
      if (type === 8 && !addRole(value))
        throw new DriverError(`role option ${option.name}: unknown role ${value}`);
      if (type === 9 && !addUser(value) && !addRole(value)) {
        throw new DriverError(`mentionable option ${option.name}: unknown user or role ${value}`);
      }
      if (type === 7) {
        const channel = state.channels.get(value);
        if (channel === undefined)
          throw new DriverError(`channel option ${option.name}: unknown channel ${value}`);
        add('channels', value, {
          id: channel.id,
          type: channel.type,
          name: channel.name,
          parent_id: channel.parentId,
          permissions: w.permissions.toString(),
          ...(channel.guildId === null ? {} : { guild_id: channel.guildId }),
        });
      }
      const out: Json = { name: option.name, type, value: option.value };
      if (option.focused !== undefined) out.focused = option.focused;
      return out;
    });
  }

  return {
    async slashCommand(input) {
      const w = where(input);
      const command = commandFor(input.name, 1, w.guild?.id ?? null);
      const resolved: Record<string, Json> = {};
      const options = [...(input.options ?? [])];
      for (const [name, attachment] of Object.entries(input.attachments ?? {})) {
        const stored = upload(w.channel.id, attachment, true);
        const index = options.findIndex((o) => o.name === name);
        if (index >= 0) options[index] = { name, type: 11, value: stored.id };
        else options.push({ name, type: 11, value: stored.id });
        resolved.attachments ??= {};
        resolved.attachments[stored.id] = apiAttachment(stored);
      }
      let top = resolveOptionValues(options, w, resolved);
      if (input.subcommand !== undefined) {
        top = [{ name: input.subcommand, type: 1, ...(top.length > 0 ? { options: top } : {}) }];
      }
      if (input.subcommandGroup !== undefined) {
        if (input.subcommand === undefined) throw new DriverError('subcommandGroup needs a subcommand');
        top = [{ name: input.subcommandGroup, type: 2, options: top }];
      }
      const data: Json = { id: command.id, name: input.name, type: 1 };
      if (top.length > 0) data.options = top;
      if (Object.keys(resolved).length > 0) data.resolved = resolved;
      if (command.guildId !== null) data.guild_id = command.guildId;
      return dispatchInteraction({
        where: w,
        type: 2,
        kind: 'command',
        data,
        commandType: 1,
        commandName: input.name,
        tokenTtlMs: input.tokenTtlMs,
        everySession: input.everySession,
        tamper: input.tamper,
      });
    },

    async button(input) {
      const message = storedMessage(input.message);
      const w = where({ ...input, channelId: message.channelId });
      if (message.ephemeral && message.visibleTo !== w.user.id) {
        throw new DriverError(`user ${w.user.id} cannot see ephemeral message ${message.id}`);
      }
      const component = findComponent(message.components, input.customId);
      if (component === undefined)
        throw new DriverError(`message ${message.id} has no component ${input.customId}`);
      if (component.type !== 2) throw new DriverError(`component ${input.customId} is not a button`);
      if (component.disabled === true) throw new DriverError(`button ${input.customId} is disabled`);
      const data: Json = { custom_id: input.customId, component_type: 2 };
      if (typeof component.id === 'number') data.id = component.id;
      return dispatchInteraction({
        where: w,
        type: 3,
        kind: 'component',
        data,
        message,
        componentMessageId: message.id,
        tokenTtlMs: input.tokenTtlMs,
      });
    },

    async selectMenu(input) {
      const message = storedMessage(input.message);
      const w = where({ ...input, channelId: message.channelId });
      if (message.ephemeral && message.visibleTo !== w.user.id) {
        throw new DriverError(`user ${w.user.id} cannot see ephemeral message ${message.id}`);
      }
      const component = findComponent(message.components, input.customId);
      const type = component?.type;
      if (component === undefined || typeof type !== 'number' || ![3, 5, 6, 7, 8].includes(type)) {
        throw new DriverError(`message ${message.id} has no select menu ${input.customId}`);
      }
      if (component.disabled === true) throw new DriverError(`select menu ${input.customId} is disabled`);
      const min = typeof component.min_values === 'number' ? component.min_values : 1;
      const max = typeof component.max_values === 'number' ? component.max_values : 1;
      if (input.values.length < min || input.values.length > max) {
        throw new DriverError(`select menu ${input.customId} takes ${min}..${max} values`);
      }
      if (type === 3) {
        const allowed = new Set(
          (Array.isArray(component.options) ? (component.options as Json[]) : []).map((o) => String(o.value)),
        );
        const bad = input.values.find((v) => !allowed.has(v));
        if (bad !== undefined) throw new DriverError(`select menu ${input.customId} has no option ${bad}`);
      }
      const resolved: Record<string, Json> = {};
      if (type !== 3) {
        const optionType = type === 5 ? 6 : type === 6 ? 8 : type === 7 ? 9 : 7;
        resolveOptionValues(
          input.values.map((value) => ({ name: 'value', type: optionType, value })),
          w,
          resolved,
        );
      }
      const data: Json = { custom_id: input.customId, component_type: type, values: input.values };
      if (Object.keys(resolved).length > 0) data.resolved = resolved;
      return dispatchInteraction({
        where: w,
        type: 3,
        kind: 'component',
        data,
        message,
        componentMessageId: message.id,
        tokenTtlMs: input.tokenTtlMs,
      });
    },

    async modalSubmit(input) {
      const from = input.from === undefined ? undefined : state.interactions.get(input.from.id);
      if (input.from !== undefined && from === undefined)
        throw new DriverError(`unknown interaction ${input.from.id}`);
      const shown = from?.shownModal;
      if (from !== undefined && shown === undefined)
        throw new DriverError(`interaction ${from.id} showed no modal`);
      const customId = input.customId ?? shown?.customId;
      if (customId === undefined) throw new DriverError('modalSubmit needs customId or from');
      const user = input.user ?? from?.user;
      if (user === undefined) throw new DriverError('modalSubmit needs user or from');
      const w = where({
        ...input,
        user,
        channelId: input.channelId ?? from?.channelId,
        guildId: input.guildId ?? from?.guildId ?? undefined,
      });
      const used = new Set<string>();
      const value = (id: string, required: boolean, label: string): string | string[] => {
        const given = input.fields[id];
        used.add(id);
        if (given === undefined || given === '') {
          if (required) throw new DriverError(`modal field ${id} (${label}) is required`);
          return '';
        }
        return given;
      };
      let components: Json[];
      if (shown !== undefined) {
        components = [];
        for (const raw of shown.components as Json[]) {
          if (raw.type === 1 && Array.isArray(raw.components)) {
            const input4 = raw.components[0] as Json;
            const id = String(input4.custom_id);
            const v = value(id, input4.required !== false, String(input4.label ?? id));
            components.push({ type: 1, components: [{ type: 4, custom_id: id, value: String(v) }] });
          } else if (raw.type === 18) {
            const inner = raw.component as Json;
            const id = String(inner.custom_id);
            const v = value(id, inner.required !== false, String(raw.label ?? id));
            const submitted: Json =
              inner.type === 4
                ? { type: 4, custom_id: id, value: String(v) }
                : { type: inner.type, custom_id: id, values: Array.isArray(v) ? v : v === '' ? [] : [v] };
            components.push({ type: 18, component: submitted });
          }
        }
        const unknown = Object.keys(input.fields).find((id) => !used.has(id));
        if (unknown !== undefined) throw new DriverError(`modal ${customId} has no field ${unknown}`);
      } else {
        components = Object.entries(input.fields).map(([id, v]) => ({
          type: 1,
          components: [{ type: 4, custom_id: id, value: Array.isArray(v) ? v.join(',') : v }],
        }));
      }
      const componentMessageId = from?.componentMessageId ?? null;
      const message = componentMessageId === null ? undefined : state.messages.get(componentMessageId);
      return dispatchInteraction({
        where: w,
        type: 5,
        kind: 'modal',
        data: { custom_id: customId, components },
        ...(message !== undefined ? { message } : {}),
        componentMessageId,
        tokenTtlMs: input.tokenTtlMs,
      });
    },

    async messageContextMenu(input) {
      const target = storedMessage(input.targetMessage);
      const w = where({ ...input, channelId: target.channelId });
      const command = commandFor(input.name, 3, w.guild?.id ?? null);
      const data: Json = {
        id: command.id,
        name: input.name,
        type: 3,
        target_id: target.id,
        resolved: { messages: { [target.id]: apiMessage(state, target) } },
      };
      if (command.guildId !== null) data.guild_id = command.guildId;
      return dispatchInteraction({
        where: w,
        type: 2,
        kind: 'command',
        data,
        commandType: 3,
        commandName: input.name,
        tokenTtlMs: input.tokenTtlMs,
      });
    },

    async userContextMenu(input) {
      const w = where(input);
      const target = state.ensureUser(input.targetUser);
      const command = commandFor(input.name, 2, w.guild?.id ?? null);
      const resolved: Record<string, Json> = {};
      resolveOptionValues([{ name: 'target', type: 6, value: target.id }], w, resolved);
      const data: Json = { id: command.id, name: input.name, type: 2, target_id: target.id, resolved };
      if (command.guildId !== null) data.guild_id = command.guildId;
      return dispatchInteraction({
        where: w,
        type: 2,
        kind: 'command',
        data,
        commandType: 2,
        commandName: input.name,
        tokenTtlMs: input.tokenTtlMs,
      });
    },

    async userMessage(input) {
      const channel = state.channels.get(input.channelId);
      if (channel === undefined) throw new DriverError(`unknown channel ${input.channelId}`);
      if (input.guildId !== undefined && input.guildId !== channel.guildId) {
        throw new DriverError(`channel ${channel.id} is not in guild ${input.guildId}`);
      }
      const author = state.ensureUser(input.author);
      if (channel.guildId === null && channel.recipientId !== author.id) {
        throw new DriverError(`DM channel ${channel.id} belongs to another user`);
      }
      const guild = channel.guildId === null ? undefined : state.guilds.get(channel.guildId);
      if (guild !== undefined) state.ensureMember(guild, author.id);
      const botMention = `<@${state.botUser.id}>`;
      const content =
        input.mentionsBot === true &&
        !input.content.includes(botMention) &&
        !input.content.includes(`<@!${state.botUser.id}>`)
          ? `${botMention} ${input.content}`
          : input.content;
      let reference: StoredMessage | null = null;
      if (input.replyTo !== undefined) {
        // A deleted message may be replied to (the reply was under way when it went): Discord still sends
        // the reply's `message_reference`, with `referenced_message: null` (see apiMessage).
        const id = typeof input.replyTo === 'string' ? input.replyTo : input.replyTo.id;
        reference = state.messages.get(id) ?? null;
        if (reference === null) throw new DriverError(`message ${id} does not exist`);
        if (reference.channelId !== channel.id) throw new DriverError('replyTo must be in the same channel');
      }
      await gateway.waitForSession(gateway.shardFor(channel.guildId), config.sessionWaitMs);
      const attachments = (input.attachments ?? []).map((a) => upload(channel.id, a, false));
      const message = state.createMessage({
        channelId: channel.id,
        author,
        content,
        embeds: input.embeds ?? [],
        attachments,
        type: reference === null ? 0 : 19,
        reference,
        mentionRepliedUser: input.mentionRepliedUser ?? true,
        source: 'user',
      });
      gateway.emitMessage('MESSAGE_CREATE', message);
      return message;
    },

    async deleteMessage(ref) {
      const message = storedMessage(ref);
      if (message.ephemeral)
        throw new DriverError(`message ${message.id} is ephemeral: only its interaction can delete it`);
      await gateway.waitForSession(gateway.shardFor(message.guildId), config.sessionWaitMs);
      state.deleteMessage(message);
      gateway.emitMessageDelete(message);
    },

    async rawDispatch(input) {
      const guildId = input.guildId ?? null;
      await gateway.waitForSession(gateway.shardFor(guildId), config.sessionWaitMs);
      if (!gateway.dispatchRaw(input.t, guildId, input.d)) {
        throw new DriverError(`no gateway session for shard ${gateway.shardFor(guildId)}`);
      }
    },
  };
}
