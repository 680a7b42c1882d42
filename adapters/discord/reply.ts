import { MessageFlags, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import {
  recordTranslator,
  translator,
  type BotError,
  type DownloadedVideo,
  type GenerationReply,
  type ImageSource,
  type JobEvent,
  type Language,
  type JobRecord,
  type ReplyTextOptions,
  type Translator,
} from '../../src/port.js';
import { createCoalescingThrottle, type CoalescingThrottle } from '../../src/util/coalescing-throttle.js';
import type { EditPacer } from '../../src/util/edit-pacer.js';
import {
  NO_MENTIONS,
  endButtons,
  endContent,
  finalContent,
  progressButtons,
  progressContent,
  resultButtons,
} from './render.js';
import { messageRequest, type FileUpload, type MessageBody as Body } from './upload.js';

/**
 * The Reply port on Discord, over REST only, so a restarted bot can finish a job from its stored reference
 * exactly as the original process would have. A job answers either an interaction (slash command, button,
 * modal: edits go to the interaction webhook while its token lives) or a mention (edits go to the bot's own
 * channel message, which never expires but cannot be ephemeral).
 */

export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;
/** Interaction tokens live 15 minutes; leave a margin for the last edit's round trip. */
export const TOKEN_LIFETIME_MS = 14.5 * 60_000;
export const EDIT_INTERVAL_MS = 1500;

const interactionRefSchema = z.object({
  kind: z.literal('interaction'),
  applicationId: z.string(),
  token: z.string(),
  channelId: z.string(),
  userId: z.string(),
  createdAt: z.number(),
  attachmentSizeLimit: z.number().default(DEFAULT_ATTACHMENT_LIMIT),
  /** The reply message, from the deferral's response: for links in /jobs and the notification. */
  messageId: z.string().optional(),
});

const messageRefSchema = z.object({
  kind: z.literal('message'),
  channelId: z.string(),
  /** The bot's own reply that shows the job. */
  messageId: z.string(),
  userId: z.string(),
  attachmentSizeLimit: z.number().default(DEFAULT_ATTACHMENT_LIMIT),
});

export const discordMessageRefSchema = z.discriminatedUnion('kind', [interactionRefSchema, messageRefSchema]);
export type DiscordMessageRef = z.infer<typeof discordMessageRefSchema>;
export type DiscordInteractionRef = z.infer<typeof interactionRefSchema>;

export interface DiscordReplyDeps {
  rest: REST;
  /** For interaction-token routes, which Discord leaves out of the global rate limit; `rest` when absent. */
  interactionRest?: REST;
  logger: Logger;
  now?: () => number;
  editIntervalMs?: number;
  tokenLifetimeMs?: number;
  /** The adapter's fetchers; `tr` is the language of their refusals (the job's). */
  fetchImage?: (source: ImageSource, maxBytes: number, tr?: Translator) => Promise<Uint8Array>;
  fetchFile?: (source: ImageSource, maxBytes: number, path: string, tr?: Translator) => Promise<number>;
  /** Shared by all jobs of the adapter: with many at once, each edits less often. */
  pacer?: EditPacer;
}

/** Where a job's message lives and how to change it; the only part that differs between the two kinds. */
interface Surface {
  edit(body: Body, upload?: FileUpload): Promise<void>;
  /** Visible to the requester only where the platform allows; otherwise in the job's own message. */
  private(content: string): Promise<void>;
  /** The job was refused before it started: remove or replace the placeholder. */
  refused(content: string): Promise<void>;
}

function surfaceOf(edit: Surface['edit']): Surface {
  return {
    edit,
    private: (content) => edit({ content, components: [] }),
    refused: (content) => edit({ content, components: [] }),
  };
}

/** An existing message of the bot's; when it cannot be edited any more, the job moves to `fallback`. */
function messageSurface(
  rest: REST,
  target: { channelId: string; messageId: string },
  fallback: () => Surface,
  logger: Logger,
): Surface {
  let replacement: Surface | undefined;
  return surfaceOf(async (body, upload) => {
    if (replacement) return replacement.edit(body, upload);
    try {
      await rest.patch(
        Routes.channelMessage(target.channelId, target.messageId),
        await messageRequest(body, upload),
      );
    } catch (error) {
      // Deleted message or lost permissions: the requester still gets the result, in a DM.
      logger.warn({ channelId: target.channelId, err: error }, 'job message not editable; moving to a DM');
      replacement = fallback();
      await replacement.edit(body, upload);
    }
  });
}

/** A message of the bot's own, posted on the first edit and edited afterwards. */
function postedSurface(
  rest: REST,
  channelId: () => Promise<string>,
  decorate: (body: Body) => Body,
  fallback: (() => Surface) | undefined,
  logger: Logger,
): Surface {
  let posted: Surface | undefined;
  return surfaceOf(async (body, upload) => {
    if (posted) return posted.edit(decorate(body), upload);
    try {
      const channel = await channelId();
      const message = (await rest.post(
        Routes.channelMessages(channel),
        await messageRequest(decorate(body), upload),
      )) as { id: string };
      posted = messageSurface(rest, { channelId: channel, messageId: message.id }, unreachable, logger);
    } catch (error) {
      if (!fallback) throw error;
      // The channel may not be writable (permissions, DMs closed): tell the requester in a DM instead.
      logger.warn({ err: error }, 'channel not writable; moving to a DM');
      posted = fallback();
      await posted.edit(decorate(body), upload);
    }
  });
}

function unreachable(): Surface {
  return surfaceOf(async () => {
    throw new Error('no way left to reach the requester');
  });
}

/** `language`: the job's (the space's, as the core acknowledged it), until a record says it. */
export function createDiscordReply(
  ref: DiscordMessageRef,
  deps: DiscordReplyDeps,
  language?: Language,
): GenerationReply {
  return new DiscordJobReply(ref, deps, language);
}

/**
 * Where an interaction's job lives: the interaction's own reply, edited by token while the token lives. A class,
 * like the reply that holds it: every job in flight keeps one for minutes.
 */
class InteractionSurface implements Surface {
  readonly #iref: DiscordInteractionRef;
  readonly #reply: DiscordJobReply;
  /** Once the token is too old, the job continues in a channel message of its own (or a DM), and stays there. */
  #moved: Surface | undefined;

  constructor(iref: DiscordInteractionRef, reply: DiscordJobReply) {
    this.#iref = iref;
    this.#reply = reply;
  }

  async edit(body: Body, upload?: FileUpload): Promise<void> {
    const { deps } = this.#reply;
    const now = deps.now ?? Date.now;
    const tokenAlive = now() - this.#iref.createdAt < (deps.tokenLifetimeMs ?? TOKEN_LIFETIME_MS);
    if (!this.#moved && tokenAlive) {
      await this.#byToken().patch(this.#original(), { ...(await messageRequest(body, upload)), auth: false });
      return;
    }
    // Made then, not before: most jobs end long before their token does.
    this.#moved ??= postedSurface(
      deps.rest,
      async () => this.#iref.channelId,
      (moved) => ({
        ...moved,
        content: `${String(moved.content ?? '')}\n-# ${this.#reply.language.t('discord.expired')}`,
      }),
      () => this.#reply.dm(),
      deps.logger,
    );
    await this.#moved.edit(body, upload);
  }

  async private(content: string): Promise<void> {
    await this.#byToken().post(Routes.webhook(this.#iref.applicationId, this.#iref.token), {
      body: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
      auth: false,
    });
  }

  async refused(content: string): Promise<void> {
    // Only the requester needs to see why: drop the public "thinking…" message, answer ephemerally.
    await this.#byToken()
      .delete(this.#original(), { auth: false })
      .catch(() => undefined);
    await this.private(content);
  }

  #byToken(): REST {
    return this.#reply.deps.interactionRest ?? this.#reply.deps.rest;
  }

  #original(): `/webhooks/${string}/${string}/messages/${string}` {
    return Routes.webhookMessage(this.#iref.applicationId, this.#iref.token);
  }
}

/**
 * The Reply of one job on Discord. A class, not a closure per method: every job in flight holds its reply for
 * minutes (the heap profile of 1,000 jobs counted ~2 KB of closures a job), and the methods are then shared.
 */
class DiscordJobReply implements GenerationReply {
  readonly ref: DiscordMessageRef;
  readonly deps: DiscordReplyDeps;
  readonly fetchImage?: (source: ImageSource, maxBytes: number) => Promise<Uint8Array>;
  readonly fetchFile?: (source: ImageSource, maxBytes: number, path: string) => Promise<number>;
  /** The language of the job's public messages, known from its record once the core hands one over. */
  language: Translator;
  readonly #surface: Surface;
  readonly #progressEdits: CoalescingThrottle<{ event: JobEvent; record: JobRecord }>;
  #leavePacer: (() => void) | undefined;

  constructor(ref: DiscordMessageRef, deps: DiscordReplyDeps, language?: Language) {
    this.ref = ref;
    this.deps = deps;
    this.language = translator(language);
    const { fetchImage, fetchFile } = deps;
    if (fetchImage) this.fetchImage = (source, maxBytes) => fetchImage(source, maxBytes, this.language);
    if (fetchFile)
      this.fetchFile = (source, maxBytes, path) => fetchFile(source, maxBytes, path, this.language);
    this.#surface =
      ref.kind === 'interaction'
        ? new InteractionSurface(ref, this)
        : messageSurface(deps.rest, ref, () => this.dm(), deps.logger);
    const minInterval = deps.editIntervalMs ?? EDIT_INTERVAL_MS;
    this.#progressEdits = createCoalescingThrottle(
      () => deps.pacer?.intervalMs() ?? minInterval,
      async ({ event, record }) => {
        try {
          await this.#edit({ content: progressContent(event, record), components: progressButtons(record) });
        } catch (error) {
          deps.logger.warn({ jobId: record.id, err: error }, 'progress edit failed');
        }
      },
    );
  }

  /** A DM with the requester, posted on its first edit: where the job goes when nothing else reaches them. */
  dm(): Surface {
    const { rest, logger } = this.deps;
    const userId = this.ref.userId;
    return postedSurface(
      rest,
      async () => {
        const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
          id: string;
        };
        return channel.id;
      },
      (body) => body,
      undefined,
      logger,
    );
  }

  async text(message: string, options?: ReplyTextOptions): Promise<void> {
    if (options?.ephemeral) await this.#surface.private(message);
    else await this.#edit({ content: message });
  }

  async progress(event: JobEvent, record: JobRecord): Promise<void> {
    this.#seen(record);
    this.#leavePacer ??= this.deps.pacer?.join();
    this.#progressEdits.push({ event, record });
  }

  async deliver(video: DownloadedVideo, record: JobRecord): Promise<void> {
    this.#seen(record);
    await this.#stopEditing();
    const limit = this.ref.attachmentSizeLimit;
    if (video.bytes > limit) {
      const tr = recordTranslator(record);
      const sizes = { size: video.bytes / 1048576, limit: Math.round(limit / 1048576) };
      const note = video.publicUrl
        ? tr.t('discord.upload.tooLargeLink', { ...sizes, url: video.publicUrl })
        : tr.t('discord.upload.tooLargeNoLink', sizes);
      await this.#edit({ content: finalContent(record, note), components: resultButtons(record) });
      return;
    }
    // Streamed from the downloaded file: a video up to MAX_VIDEO_BYTES is never whole in memory.
    await this.#edit(
      {
        content: finalContent(record),
        components: resultButtons(record),
        attachments: [{ id: 0, filename: 'video.mp4' }],
      },
      { path: video.path, name: 'video.mp4', contentType: 'video/mp4' },
    );
  }

  async notify(record: JobRecord): Promise<void> {
    const { ref } = this;
    // A new message, because a mention added by an edit notifies no one; it pings the requester only.
    const guild = record.spaceId.startsWith('dm:') ? '@me' : record.spaceId;
    const messageId = ref.messageId;
    const link = messageId
      ? `https://discord.com/channels/${guild}/${ref.channelId}/${messageId}`
      : undefined;
    const tr = recordTranslator(record);
    const user = `<@${ref.userId}>`;
    const body = {
      content: link ? tr.t('discord.notify.link', { user, link }) : tr.t('discord.notify.above', { user }),
      allowed_mentions: { parse: [], users: [ref.userId] },
    };
    try {
      await this.deps.rest.post(Routes.channelMessages(ref.channelId), { body });
    } catch (error) {
      this.deps.logger.warn(
        { jobId: record.id, err: error },
        'channel not writable for the notification; sending a DM',
      );
      await this.dm().edit(body);
    }
  }

  async fail(error: BotError, record?: JobRecord): Promise<void> {
    if (record) this.#seen(record);
    await this.#stopEditing();
    if (!record) {
      await this.#surface.refused(`⚠️ ${error.userMessage}`);
      return;
    }
    await this.#edit({ content: endContent(error, record), components: endButtons(error, record) });
  }

  #seen(record: JobRecord): void {
    this.language = recordTranslator(record);
  }

  #edit(body: Body, upload?: FileUpload): Promise<void> {
    return this.#surface.edit({ allowed_mentions: NO_MENTIONS, ...body }, upload);
  }

  async #stopEditing(): Promise<void> {
    await this.#progressEdits.close();
    this.#leavePacer?.();
  }
}
