import { LANGUAGES, type Language } from '../src/i18n/languages.js';
import { CATALOGS, translator, type MessageKey } from '../src/i18n/translate.js';

/**
 * The texts a platform shows beside a command when people type it (descriptions of commands, subcommands,
 * groups and options, names of choices), from the `commands` catalogs. A text's key follows where it sits in
 * the command, so a platform that localizes its registration (Discord) finds each language's text from the
 * command data alone:
 *
 * - `commands.<command>[.<group>][.<subcommand>][.<option>].description`;
 * - an option shared by several subcommands: `commands.<command>.option.<option>.description`;
 * - a choice: `commands.<command>[…].<option>.choice.<value>`, or `commands.<command>.option.<option>.choice.<value>`.
 *
 * Choices without a key (sizes, model names, languages named in their own language) are shown as they are.
 * The definitions take their English from the same keys (`english`), so the English and the localized texts
 * cannot drift apart (test/adapters/discord-command-json.test.ts checks every registered text).
 */

/** A text's place in a command: the command's name, then its group, subcommand and option as they apply. */
export type RegistrationPath = readonly string[];

/** What of that place: its description, or the name of one of its choices (by the choice's value). */
export type RegistrationText = { kind: 'description' } | { kind: 'choice'; value: string };

/** The candidate keys, most specific first. */
function keysOf(path: RegistrationPath, text: RegistrationText): string[] {
  const suffix = text.kind === 'description' ? 'description' : `choice.${text.value}`;
  const [command, ...rest] = path;
  const keys = [`commands.${path.join('.')}.${suffix}`];
  const option = rest.at(-1);
  if (command !== undefined && option !== undefined && rest.length >= 2) {
    keys.push(`commands.${command}.option.${option}.${suffix}`);
  }
  return keys;
}

function isKey(key: string, language: Language): key is MessageKey {
  return Object.hasOwn(CATALOGS[language], key);
}

/** The text in `language`, or undefined when the catalog has none for this place (a choice shown as is). */
export function registrationText(
  language: Language,
  path: RegistrationPath,
  text: RegistrationText,
): string | undefined {
  const key = keysOf(path, text).find((candidate) => isKey(candidate, language));
  return key === undefined ? undefined : translator(language).t(key as MessageKey);
}

/** The text in every shipped language but English (the registration's own language), by language. */
export function registrationTranslations(
  path: RegistrationPath,
  text: RegistrationText,
): Partial<Record<Language, string>> {
  const out: Partial<Record<Language, string>> = {};
  for (const language of LANGUAGES) {
    if (language === 'en') continue;
    const translated = registrationText(language, path, text);
    if (translated !== undefined) out[language] = translated;
  }
  return out;
}

/** A registration text in English, for the command definitions. */
export function english(key: MessageKey): string {
  return translator('en').t(key);
}
