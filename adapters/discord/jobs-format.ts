import { escapeMarkdown } from 'discord.js';
import { z } from 'zod';
import type { JobListFormat } from '../../commands/jobs.js';
import type { JobRecord } from '../../src/jobs/job-store.js';

/** How /jobs lines look on Discord: relative timestamps, masked message links, mentions that never ping. */

/** Any stored Discord reference with a channel, and a message id when the job's message is known. */
const linkableRefSchema = z.object({ channelId: z.string().min(1), messageId: z.string().optional() });

export const DISCORD_MESSAGE_LIMIT = 2000;

export function discordMessageLink(record: JobRecord): string | undefined {
  const ref = linkableRefSchema.safeParse(record.messageRef);
  if (!ref.success) return undefined;
  const guild = record.spaceId.startsWith('dm:') ? '@me' : record.spaceId;
  if (ref.data.messageId === undefined) return `<#${ref.data.channelId}>`;
  // Angle brackets keep Discord from unfurling the link.
  return `[message](<https://discord.com/channels/${guild}/${ref.data.channelId}/${ref.data.messageId}>)`;
}

export const discordJobListFormat: JobListFormat = {
  link: discordMessageLink,
  time: (ms) => `<t:${Math.floor(ms / 1000)}:R>`,
  // Rendered as a mention, but every reply carries allowed_mentions {parse: []}: nobody is notified.
  user: (id) => `<@${id}>`,
  escape: (text) => escapeMarkdown(text).replace(/<([@#&!])/g, '<\u200b$1'),
  maxChars: DISCORD_MESSAGE_LIMIT,
};
