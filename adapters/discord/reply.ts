import { readFile } from 'node:fs/promises';
import { MessageFlags, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { BotError } from '../../src/errors.js';
import type { GenerationEvent } from '../../src/generation/runner.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { Logger } from '../../src/log.js';
import type { GenerationReply, ReplyTextOptions } from '../../src/port.js';
import { createCoalescingThrottle } from '../../src/util/coalescing-throttle.js';
import type { DownloadedVideo } from '../../src/video-api/download.js';
import { NO_MENTIONS, finalContent, progressContent, resultButtons } from './render.js';

/**
 * The Reply port on Discord, over REST only, so a restarted bot can finish a job from its stored reference
 * exactly as the original process would have.
 */

export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;
/** Interaction tokens live 15 minutes; leave a margin for the last edit's round trip. */
export const TOKEN_LIFETIME_MS = 14.5 * 60_000;
export const EDIT_INTERVAL_MS = 1500;

export const discordMessageRefSchema = z.object({
  kind: z.literal('interaction'),
  applicationId: z.string(),
  token: z.string(),
  channelId: z.string(),
  userId: z.string(),
  createdAt: z.number(),
  attachmentSizeLimit: z.number().default(DEFAULT_ATTACHMENT_LIMIT),
});
export type DiscordMessageRef = z.infer<typeof discordMessageRefSchema>;

export interface DiscordReplyDeps {
  rest: REST;
  logger: Logger;
  now?: () => number;
  editIntervalMs?: number;
  tokenLifetimeMs?: number;
  fetchImage?: GenerationReply['fetchImage'];
}

export function createDiscordReply(ref: DiscordMessageRef, deps: DiscordReplyDeps): GenerationReply {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const original = Routes.webhookMessage(ref.applicationId, ref.token);
  /** Set once the token is too old and updates move to a channel message of our own. */
  let channelMessageId: string | undefined;

  const tokenAlive = () => now() - ref.createdAt < (deps.tokenLifetimeMs ?? TOKEN_LIFETIME_MS);

  async function channelFallback(body: Record<string, unknown>, files?: RawFiles): Promise<void> {
    if (channelMessageId) {
      await rest.patch(Routes.channelMessage(ref.channelId, channelMessageId), { body, files });
      return;
    }
    const posted = (await rest.post(Routes.channelMessages(ref.channelId), {
      body: {
        ...body,
        content: `${String(body.content ?? '')}\n-# This job outlived Discord’s 15-minute reply window, so it continues in a new message.`,
      },
      files,
    })) as { id: string };
    channelMessageId = posted.id;
  }

  async function edit(body: Record<string, unknown>, files?: RawFiles): Promise<void> {
    const payload = { allowed_mentions: NO_MENTIONS, ...body };
    if (tokenAlive() && !channelMessageId) {
      await rest.patch(original, { body: payload, files, auth: false });
      return;
    }
    try {
      await channelFallback(payload, files);
    } catch (error) {
      // The channel may not be writable (DMs closed, permissions): tell the requester in a DM instead.
      logger.warn({ channelId: ref.channelId, err: error }, 'channel not writable; sending a DM');
      const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: ref.userId } })) as {
        id: string;
      };
      await rest.post(Routes.channelMessages(dm.id), { body: payload, files });
    }
  }

  const progressEdits = createCoalescingThrottle<{ event: GenerationEvent; record: JobRecord }>(
    deps.editIntervalMs ?? EDIT_INTERVAL_MS,
    async ({ event, record }) => {
      try {
        await edit({ content: progressContent(event, record) });
      } catch (error) {
        logger.warn({ jobId: record.id, err: error }, 'progress edit failed');
      }
    },
  );

  async function ephemeral(content: string): Promise<void> {
    await rest.post(Routes.webhook(ref.applicationId, ref.token), {
      body: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
      auth: false,
    });
  }

  return {
    ref,
    fetchImage: deps.fetchImage,

    async text(message: string, options?: ReplyTextOptions) {
      if (options?.ephemeral) await ephemeral(message);
      else await edit({ content: message });
    },

    async fail(userMessage: string) {
      await ephemeral(`⚠️ ${userMessage}`);
    },

    async progress(event, record) {
      progressEdits.push({ event, record });
    },

    async deliver(video: DownloadedVideo, record: JobRecord) {
      await progressEdits.close();
      if (video.bytes > ref.attachmentSizeLimit) {
        const limitMb = (ref.attachmentSizeLimit / 1048576).toFixed(0);
        const note = video.publicUrl
          ? `The video is ${(video.bytes / 1048576).toFixed(1)} MB, over this channel’s ${limitMb} MB upload limit: ${video.publicUrl}`
          : `The video is ${(video.bytes / 1048576).toFixed(1)} MB, over this channel’s ${limitMb} MB upload limit, and the video service gave no public link to share instead.`;
        await edit({ content: finalContent(record, note), components: resultButtons(record) });
        return;
      }
      const data = await readFile(video.path);
      await edit(
        {
          content: finalContent(record),
          components: resultButtons(record),
          attachments: [{ id: 0, filename: 'video.mp4' }],
        },
        [{ name: 'video.mp4', data, contentType: 'video/mp4' }],
      );
    },

    async jobFailed(error: BotError, record: JobRecord | undefined) {
      await progressEdits.close();
      if (!record) {
        // Refused before it started (input, quota): only the requester needs to see why.
        await rest.delete(original, { auth: false }).catch(() => undefined);
        await ephemeral(`⚠️ ${error.userMessage}`);
        return;
      }
      await edit({ content: `❌ ${error.userMessage}\n${finalContent(record)}`, components: [] });
    },
  };
}

type RawFiles = Array<{ name: string; data: Buffer; contentType: string }>;
