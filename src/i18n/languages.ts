/**
 * The languages the bot speaks, and how a platform's locale tag maps onto them. Discord sends locales such
 * as `en-US`, `en-GB`, `zh-CN`, `zh-TW`; Slack's users.info (with include_locale) sends `en-US`, `zh-CN`,
 * `zh-TW`, ... Simplified Chinese is shipped; Traditional (`zh-TW`, `zh-HK`, `zh-Hant`) is not, so those fall
 * through to the next choice (the space's language, then DEFAULT_LANGUAGE) rather than being shown a script
 * their readers did not choose.
 */

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The shipped language a locale tag asks for, or undefined when none matches. */
export function languageOf(tag: string | undefined | null): Language | undefined {
  if (!tag) return undefined;
  const parts = tag.replace(/_/g, '-').toLowerCase().split('-');
  const [base, ...rest] = parts;
  if (base === 'en') return 'en';
  if (base === 'zh') {
    // zh, zh-CN, zh-SG, zh-Hans(-*) are Simplified; zh-TW, zh-HK, zh-MO, zh-Hant(-*) are Traditional.
    if (rest.includes('hant') || rest.some((r) => r === 'tw' || r === 'hk' || r === 'mo')) return undefined;
    return 'zh-CN';
  }
  return undefined;
}

/** The first of `candidates` (most specific first) that the bot speaks, else `fallback`. */
export function pickLanguage(
  candidates: ReadonlyArray<string | undefined | null>,
  fallback: Language = DEFAULT_LANGUAGE,
): Language {
  for (const candidate of candidates) {
    const language = languageOf(candidate);
    if (language) return language;
  }
  return fallback;
}

/** What an invocation says about language: the platform's locales, the space's setting, the bot's default. */
export interface LanguageSources {
  /** The user's platform locale (Discord's interaction `locale`, Slack's users.info `locale`). */
  userLocale?: string;
  /** The space's platform locale (Discord's `guild_locale`); Slack has none. */
  spaceLocale?: string;
  /** The space's `/settings language`; undefined when unset, or not read yet (a refusal before the settings). */
  spaceSetting?: Language;
  /** DEFAULT_LANGUAGE. */
  defaultLanguage: Language;
}

/** The two languages of one invocation. */
export interface InvocationLanguages {
  /** Answers only the user sees: the user's locale if shipped, else the space's language. */
  private: Language;
  /** Public messages (a job's message): `/settings language`, else the space's locale if shipped, else the default. */
  space: Language;
}

export function resolveLanguages(sources: LanguageSources): InvocationLanguages {
  const space = sources.spaceSetting ?? pickLanguage([sources.spaceLocale], sources.defaultLanguage);
  return { private: pickLanguage([sources.userLocale], space), space };
}
