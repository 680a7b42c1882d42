import { translator, type Translator } from '../i18n/translate.js';

/**
 * Numbers, sizes and times as people read them, in every message the bot writes (one place, so every
 * platform and the CLI say "4,310" and "25.3 MB" the same way).
 */

/** Numbers as people read them: 4310 → "4,310"; for a reader of `tr`'s language when given. */
export function formatCount(n: number, tr?: Translator): string {
  return tr ? tr.number(n) : n.toLocaleString('en-US');
}

/**
 * Byte sizes as people read them: 26_528_000 → "25.3 MB". Binary units, as the rest of the bot uses, so
 * a limit configured as 20 × 1024 × 1024 reads "20 MB".
 */
export function formatByteSize(bytes: number, tr?: Translator): string {
  if (tr && tr.language !== 'en') return byteSizeIn(bytes)(tr);
  const units = ['KB', 'MB', 'GB'] as const;
  if (bytes < 1024) return `${formatCount(bytes)} bytes`;
  let value = bytes / 1024;
  let unit: (typeof units)[number] = 'KB';
  for (const next of units.slice(1)) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const rounded = value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${unit}`;
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * "2026-11-26 00:00 UTC" — unambiguous for users in any time zone. With `tr`, in the reader's language
 * ("2026-11-26 00:00（UTC）").
 */
export function formatResetTime(resetsAt: number | undefined, tr: Translator = translator('en')): string {
  return resetTimeIn(resetsAt)(tr);
}

/**
 * The same, for a reader of `tr`'s language (messages to users; the CLI and the logs keep the English
 * functions above). Each returns a function of the Translator, as a Text's value takes it (src/i18n/text.ts).
 */

/** A byte size in the reader's language: "25.3 MB" (en), "25.3 MB" (zh-CN), "512 字节" (zh-CN). */
export function byteSizeIn(bytes: number): (tr: Translator) => string {
  return (tr) => {
    if (tr.language === 'en') return formatByteSize(bytes);
    if (bytes < 1024) return tr.t('core.format.bytes', { count: bytes });
    const [value, unit] = formatByteSize(bytes).split(' ');
    return `${tr.number(Number(value))} ${unit ?? ''}`;
  };
}

/** An exact byte count in the reader's language: "20,971,520 bytes". */
export function bytesIn(bytes: number): (tr: Translator) => string {
  return (tr) => tr.t('core.format.bytes', { count: bytes });
}

/** English lists as the bot always wrote them, without the serial comma: "a, b or c". */
function englishList(items: readonly string[], joiner: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${joiner} ${items[items.length - 1] ?? ''}`;
}

/** "a, b or c" in the reader's language ("a、b或c"). */
export function orListIn(items: readonly string[]): (tr: Translator) => string {
  return (tr) => (tr.language === 'en' ? englishList(items, 'or') : tr.orList(items));
}

/** "a, b and c" in the reader's language ("a、b和c"). */
export function listIn(items: readonly string[]): (tr: Translator) => string {
  return (tr) => (tr.language === 'en' ? englishList(items, 'and') : tr.list(items));
}

/**
 * When a quota resets, for the reader: "2026-11-26 00:00 UTC" (en), "2026-11-26 00:00（UTC）" (zh-CN);
 * a lifetime allowance never resets.
 */
export function resetTimeIn(resetsAt: number | undefined): (tr: Translator) => string {
  return (tr) => {
    if (resetsAt === undefined) return tr.t('core.format.neverResets');
    const iso = new Date(resetsAt).toISOString();
    return tr.t('core.format.resetTime', {
      date: iso.slice(0, 10),
      time: iso.slice(11, 16),
    });
  };
}

/** Megabytes with one decimal, as the video limits are said: "25.0 MB" (en), "25 MB" (zh-CN). */
export function megabytesIn(bytes: number): (tr: Translator) => string {
  const value = (bytes / 1024 / 1024).toFixed(1);
  return (tr) => `${tr.language === 'en' ? value : tr.number(Number(value))} MB`;
}
