import { translator, type MessageKey, type Translator } from './translate.js';

/**
 * A message not yet put into words: a catalog key and its values, rendered later in the language of whoever
 * reads it. Services that refuse (a BotError's user message) name their text this way, so the dispatcher can
 * say it in the user's language and a job's end in the job's language without every service taking a
 * Translator. A value may itself be a Text, or a function of the Translator (a byte size, a list).
 */
export type TextValue = string | number | Date | Text | ((tr: Translator) => string);

export interface Text {
  readonly key: MessageKey;
  readonly values?: Readonly<Record<string, TextValue>>;
}

export function text(key: MessageKey, values?: Record<string, TextValue>): Text {
  return values === undefined ? { key } : { key, values };
}

export function isText(value: unknown): value is Text {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'key' in value;
}

/** `message` in `tr`'s language, its nested texts and formatted values too. */
export function render(message: Text, tr: Translator): string {
  if (!message.values) return tr.t(message.key);
  const values: Record<string, string | number | Date> = {};
  for (const [name, value] of Object.entries(message.values)) {
    values[name] = typeof value === 'function' ? value(tr) : isText(value) ? render(value, tr) : value;
  }
  return tr.t(message.key, values);
}

/** English, the language of the log, the CLI and a BotError's default `userMessage`. */
export function english(message: Text): string {
  return render(message, translator('en'));
}
