/**
 * REST API v10 under `/api/v10`, plus the fake CDN under `/attachments`. Every request is recorded; bodies
 * (JSON or multipart with `payload_json` + `files[n]`) are validated with zod and answered like Discord.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { Gateway } from './gateway.js';
import { apiChannel, apiGuild, apiMember, apiMessage, apiUser } from './payloads.js';
import type { Json } from './payloads.js';
import { RateLimiter, routeMatches } from './ratelimit.js';
import { proxiedMedia } from './media-proxy.js';
import {
  callbackSchema,
  commandListSchema,
  commandSchema,
  deferSchema,
  invalidFormBody,
  messageBodySchema,
  modalSchema,
  openDmSchema,
} from './schemas.js';
import type { CommandBody, MessageBody } from './schemas.js';
import type { AllowedMentions, DiscordState, InteractionRecord } from './state.js';
import type {
  BucketName,
  DiscordFaults,
  ErrorFault,
  RateLimitFault,
  RecordedCallback,
  RecordedFile,
  RecordedRateLimit,
  RecordedRequest,
  RegisteredCommand,
  StoredAttachment,
  StoredMessage,
} from './types.js';
import { MessageFlagBits, PermissionBits, flattenHeaders, readBody, send, snowflake } from './util.js';

export interface Reply {
  status: number;
  /** Undefined: no body (204). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestConfig {
  state: DiscordState;
  gateway: Gateway;
  now: () => number;
  token: string | undefined;
  applicationId: string;
  applicationFlags: number;
  recommendedShards: number;
  maxConcurrency: number;
  attachmentSizeLimit: number;
  ackDeadlineMs: number;
  limiter: RateLimiter;
  faults: FaultBox;
  requests: RecordedRequest[];
  cdnRequests: RecordedRequest[];
  rateLimitHits: RecordedRateLimit[];
  identifiesSoFar: () => number;
  onRequest: ((request: RecordedRequest) => void) | undefined;
}

/** The configured faults and their countdowns. */
export class FaultBox {
  current: DiscordFaults = {};
  private rateLimitLeft = 0;
  private errorLeft = 0;

  configure(next: Partial<DiscordFaults>): void {
    this.current = { ...this.current, ...next };
    if ('rateLimit' in next) this.rateLimitLeft = next.rateLimit?.times ?? 0;
    if ('error' in next) this.errorLeft = next.error?.times ?? 0;
  }

  clear(): void {
    this.current = {};
    this.rateLimitLeft = 0;
    this.errorLeft = 0;
  }

  takeRateLimit(template: string, concrete: string): RateLimitFault | undefined {
    const fault = this.current.rateLimit;
    if (fault === undefined || this.rateLimitLeft <= 0 || !routeMatches(fault.route, template, concrete))
      return;
    this.rateLimitLeft -= 1;
    return fault;
  }

  takeError(template: string, concrete: string): ErrorFault | undefined {
    const fault = this.current.error;
    if (fault === undefined || this.errorLeft <= 0 || !routeMatches(fault.route, template, concrete)) return;
    this.errorLeft -= 1;
    return fault;
  }
}

interface UploadedFile extends RecordedFile {
  /** `n` of `files[n]` (what `attachments[].id` refers to), else the field name. */
  index: string;
}

interface Ctx {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  json: unknown;
  files: UploadedFile[];
  headers: Record<string, string | undefined>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  keys: string[];
  auth: boolean;
  bucket: BucketName;
  major: (params: Record<string, string>) => string;
  handle: (ctx: Ctx) => Reply | Promise<Reply>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; reply: Reply };

export function discordError(status: number, code: number, message: string): Reply {
  return { status, body: { message, code } };
}

function formError(path: (string | number)[], code: string, message: string): Reply {
  const errors: Json = {};
  let node = errors;
  for (const key of path) {
    const next: Json = {};
    node[String(key)] = next;
    node = next;
  }
  node._errors = [{ code, message }];
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}

function validate<T>(schema: z.ZodType<T>, value: unknown, prefix: (string | number)[] = []): Outcome<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reply: { status: 400, body: invalidFormBody(result.error.issues, prefix) } };
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const noContent: Reply = { status: 204 };
const UNKNOWN_MESSAGE = discordError(404, 10008, 'Unknown Message');
const UNKNOWN_CHANNEL = discordError(404, 10003, 'Unknown Channel');
const MISSING_ACCESS = discordError(403, 50001, 'Missing Access');
const MISSING_PERMISSIONS = discordError(403, 50013, 'Missing Permissions');
const EMPTY_MESSAGE = discordError(400, 50006, 'Cannot send an empty message');

/** Flags a bot may set on a new message (ephemeral only through interactions). */
const SETTABLE_FLAGS =
  MessageFlagBits.SuppressEmbeds | MessageFlagBits.SuppressNotifications | MessageFlagBits.IsComponentsV2;

export function createRest(config: RestConfig): {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
} {
  const { state, gateway, now } = config;
  const routes: Route[] = [];

  function route(
    method: string,
    template: string,
    options: { auth: boolean; bucket: BucketName; major?: (p: Record<string, string>) => string },
    handle: Route['handle'],
  ): void {
    const keys: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    routes.push({
      method,
      template,
      pattern: new RegExp(`^${source}/?$`),
      keys,
      auth: options.auth,
      bucket: options.bucket,
      major: options.major ?? (() => 'global'),
      handle,
    });
  }

  const param = (ctx: Ctx, name: string): string => {
    const value = ctx.params[name];
    if (value === undefined) throw new Error(`route parameter ${name} missing`);
    return value;
  };

  // -------------------------------------------------------------------------------------------------------
  // Shared message logic

  function resolveAttachments(
    refs: MessageBody['attachments'],
    files: UploadedFile[],
    channelId: string,
    existing: StoredAttachment[] | null,
  ): Outcome<StoredAttachment[] | undefined> {
    for (const file of files) {
      if (file.size > config.attachmentSizeLimit) {
        return { ok: false, reply: discordError(413, 40005, 'Request entity too large') };
      }
    }
    if ((refs === undefined || refs === null) && files.length === 0) {
      return { ok: true, value: existing === null ? [] : undefined };
    }
    const byIndex = new Map(files.map((f) => [f.index, f]));
    const used = new Set<string>();
    const out: StoredAttachment[] = [];
    if (refs !== undefined && refs !== null) {
      for (const [i, ref] of refs.entries()) {
        const file = byIndex.get(ref.id);
        if (file !== undefined) {
          used.add(ref.id);
          out.push(
            state.storeAttachment(channelId, {
              filename: ref.filename ?? file.filename,
              contentType: file.contentType === '' ? null : file.contentType,
              bytes: file.bytes,
              description: ref.description ?? null,
            }),
          );
          continue;
        }
        const kept = existing?.find((a) => a.id === ref.id);
        if (kept === undefined) {
          return {
            ok: false,
            reply: formError(['attachments', i, 'id'], 'ATTACHMENT_NOT_FOUND', 'Unknown attachment'),
          };
        }
        out.push(kept);
      }
    } else if (existing !== null) {
      out.push(...existing);
    }
    for (const file of files) {
      if (used.has(file.index)) continue;
      out.push(
        state.storeAttachment(channelId, {
          filename: file.filename,
          contentType: file.contentType === '' ? null : file.contentType,
          bytes: file.bytes,
        }),
      );
    }
    if (out.length > 10) {
      return {
        ok: false,
        reply: formError(['attachments'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.'),
      };
    }
    return { ok: true, value: out };
  }

  function isEmpty(
    content: string,
    embeds: unknown[],
    components: unknown[],
    attachments: StoredAttachment[],
    body?: MessageBody,
  ): boolean {
    const extra = (body?.sticker_ids?.length ?? 0) > 0 || (body?.poll !== undefined && body.poll !== null);
    return (
      content === '' && embeds.length === 0 && components.length === 0 && attachments.length === 0 && !extra
    );
  }

  /** New message from the bot (channel POST, interaction reply, follow-up). */
  function createFromBody(
    body: MessageBody,
    files: UploadedFile[],
    init: {
      channelId: string;
      type: number;
      source: StoredMessage['source'];
      flags: number;
      interaction?: InteractionRecord;
      reference?: StoredMessage | null;
    },
  ): Outcome<StoredMessage> {
    const attachments = resolveAttachments(body.attachments, files, init.channelId, null);
    if (!attachments.ok) return attachments;
    const content = body.content ?? '';
    const embeds = body.embeds ?? [];
    const components = body.components ?? [];
    const list = attachments.value ?? [];
    if (isEmpty(content, embeds, components, list, body)) return { ok: false, reply: EMPTY_MESSAGE };
    const message = state.createMessage({
      channelId: init.channelId,
      author: state.botUser,
      content,
      embeds,
      components,
      attachments: list,
      flags: init.flags,
      allowedMentions: (body.allowed_mentions ?? null) as AllowedMentions | null,
      tts: body.tts ?? false,
      type: init.type,
      reference: init.reference ?? null,
      source: init.source,
      interactionId: init.interaction?.id ?? null,
      visibleTo: init.interaction?.user.id ?? null,
    });
    gateway.emitMessage('MESSAGE_CREATE', message);
    return { ok: true, value: message };
  }

  function editFromBody(
    message: StoredMessage,
    body: MessageBody,
    files: UploadedFile[],
  ): Outcome<StoredMessage> {
    const attachments = resolveAttachments(body.attachments, files, message.channelId, message.attachments);
    if (!attachments.ok) return attachments;
    const content = body.content === undefined ? message.content : (body.content ?? '');
    const embeds = body.embeds === undefined ? message.embeds : (body.embeds ?? []);
    const components = body.components === undefined ? message.components : (body.components ?? []);
    const list = attachments.value ?? message.attachments;
    if (isEmpty(content, embeds, components, list)) return { ok: false, reply: EMPTY_MESSAGE };
    // Only suppress-embeds and components-v2 can change; the loading state ends with the first edit.
    let flags = message.flags & ~MessageFlagBits.Loading;
    if (body.flags !== undefined && body.flags !== null) {
      const mutable = MessageFlagBits.SuppressEmbeds | MessageFlagBits.IsComponentsV2;
      flags = (flags & ~mutable) | (body.flags & mutable);
    }
    state.editMessage(message, {
      content,
      embeds,
      components,
      attachments: list,
      flags,
      ...(body.allowed_mentions !== undefined
        ? { allowedMentions: (body.allowed_mentions ?? null) as AllowedMentions | null }
        : {}),
    });
    gateway.emitMessage('MESSAGE_UPDATE', message);
    return { ok: true, value: message };
  }

  function parseMessage(json: unknown, prefix: (string | number)[] = []): Outcome<MessageBody> {
    return validate(messageBodySchema, json ?? {}, prefix);
  }

  function messageTypeFor(record: InteractionRecord): number {
    if (record.kind !== 'command') return 0;
    return record.commandType === 1 ? 20 : 23;
  }

  // -------------------------------------------------------------------------------------------------------
  // Gateway, users, application

  route('GET', '/gateway', { auth: false, bucket: 'other' }, () => ok({ url: gateway.url }));
  route('GET', '/gateway/bot', { auth: true, bucket: 'other' }, () =>
    ok({
      url: gateway.url,
      shards: config.recommendedShards,
      session_start_limit: {
        total: 1000,
        remaining: Math.max(0, 1000 - config.identifiesSoFar()),
        reset_after: 86_400_000,
        max_concurrency: config.maxConcurrency,
      },
    }),
  );
  route('GET', '/users/@me', { auth: true, bucket: 'other' }, () =>
    ok({
      ...apiUser(state.botUser),
      verified: true,
      mfa_enabled: false,
      flags: 0,
      locale: 'en-US',
      email: null,
    }),
  );
  route('GET', '/applications/@me', { auth: true, bucket: 'other' }, () =>
    ok({
      id: config.applicationId,
      name: state.botUser.username,
      icon: null,
      description: '',
      summary: '',
      type: null,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: config.applicationFlags,
      bot: apiUser(state.botUser),
      owner: {
        id: '100000000000000001',
        username: 'emu-owner',
        discriminator: '0',
        global_name: null,
        avatar: null,
      },
      team: null,
      tags: [],
      integration_types_config: { '0': {}, '1': {} },
      approximate_guild_count: state.guilds.size,
      interactions_endpoint_url: null,
    }),
  );

  // -------------------------------------------------------------------------------------------------------
  // Application commands

  /** The dicts come back on writes and on reads with `with_localizations=true`, as on Discord. */
  function apiCommand(command: RegisteredCommand, withLocalizations = true): Json {
    const raw = command.raw as { name_localizations?: unknown; description_localizations?: unknown };
    const out: Json = {
      id: command.id,
      application_id: command.applicationId,
      version: command.version,
      default_member_permissions: command.defaultMemberPermissions,
      type: command.type,
      name: command.name,
      name_localizations: withLocalizations ? (raw.name_localizations ?? null) : null,
      description: command.description,
      description_localizations: withLocalizations ? (raw.description_localizations ?? null) : null,
      contexts: command.contexts,
      integration_types: command.integrationTypes,
      nsfw: command.nsfw,
      options: command.options,
    };
    if (command.guildId !== null) out.guild_id = command.guildId;
    else out.dm_permission = true;
    return out;
  }

  function toRegistered(
    body: CommandBody,
    guildId: string | null,
    existing: RegisteredCommand[],
  ): RegisteredCommand {
    const type = body.type ?? 1;
    const previous = existing.find((c) => c.name === body.name && c.type === type);
    return {
      id: previous?.id ?? snowflake(),
      applicationId: config.applicationId,
      guildId,
      name: body.name,
      type,
      description: body.description ?? '',
      options: (body.options ?? []) as unknown[],
      defaultMemberPermissions: body.default_member_permissions ?? null,
      contexts: body.contexts ?? (guildId === null ? [0, 1, 2] : null),
      integrationTypes: body.integration_types ?? [0],
      nsfw: body.nsfw ?? false,
      version: snowflake(),
      raw: body,
    };
  }

  function commandScope(ctx: Ctx): Outcome<{ scope: string; guildId: string | null }> {
    if (param(ctx, 'application_id') !== config.applicationId) return { ok: false, reply: MISSING_ACCESS };
    const guildId = ctx.params.guild_id ?? null;
    if (guildId !== null && !state.guilds.has(guildId)) return { ok: false, reply: MISSING_ACCESS };
    return { ok: true, value: { scope: guildId ?? 'global', guildId } };
  }

  for (const base of [
    '/applications/:application_id/commands',
    '/applications/:application_id/guilds/:guild_id/commands',
  ]) {
    const limits = {
      auth: true,
      bucket: 'commands' as const,
      major: (p: Record<string, string>) => p.application_id ?? '',
    };
    route('GET', base, limits, (ctx) => {
      const scope = commandScope(ctx);
      if (!scope.ok) return scope.reply;
      const withLocalizations = ctx.query.get('with_localizations') === 'true';
      return ok(state.registered(scope.value.scope).map((c) => apiCommand(c, withLocalizations)));
    });
    route('PUT', base, limits, (ctx) => {
      const scope = commandScope(ctx);
      if (!scope.ok) return scope.reply;
      const parsed = validate(commandListSchema, ctx.json);
      if (!parsed.ok) return parsed.reply;
      const existing = state.registered(scope.value.scope);
      const next = parsed.value.map((body) => toRegistered(body, scope.value.guildId, existing));
      state.commands.set(scope.value.scope, next);
      state.notify();
      return ok(next.map((c) => apiCommand(c)));
    });
    route('POST', base, limits, (ctx) => {
      const scope = commandScope(ctx);
      if (!scope.ok) return scope.reply;
      const parsed = validate(commandSchema, ctx.json);
      if (!parsed.ok) return parsed.reply;
      const existing = state.registered(scope.value.scope);
      const command = toRegistered(parsed.value, scope.value.guildId, existing);
      const index = existing.findIndex((c) => c.id === command.id);
      const next = existing.slice();
      if (index >= 0) next[index] = command;
      else next.push(command);
      state.commands.set(scope.value.scope, next);
      state.notify();
      return { status: index >= 0 ? 200 : 201, body: apiCommand(command) };
    });
    route('GET', `${base}/:command_id`, limits, (ctx) => {
      const scope = commandScope(ctx);
      if (!scope.ok) return scope.reply;
      const command = state.registered(scope.value.scope).find((c) => c.id === ctx.params.command_id);
      return command === undefined
        ? discordError(404, 10063, 'Unknown application command')
        : ok(apiCommand(command));
    });
    route('DELETE', `${base}/:command_id`, limits, (ctx) => {
      const scope = commandScope(ctx);
      if (!scope.ok) return scope.reply;
      const existing = state.registered(scope.value.scope);
      const next = existing.filter((c) => c.id !== ctx.params.command_id);
      if (next.length === existing.length) return discordError(404, 10063, 'Unknown application command');
      state.commands.set(scope.value.scope, next);
      state.notify();
      return noContent;
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Interaction callbacks

  route(
    'POST',
    '/interactions/:interaction_id/:interaction_token/callback',
    { auth: false, bucket: 'interactionCallback', major: (p) => p.interaction_id ?? '' },
    (ctx) => {
      const record = state.interactions.get(param(ctx, 'interaction_id'));
      const unknown = discordError(404, 10062, 'Unknown interaction');
      if (record === undefined || record.token !== param(ctx, 'interaction_token')) return unknown;
      const at = now();
      const body = callbackSchema.safeParse(ctx.json);
      const type = body.success ? body.data.type : -1;
      const push = (reply: Reply, ephemeral = false): Reply => {
        const errorCode =
          typeof reply.body === 'object' && reply.body !== null && 'code' in reply.body
            ? Number(reply.body.code)
            : null;
        const callback: RecordedCallback = {
          type,
          at,
          latencyMs: at - record.dispatchedAt,
          status: reply.status,
          errorCode: reply.status < 300 ? null : errorCode,
          body: ctx.json,
          files: ctx.files.map(stripIndex),
          ephemeral,
        };
        record.callbacks.push(callback);
        if (reply.status < 300) record.ack = callback;
        state.notify();
        return reply;
      };
      if (!body.success) return push({ status: 400, body: invalidFormBody(body.error.issues) });
      if (at - record.dispatchedAt > config.ackDeadlineMs || at > record.expiresAt) return push(unknown);
      if (record.acknowledged) {
        return push(discordError(400, 40060, 'Interaction has already been acknowledged.'));
      }
      const invalidType = formError(
        ['type'],
        'INTERACTION_RESPONSE_TYPE_INVALID',
        'Invalid interaction response type',
      );
      let message: StoredMessage | undefined;
      let loading = false;
      switch (type) {
        case 4: {
          const parsed = parseMessage(body.data.data, ['data']);
          if (!parsed.ok) return push(parsed.reply);
          const flags = (parsed.value.flags ?? 0) & (SETTABLE_FLAGS | MessageFlagBits.Ephemeral);
          const created = createFromBody(parsed.value, ctx.files, {
            channelId: record.channelId,
            type: messageTypeFor(record),
            source: 'interaction',
            flags,
            interaction: record,
          });
          if (!created.ok) return push(created.reply);
          message = created.value;
          record.originalMessageId = message.id;
          break;
        }
        case 5: {
          const parsed = validate(deferSchema, body.data.data, ['data']);
          if (!parsed.ok) return push(parsed.reply);
          const ephemeral = ((parsed.value?.flags ?? 0) & MessageFlagBits.Ephemeral) !== 0;
          message = state.createMessage({
            channelId: record.channelId,
            author: state.botUser,
            content: '',
            flags: MessageFlagBits.Loading | (ephemeral ? MessageFlagBits.Ephemeral : 0),
            type: messageTypeFor(record),
            source: 'interaction',
            interactionId: record.id,
            visibleTo: record.user.id,
          });
          gateway.emitMessage('MESSAGE_CREATE', message);
          record.originalMessageId = message.id;
          record.loadingPending = true;
          loading = true;
          break;
        }
        case 6:
        case 7: {
          if (record.componentMessageId === null) return push(invalidType);
          const target = state.messages.get(record.componentMessageId);
          if (target === undefined || target.deletedAt !== null) return push(UNKNOWN_MESSAGE);
          record.originalMessageId = target.id;
          message = target;
          if (type === 7) {
            const parsed = parseMessage(body.data.data, ['data']);
            if (!parsed.ok) return push(parsed.reply);
            const edited = editFromBody(target, parsed.value, ctx.files);
            if (!edited.ok) return push(edited.reply);
          }
          break;
        }
        case 9: {
          if (record.kind === 'modal') return push(invalidType);
          const parsed = validate(modalSchema, body.data.data, ['data']);
          if (!parsed.ok) return push(parsed.reply);
          record.shownModal = {
            customId: parsed.value.custom_id,
            title: parsed.value.title,
            components: parsed.value.components,
            at,
          };
          break;
        }
        default:
          return push(invalidType);
      }
      const ephemeral = message !== undefined && type !== 6 && type !== 7 && message.ephemeral;
      if (ctx.query.get('with_response') !== 'true') return push(noContent, ephemeral);
      const resource: Json = { type };
      if (message !== undefined && type !== 6) resource.message = apiMessage(state, message);
      return push(
        ok({
          interaction: {
            id: record.id,
            type: record.type,
            response_message_id: message?.id ?? null,
            response_message_loading: loading,
            response_message_ephemeral: message?.ephemeral ?? false,
          },
          resource,
        }),
        ephemeral,
      );
    },
  );

  // -------------------------------------------------------------------------------------------------------
  // Interaction webhooks

  function webhookInteraction(ctx: Ctx): Outcome<InteractionRecord> {
    if (param(ctx, 'application_id') !== config.applicationId) {
      return { ok: false, reply: discordError(404, 10015, 'Unknown Webhook') };
    }
    const record = state.interactionsByToken.get(param(ctx, 'token'));
    if (record === undefined || now() > record.expiresAt) {
      return { ok: false, reply: discordError(401, 50027, 'Invalid Webhook Token') };
    }
    return { ok: true, value: record };
  }

  function webhookMessage(record: InteractionRecord, id: string): Outcome<StoredMessage> {
    const messageId =
      id === '@original'
        ? record.originalMessageId
        : id === record.originalMessageId || record.followupIds.includes(id)
          ? id
          : null;
    const message = messageId === null ? undefined : state.messages.get(messageId);
    if (message === undefined || message.deletedAt !== null) return { ok: false, reply: UNKNOWN_MESSAGE };
    return { ok: true, value: message };
  }

  const webhookLimits = {
    auth: false,
    bucket: 'webhook' as const,
    major: (p: Record<string, string>) => `${p.application_id ?? ''}/${p.token ?? ''}`,
  };
  for (const suffix of ['/messages/@original', '/messages/:message_id']) {
    const template = `/webhooks/:application_id/:token${suffix}`;
    const target = (ctx: Ctx): Outcome<{ record: InteractionRecord; message: StoredMessage }> => {
      const record = webhookInteraction(ctx);
      if (!record.ok) return record;
      const message = webhookMessage(record.value, ctx.params.message_id ?? '@original');
      if (!message.ok) return message;
      return { ok: true, value: { record: record.value, message: message.value } };
    };
    route('GET', template, webhookLimits, (ctx) => {
      const found = target(ctx);
      return found.ok ? ok(apiMessage(state, found.value.message)) : found.reply;
    });
    route('PATCH', template, webhookLimits, (ctx) => {
      const found = target(ctx);
      if (!found.ok) return found.reply;
      const parsed = parseMessage(ctx.json);
      if (!parsed.ok) return parsed.reply;
      const edited = editFromBody(found.value.message, parsed.value, ctx.files);
      if (!edited.ok) return edited.reply;
      if (edited.value.id === found.value.record.originalMessageId) found.value.record.loadingPending = false;
      return ok(apiMessage(state, edited.value));
    });
    route('DELETE', template, webhookLimits, (ctx) => {
      const found = target(ctx);
      if (!found.ok) return found.reply;
      state.deleteMessage(found.value.message);
      gateway.emitMessageDelete(found.value.message);
      return noContent;
    });
  }

  route('POST', '/webhooks/:application_id/:token', webhookLimits, (ctx) => {
    const found = webhookInteraction(ctx);
    if (!found.ok) return found.reply;
    const record = found.value;
    if (record.ack === undefined || record.ack.type === 9) return discordError(404, 10015, 'Unknown Webhook');
    const parsed = parseMessage(ctx.json);
    if (!parsed.ok) return parsed.reply;
    const original = record.original();
    let message: StoredMessage;
    if (record.loadingPending && original !== undefined && original.deletedAt === null) {
      // The first follow-up to a deferred reply replaces the "thinking..." message (keeping its ephemerality).
      const edited = editFromBody(original, parsed.value, ctx.files);
      if (!edited.ok) return edited.reply;
      record.loadingPending = false;
      message = edited.value;
    } else {
      const created = createFromBody(parsed.value, ctx.files, {
        channelId: record.channelId,
        type: messageTypeFor(record),
        source: 'followup',
        flags: (parsed.value.flags ?? 0) & (SETTABLE_FLAGS | MessageFlagBits.Ephemeral),
        interaction: record,
      });
      if (!created.ok) return created.reply;
      message = created.value;
      record.followupIds.push(message.id);
      state.notify();
    }
    return ctx.query.get('wait') === 'true' ? ok(apiMessage(state, message)) : noContent;
  });

  // -------------------------------------------------------------------------------------------------------
  // Channels and messages (bot token)

  const channelLimits = (bucket: BucketName) => ({
    auth: true,
    bucket,
    major: (p: Record<string, string>) => p.channel_id ?? '',
  });

  function channelMessage(ctx: Ctx): Outcome<StoredMessage> {
    const channel = state.channels.get(param(ctx, 'channel_id'));
    if (channel === undefined) return { ok: false, reply: UNKNOWN_CHANNEL };
    const message = state.messages.get(param(ctx, 'message_id'));
    if (
      message === undefined ||
      message.channelId !== channel.id ||
      message.ephemeral ||
      message.deletedAt !== null
    ) {
      return { ok: false, reply: UNKNOWN_MESSAGE };
    }
    return { ok: true, value: message };
  }

  function appCan(guildId: string | null, bits: bigint): boolean {
    if (guildId === null) return true;
    const guild = state.guilds.get(guildId);
    if (guild === undefined) return false;
    const granted = BigInt(guild.appPermissions);
    return (granted & PermissionBits.Administrator) !== 0n || (granted & bits) === bits;
  }

  route('GET', '/channels/:channel_id', channelLimits('other'), (ctx) => {
    const channel = state.channels.get(param(ctx, 'channel_id'));
    return channel === undefined ? UNKNOWN_CHANNEL : ok(apiChannel(state, channel));
  });

  route('POST', '/channels/:channel_id/typing', channelLimits('other'), (ctx) =>
    state.channels.has(param(ctx, 'channel_id')) ? noContent : UNKNOWN_CHANNEL,
  );

  route('GET', '/channels/:channel_id/messages', channelLimits('other'), (ctx) => {
    const channel = state.channels.get(param(ctx, 'channel_id'));
    if (channel === undefined) return UNKNOWN_CHANNEL;
    const limit = Math.min(100, Math.max(1, Number(ctx.query.get('limit') ?? '50') || 50));
    const before = ctx.query.get('before');
    const after = ctx.query.get('after');
    let list = state.channelMessages(channel.id).filter((m) => !m.ephemeral);
    if (before !== null) list = list.filter((m) => BigInt(m.id) < BigInt(before));
    if (after !== null) list = list.filter((m) => BigInt(m.id) > BigInt(after));
    list.sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    return ok(list.slice(0, limit).map((m) => apiMessage(state, m)));
  });

  route('POST', '/channels/:channel_id/messages', channelLimits('channelMessages'), (ctx) => {
    const channel = state.channels.get(param(ctx, 'channel_id'));
    if (channel === undefined) return UNKNOWN_CHANNEL;
    if (channel.guildId === null) {
      const recipient = channel.recipientId === null ? undefined : state.users.get(channel.recipientId);
      if (recipient?.dmsClosed === true) return discordError(403, 50007, 'Cannot send messages to this user');
    } else {
      if (!appCan(channel.guildId, PermissionBits.ViewChannel | PermissionBits.SendMessages))
        return MISSING_PERMISSIONS;
      if (ctx.files.length > 0 && !appCan(channel.guildId, PermissionBits.AttachFiles))
        return MISSING_PERMISSIONS;
    }
    const parsed = parseMessage(ctx.json);
    if (!parsed.ok) return parsed.reply;
    let reference: StoredMessage | null = null;
    const ref = parsed.value.message_reference;
    if (ref !== undefined && ref !== null) {
      const target = state.messages.get(ref.message_id);
      const valid =
        target !== undefined &&
        target.deletedAt === null &&
        !target.ephemeral &&
        target.channelId === channel.id;
      if (valid) reference = target;
      else if (ref.fail_if_not_exists !== false) {
        return formError(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
    }
    const created = createFromBody(parsed.value, ctx.files, {
      channelId: channel.id,
      type: reference === null ? 0 : 19,
      source: 'channel',
      flags: (parsed.value.flags ?? 0) & SETTABLE_FLAGS,
      reference,
    });
    return created.ok ? ok(apiMessage(state, created.value)) : created.reply;
  });

  route('GET', '/channels/:channel_id/messages/:message_id', channelLimits('other'), (ctx) => {
    const found = channelMessage(ctx);
    return found.ok ? ok(apiMessage(state, found.value)) : found.reply;
  });

  route('PATCH', '/channels/:channel_id/messages/:message_id', channelLimits('channelMessages'), (ctx) => {
    const found = channelMessage(ctx);
    if (!found.ok) return found.reply;
    if (found.value.author.id !== state.botUser.id) {
      return discordError(403, 50005, 'Cannot edit a message authored by another user');
    }
    const parsed = parseMessage(ctx.json);
    if (!parsed.ok) return parsed.reply;
    const edited = editFromBody(found.value, parsed.value, ctx.files);
    return edited.ok ? ok(apiMessage(state, edited.value)) : edited.reply;
  });

  route('DELETE', '/channels/:channel_id/messages/:message_id', channelLimits('channelMessages'), (ctx) => {
    const found = channelMessage(ctx);
    if (!found.ok) return found.reply;
    const message = found.value;
    if (message.author.id !== state.botUser.id) {
      if (message.guildId === null) return discordError(403, 50003, 'Cannot execute action on a DM channel');
      if (!appCan(message.guildId, PermissionBits.ManageMessages)) return MISSING_PERMISSIONS;
    }
    state.deleteMessage(message);
    gateway.emitMessageDelete(message);
    return noContent;
  });

  route('GET', '/users/:user_id', { auth: true, bucket: 'other' }, (ctx) => {
    const user = state.users.get(param(ctx, 'user_id'));
    return user === undefined ? discordError(404, 10013, 'Unknown User') : ok(apiUser(user));
  });

  route('POST', '/users/@me/channels', { auth: true, bucket: 'other' }, (ctx) => {
    const parsed = validate(openDmSchema, ctx.json);
    if (!parsed.ok) return parsed.reply;
    const user = state.users.get(parsed.value.recipient_id);
    if (user === undefined) return discordError(400, 50033, 'Invalid Recipient(s)');
    return ok(apiChannel(state, state.dmChannel(user)));
  });

  // -------------------------------------------------------------------------------------------------------
  // Guilds (read-only)

  const guildLimits = {
    auth: true,
    bucket: 'other' as const,
    major: (p: Record<string, string>) => p.guild_id ?? '',
  };
  route('GET', '/guilds/:guild_id', guildLimits, (ctx) => {
    const guild = state.guilds.get(param(ctx, 'guild_id'));
    return guild === undefined ? discordError(404, 10004, 'Unknown Guild') : ok(apiGuild(state, guild));
  });
  route('GET', '/guilds/:guild_id/channels', guildLimits, (ctx) => {
    const guild = state.guilds.get(param(ctx, 'guild_id'));
    if (guild === undefined) return discordError(404, 10004, 'Unknown Guild');
    return ok(
      guild.channelIds.flatMap((id) => {
        const channel = state.channels.get(id);
        return channel === undefined ? [] : [apiChannel(state, channel)];
      }),
    );
  });
  route('GET', '/guilds/:guild_id/members/:user_id', guildLimits, (ctx) => {
    const guild = state.guilds.get(param(ctx, 'guild_id'));
    if (guild === undefined) return discordError(404, 10004, 'Unknown Guild');
    const userId = param(ctx, 'user_id');
    if (!guild.members.has(userId)) return discordError(404, 10007, 'Unknown Member');
    return ok(apiMember(state, guild, userId));
  });

  // -------------------------------------------------------------------------------------------------------
  // Plumbing

  async function parseBody(
    contentType: string | undefined,
    data: Buffer,
  ): Promise<{ json: unknown; files: UploadedFile[]; invalid: boolean }> {
    if (data.length === 0) return { json: undefined, files: [], invalid: false };
    if (contentType !== undefined && /^multipart\/form-data/i.test(contentType)) {
      let form: FormData;
      try {
        form = await new Request('http://emulator/', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: new Blob([data]),
        }).formData();
      } catch {
        return { json: undefined, files: [], invalid: true };
      }
      let json: unknown;
      let invalid = false;
      const files: UploadedFile[] = [];
      for (const [field, value] of form.entries()) {
        if (typeof value === 'string') {
          if (field !== 'payload_json') continue;
          try {
            json = JSON.parse(value);
          } catch {
            invalid = true;
          }
          continue;
        }
        const bytes = Buffer.from(await value.arrayBuffer());
        files.push({
          field,
          index: /^files\[(\d+)\]$/.exec(field)?.[1] ?? field,
          filename: value.name,
          contentType: value.type,
          size: bytes.length,
          bytes,
        });
      }
      return { json, files, invalid };
    }
    try {
      return { json: JSON.parse(data.toString('utf8')), files: [], invalid: false };
    } catch {
      return { json: undefined, files: [], invalid: true };
    }
  }

  function authorized(headers: Record<string, string | undefined>): boolean {
    const match = /^Bot\s+(\S+)$/i.exec((headers.authorization ?? '').trim());
    if (match === null) return false;
    return config.token === undefined || match[1] === config.token;
  }

  function rateLimitReply(
    record: RecordedRequest,
    template: string,
    bucket: BucketName,
    retryAfter: number,
    cause: 'fault' | 'bucket',
    global: boolean,
    headers: Record<string, string>,
  ): Reply {
    config.rateLimitHits.push({
      method: record.method,
      path: record.path,
      route: template,
      bucket: RateLimiter.hash(bucket),
      retryAfter,
      global,
      cause,
      at: now(),
    });
    const out: Record<string, string> = {
      ...headers,
      'Retry-After': String(retryAfter),
      'X-RateLimit-Scope': global ? 'global' : 'user',
    };
    if (global) out['X-RateLimit-Global'] = 'true';
    return {
      status: 429,
      headers: out,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global },
    };
  }

  async function answer(
    record: RecordedRequest,
    ctxBase: Omit<Ctx, 'params'>,
    path: string,
    invalid: boolean,
  ): Promise<Reply> {
    if (!path.startsWith('/api/v10/')) return discordError(404, 0, '404: Not Found');
    const sub = path.slice('/api/v10'.length);
    let methodMismatch = false;
    for (const candidate of routes) {
      const match = candidate.pattern.exec(sub);
      if (match === null) continue;
      if (candidate.method !== ctxBase.method) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      candidate.keys.forEach((key, i) => {
        params[key] = match[i + 1] ?? '';
      });
      const template = `${candidate.method} ${candidate.template}`;
      const concrete = `${candidate.method} ${sub}`;
      record.route = template;
      const latency = config.faults.current.restLatencyMs;
      if (latency !== undefined && latency > 0) await sleep(latency);
      const uploadLatency = config.faults.current.uploadLatencyMs;
      if (ctxBase.files.length > 0 && uploadLatency !== undefined && uploadLatency > 0)
        await sleep(uploadLatency);
      if (candidate.auth && !authorized(ctxBase.headers)) return discordError(401, 0, '401: Unauthorized');
      const error = config.faults.takeError(template, concrete);
      if (error !== undefined) {
        return discordError(
          error.status,
          error.code ?? 0,
          error.message ?? `${error.status}: Emulated failure`,
        );
      }
      const fault = config.faults.takeRateLimit(template, concrete);
      if (fault !== undefined) {
        const headers = fault.global
          ? {}
          : config.limiter.faultHeaders(candidate.bucket, fault.retryAfterSeconds * 1000);
        return rateLimitReply(
          record,
          template,
          candidate.bucket,
          fault.retryAfterSeconds,
          'fault',
          fault.global ?? false,
          headers,
        );
      }
      const taken = config.limiter.take(candidate.bucket, candidate.major(params));
      if (taken.limited) {
        const retryAfter = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
        return rateLimitReply(record, template, candidate.bucket, retryAfter, 'bucket', false, taken.headers);
      }
      if (invalid) {
        return {
          status: 400,
          body: { message: 'The request body contains invalid JSON.', code: 50109 },
          headers: taken.headers,
        };
      }
      const reply = await candidate.handle({ ...ctxBase, params });
      return { ...reply, headers: { ...taken.headers, ...reply.headers } };
    }
    return methodMismatch
      ? discordError(405, 0, '405: Method Not Allowed')
      : discordError(404, 0, '404: Not Found');
  }

  async function cdn(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const proxied = path.startsWith('/external/');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      route: proxied ? 'GET /external/:key/*' : 'GET /attachments/:channel_id/:attachment_id/:filename',
      headers: flattenHeaders(req),
      body: undefined,
      files: [],
      at: now(),
      status: 0,
    };
    config.cdnRequests.push(record);
    if ((await readBody(req)) === undefined) return;
    const match = /^\/attachments\/(\d+)\/(\d+)\/([^/]+)$/.exec(path);
    const attachment = proxied
      ? proxiedMedia(state, path)
      : match === null
        ? undefined
        : state.attachments.get(match[2] ?? '');
    if (attachment === undefined || !['GET', 'HEAD'].includes(record.method)) {
      record.status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not Found\n');
      return;
    }
    record.status = 200;
    res.writeHead(200, {
      'Content-Type': attachment.contentType ?? 'application/octet-stream',
      'Content-Length': String(attachment.bytes.length),
    });
    res.end(record.method === 'HEAD' ? undefined : attachment.bytes);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    let path = url.pathname;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      // Leave it encoded; it will not match a route.
    }
    if (path.startsWith('/attachments/') || path.startsWith('/external/')) {
      await cdn(req, res, path);
      return;
    }
    const method = req.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: req.url ?? '/',
      route: null,
      headers: flattenHeaders(req),
      body: undefined,
      files: [],
      at: now(),
      status: 0,
    };
    config.requests.push(record);
    const data = await readBody(req);
    if (data === undefined) return;
    const parsed = await parseBody(req.headers['content-type'], data);
    record.body = parsed.json;
    record.files = parsed.files.map(stripIndex);
    state.hold();
    let reply: Reply;
    try {
      reply = await answer(
        record,
        { method, query: url.searchParams, json: parsed.json, files: parsed.files, headers: record.headers },
        path,
        parsed.invalid,
      );
      record.status = reply.status;
    } finally {
      state.release();
    }
    config.onRequest?.(record);
    send(res, reply.status, reply.status === 204 ? undefined : (reply.body ?? {}), reply.headers);
  }

  return { handle };
}

function stripIndex(file: UploadedFile): RecordedFile {
  return {
    field: file.field,
    filename: file.filename,
    contentType: file.contentType,
    size: file.size,
    bytes: file.bytes,
  };
}
