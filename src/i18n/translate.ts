import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { en, type MessageKey } from './catalogs/en/index.js';
import { zhCN } from './catalogs/zh-CN/index.js';
import { DEFAULT_LANGUAGE, type Language } from './languages.js';

/**
 * Every user-facing word goes through a Translator: ICU messages from the language's catalog, and numbers,
 * lists and dates formatted for it with Intl. One per language, built once and shared (formatters are cached).
 */

export type { MessageKey } from './catalogs/en/index.js';
export type MessageValues = Record<string, string | number | Date>;

export const CATALOGS: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** The Intl locale each language formats numbers and dates with. */
const INTL_LOCALE: Record<Language, string> = { en: 'en-US', 'zh-CN': 'zh-CN' };

export interface Translator {
  language: Language;
  /** The message `key` with `values` in its placeholders. */
  t(key: MessageKey, values?: MessageValues): string;
  /** 4310 → "4,310" (en), "4,310" (zh-CN). */
  number(n: number): string;
  /** ["a", "b", "c"] → "a, b, and c" (en), "a、b和c" (zh-CN). */
  list(items: readonly string[]): string;
  /** ["a", "b", "c"] → "a, b, or c" (en), "a、b或c" (zh-CN). */
  orList(items: readonly string[]): string;
}

/** A message that cannot be formatted (a placeholder without its value, a broken pattern) is a bug: thrown. */
export class TranslationError extends Error {
  override name = 'TranslationError';
}

const cache = createIntlCache();
const built = new Map<Language, Translator>();

export function translator(language: Language = DEFAULT_LANGUAGE): Translator {
  const existing = built.get(language);
  if (existing) return existing;
  const intl: IntlShape<string> = createIntl(
    {
      locale: INTL_LOCALE[language],
      defaultLocale: INTL_LOCALE[DEFAULT_LANGUAGE],
      messages: CATALOGS[language],
      onError: (error) => {
        throw new TranslationError(`${language}: ${error.message}`);
      },
    },
    cache,
  );
  const made: Translator = {
    language,
    t: (key, values) => String(intl.formatMessage({ id: key }, values)),
    number: (n) => intl.formatNumber(n),
    list: (items) => intl.formatList(items, { type: 'conjunction' }),
    orList: (items) => intl.formatList(items, { type: 'disjunction' }),
  };
  built.set(language, made);
  return made;
}
