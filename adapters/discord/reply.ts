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
import { createCoalescingThrottle } from '../../src/util/coalescing-throttle.js';
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
  const { rest, logger, fetchImage, fetchFile } = deps;
  const now = deps.now ?? Date.now;

  /** The language of the job's public messages, known from its record once the core hands one over. */
  let jobTr: Translator = translator(language);
  const seen = (record: JobRecord) => {
    jobTr = recordTranslator(record);
  };

  const dm = (): Surface =>
    postedSurface(
      rest,
      async () => {
        const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: ref.userId } })) as {
          id: string;
        };
        return channel.id;
      },
      (body) => body,
      undefined,
      logger,
    );

  function interactionSurface(iref: DiscordInteractionRef): Surface {
    const original = Routes.webhookMessage(iref.applicationId, iref.token);
    const byToken = deps.interactionRest ?? rest;
    const tokenAlive = () => now() - iref.createdAt < (deps.tokenLifetimeMs ?? TOKEN_LIFETIME_MS);
    // Once the token is too old, the job continues in a channel message of its own (or a DM), and stays there.
    // Made then, not before: most jobs end long before their token does, and each job in flight holds its reply.
    let moved: Surface | undefined;
    const movedSurface = () =>
      (moved ??= postedSurface(
        rest,
        async () => iref.channelId,
        (body) => ({ ...body, content: `${String(body.content ?? '')}\n-# ${jobTr.t('discord.expired')}` }),
        dm,
        logger,
      ));

    async function ephemeral(content: string) {
      await byToken.post(Routes.webhook(iref.applicationId, iref.token), {
        body: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
        auth: false,
      });
    }

    return {
      async edit(body, upload) {
        if (!moved && tokenAlive()) {
          await byToken.patch(original, { ...(await messageRequest(body, upload)), auth: false });
          return;
        }
        await movedSurface().edit(body, upload);
      },
      private: ephemeral,
      async refused(content) {
        // Only the requester needs to see why: drop the public "thinking…" message, answer ephemerally.
        await byToken.delete(original, { auth: false }).catch(() => undefined);
        await ephemeral(content);
      },
    };
  }

  const surface =
    ref.kind === 'interaction' ? interactionSurface(ref) : messageSurface(rest, ref, dm, logger);
  const edit = (body: Body, upload?: FileUpload) =>
    surface.edit({ allowed_mentions: NO_MENTIONS, ...body }, upload);

  const minInterval = deps.editIntervalMs ?? EDIT_INTERVAL_MS;
  let leavePacer: (() => void) | undefined;
  const stopEditing = async () => {
    await progressEdits.close();
    leavePacer?.();
  };
  const progressEdits = createCoalescingThrottle<{ event: JobEvent; record: JobRecord }>(
    () => deps.pacer?.intervalMs() ?? minInterval,
    async ({ event, record }) => {
      try {
        await edit({ content: progressContent(event, record), components: progressButtons(record) });
      } catch (error) {
        logger.warn({ jobId: record.id, err: error }, 'progress edit failed');
      }
    },
  );

  return {
    ref,
    fetchImage: fetchImage && ((source, maxBytes) => fetchImage(source, maxBytes, jobTr)),
    fetchFile: fetchFile && ((source, maxBytes, path) => fetchFile(source, maxBytes, path, jobTr)),

    async text(message: string, options?: ReplyTextOptions) {
      if (options?.ephemeral) await surface.private(message);
      else await edit({ content: message });
    },

    async progress(event, record) {
      seen(record);
      leavePacer ??= deps.pacer?.join();
      progressEdits.push({ event, record });
    },

    async deliver(video: DownloadedVideo, record: JobRecord) {
      seen(record);
      await stopEditing();
      if (video.bytes > ref.attachmentSizeLimit) {
        const tr = recordTranslator(record);
        const sizes = {
          size: video.bytes / 1048576,
          limit: Math.round(ref.attachmentSizeLimit / 1048576),
        };
        const note = video.publicUrl
          ? tr.t('discord.upload.tooLargeLink', { ...sizes, url: video.publicUrl })
          : tr.t('discord.upload.tooLargeNoLink', sizes);
        await edit({ content: finalContent(record, note), components: resultButtons(record) });
        return;
      }
      // Streamed from the downloaded file: a video up to MAX_VIDEO_BYTES is never whole in memory.
      await edit(
        {
          content: finalContent(record),
          components: resultButtons(record),
          attachments: [{ id: 0, filename: 'video.mp4' }],
        },
        { path: video.path, name: 'video.mp4', contentType: 'video/mp4' },
      );
    },

    async notify(record: JobRecord) {
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
        await rest.post(Routes.channelMessages(ref.channelId), { body });
      } catch (error) {
        logger.warn(
          { jobId: record.id, err: error },
          'channel not writable for the notification; sending a DM',
        );
        await dm().edit(body);
      }
    },

    async fail(error: BotError, record?: JobRecord) {
      if (record) seen(record);
      await stopEditing();
      if (!record) {
        await surface.refused(`⚠️ ${error.userMessage}`);
        return;
      }
      await edit({ content: endContent(error, record), components: endButtons(error, record) });
    },
  };
}
