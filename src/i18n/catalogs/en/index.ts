import { commands } from './commands.js';
import { core } from './core.js';
import { discord } from './discord.js';
import { progress } from './progress.js';
import { slack } from './slack.js';

/**
 * English, the source catalog: every key the bot uses is defined here first, in ICU MessageFormat
 * (https://formatjs.github.io/docs/core-concepts/icu-syntax), in the file of its area (core, progress,
 * commands, discord, slack) so that migrations of different areas do not edit the same file. Keys start with
 * their area and name where the text is used, not what it says. Other catalogs have exactly these keys and
 * placeholders (test/i18n/catalogs.test.ts).
 */
export const en = { ...core, ...progress, ...commands, ...discord, ...slack } as const;

export type MessageKey = keyof typeof en;
