import { z } from 'zod';
import type { Invocation } from '../../src/port.js';

/**
 * Slack payloads the adapter reads beyond Bolt's slash commands, checked with zod at the edge: files on a
 * message, app_mention events, message shortcuts, the Animate modal's submission and its private_metadata.
 * Only the fields we use are declared; Slack's many others are dropped.
 */

export const slackFileSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  title: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().optional(),
  url_private: z.string().optional(),
  url_private_download: z.string().optional(),
});
export type SlackFile = z.infer<typeof slackFileSchema>;

/** A message as events, shortcuts and conversations.replies/history show it. */
export const slackMessageSchema = z.object({
  ts: z.string(),
  thread_ts: z.string().optional(),
  text: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  files: z.array(slackFileSchema).optional(),
});
export type SlackMessage = z.infer<typeof slackMessageSchema>;

export const appMentionSchema = slackMessageSchema.extend({
  type: z.literal('app_mention'),
  channel: z.string(),
  team: z.string().optional(),
  text: z.string().default(''),
});
export type AppMention = z.infer<typeof appMentionSchema>;

export const messageShortcutSchema = z.object({
  type: z.literal('message_action'),
  callback_id: z.string(),
  trigger_id: z.string(),
  team: z.object({ id: z.string() }).nullable().optional(),
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  channel: z.object({ id: z.string() }),
  message: slackMessageSchema,
});

export const conversationMessagesSchema = z.object({
  messages: z.array(slackMessageSchema).default([]),
});

/** What the Animate modal carries from the shortcut to its submission (Slack caps it at 3,000 chars). */
export const animateMetadataSchema = z.object({
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  images: z
    .array(
      z.object({
        url: z.string(),
        name: z.string(),
        contentType: z.string().optional(),
        size: z.number().optional(),
      }),
    )
    .min(1)
    .max(10),
});
export type AnimateMetadata = z.infer<typeof animateMetadataSchema>;

/** What the Extend modal carries from the button to its submission. */
export const extendMetadataSchema = z.object({
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string().optional(),
  job: z.string(),
  /** The Slack copy of the video (its file), when the job's message had one. */
  video: z.object({ url: z.string(), name: z.string(), size: z.number().optional() }).optional(),
  responseUrl: z.object({ url: z.string(), issuedAt: z.number() }).optional(),
});
export type ExtendMetadata = z.infer<typeof extendMetadataSchema>;

const selected = z.object({ selected_option: z.object({ value: z.string() }).nullable().optional() });

/** The modal's values, by block id and action id (both the option name). */
export const animateSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  team: z.object({ id: z.string() }).nullable().optional(),
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string(),
    callback_id: z.string(),
    private_metadata: z.string(),
    state: z.object({
      values: z.object({
        prompt: z.object({ prompt: z.object({ value: z.string().nullable().optional() }) }),
        seconds: z.object({ seconds: selected }).optional(),
        aspect_ratio: z.object({ aspect_ratio: selected }).optional(),
        resolution: z.object({ resolution: selected }).optional(),
        model: z.object({ model: selected }).optional(),
      }),
    }),
  }),
});

export type SlackImage = Invocation['images'][number];

/** The image files of a message, as image sources the fetcher can download; the URL is the "Again" ref. */
export function imagesOf(files: readonly SlackFile[] | undefined): SlackImage[] {
  const images: SlackImage[] = [];
  for (const [i, file] of (files ?? []).entries()) {
    const url = file.url_private_download ?? file.url_private;
    if (url === undefined || !(file.mimetype ?? '').startsWith('image/')) continue;
    images.push({
      url,
      ref: url,
      name: file.name ?? file.title ?? `image ${i + 1}`,
      contentType: file.mimetype,
      size: file.size,
    });
  }
  return images;
}

const VIDEO_NAME = /\.(mp4|m4v|mov)$/i;

/** The first video file of a message (by its type or name), as the video an `extend` continues. */
export function videoOf(files: readonly SlackFile[] | undefined): SlackImage | undefined {
  for (const file of files ?? []) {
    const url = file.url_private_download ?? file.url_private;
    const name = file.name ?? file.title ?? 'video';
    if (url === undefined) continue;
    if (!(file.mimetype ?? '').startsWith('video/') && !VIDEO_NAME.test(name)) continue;
    return { url, ref: url, name, contentType: file.mimetype, size: file.size };
  }
  return undefined;
}

/** Matches mentions of the bot in raw Slack text, `<@U0BOT>` or `<@U0BOT|name>`. */
export function botMentionPattern(botUserId: string): RegExp {
  return new RegExp(`<@${botUserId.replace(/[^A-Za-z0-9]/g, '')}(?:\\|[^>]*)?>`, 'g');
}
