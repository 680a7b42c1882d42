import { escapeMarkdown } from 'discord.js';
import { z } from 'zod';
import { translator, type Formatter, type JobRecord, type Language } from '../../src/port.js';

/**
 * How the core's messages look on Discord: relative timestamps, masked message links, channel links, and
 * mentions that never ping (every message the bot sends carries allowed_mentions {parse: []}).
 */

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

const formats = new Map<Language, Formatter>();

/** The Formatter speaking `language`: its words, refusals and usage in it; the markup is the same. */
export function discordFormatIn(language: Language): Formatter {
  const existing = formats.get(language);
  if (existing) return existing;
  const tr = translator(language);
  const made: Formatter = {
    // Manage Server is what the adapter reads as admin (adapters/discord/decode.ts).
    words: {
      space: tr.t('discord.words.space'),
      spaces: tr.t('discord.words.spaces'),
      admins: tr.t('discord.words.admins'),
    },
    jobLink: discordMessageLink,
    time: (ms) => `<t:${Math.floor(ms / 1000)}:R>`,
    user: (id) => `<@${id}>`,
    actor: ({ userId }) => `<@${userId}>`,
    channel: ({ id }) => `<#${id}>`,
    escape: (text) => escapeMarkdown(text).replace(/<([@#&!])/g, '<\u200b$1'),
    maxChars: DISCORD_MESSAGE_LIMIT,
    // Discord shows each option's description as the user types: the command's own text says the rest.
    usage: (command) => tr.t('discord.usage', { name: command.name, description: command.description }),
    notEnabled: (spaceId) =>
      tr.t(spaceId.startsWith('dm:') ? 'discord.notEnabled.dm' : 'discord.notEnabled.server'),
    inLanguage: discordFormatIn,
  };
  formats.set(language, made);
  return made;
}

/** In DEFAULT_LANGUAGE's English; the core asks it for the language of each answer (`inLanguage`). */
export const discordFormat: Formatter = discordFormatIn('en');
