import { orListIn } from '../util/format.js';
import { text, type Text } from '../i18n/text.js';
import { InvalidInputError } from '../errors.js';
import { type VideoModel, type VideoSize } from '../video-api/models.js';

/**
 * Normalisers for each generation option. Each returns the wire value or throws an InvalidInputError whose
 * message is written for the person who typed the value.
 */

export const ASPECT_RATIO_PRESETS = [
  '16:9',
  '9:16',
  '1:1',
  '4:3',
  '3:4',
  '3:2',
  '2:3',
  '2:1',
  '1:2',
  '19.5:9',
  '9:19.5',
  '20:9',
  '9:20',
] as const;

export const RESOLUTIONS = ['480P', '720P'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * The API counts characters as JavaScript strings do (UTF-16 code units), which is also the stricter count
 * for emoji and other astral characters, so a prompt we accept is never refused upstream for length.
 */
export function promptLength(prompt: string): number {
  return prompt.length;
}

export function normalizePrompt(raw: string, maxChars: number): string {
  const prompt = raw.trim();
  if (prompt.length === 0) {
    throw new InvalidInputError('prompt', text('core.generation.promptEmpty'));
  }
  const length = promptLength(prompt);
  if (length > maxChars) {
    throw new InvalidInputError('prompt', text('core.generation.promptTooLong', { length, max: maxChars }), {
      length,
      maxChars,
    });
  }
  return prompt;
}

export function normalizeSeconds(
  raw: number | string | undefined,
  fallback: number,
  max: number,
  referenceImages: boolean,
): number {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return Math.min(fallback, max);
  const typed = String(raw).trim().replace(/s$/i, '');
  const n = Number(typed);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(
      'seconds',
      text('core.generation.secondsNotWhole', { max, given: String(raw).trim() }),
    );
  }
  if (n > max) {
    throw new InvalidInputError(
      'seconds',
      text(referenceImages ? 'core.generation.secondsTooLongWithImages' : 'core.generation.secondsTooLong', {
        max,
        seconds: n,
      }),
      { seconds: n, max },
    );
  }
  return n;
}

const MIN_RATIO = 1 / 4;
const MAX_RATIO = 4;

function aspectHelp(): Text {
  return text('core.generation.aspectHelp', {
    presets: (tr) => ASPECT_RATIO_PRESETS.join(tr.t('core.format.separator')),
  });
}

/** Accepts `16:9`, `16x9`, `16/9` and ` 16 : 9 `; returns the canonical `w:h`. */
export function normalizeAspectRatio(raw: string | undefined, fallback: string): string {
  const given = (raw ?? '').trim();
  if (given === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*[:x×/]\s*(\d+(?:\.\d+)?)$/i.exec(given);
  if (!match) {
    throw new InvalidInputError(
      'aspect_ratio',
      text('core.generation.aspectNotRatio', { given, help: aspectHelp() }),
    );
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (!(width > 0) || !(height > 0)) {
    throw new InvalidInputError('aspect_ratio', text('core.generation.aspectZero', { help: aspectHelp() }));
  }
  const ratio = width / height;
  if (ratio > MAX_RATIO) {
    throw new InvalidInputError('aspect_ratio', text('core.generation.aspectTooWide', { given }));
  }
  if (ratio < MIN_RATIO) {
    throw new InvalidInputError('aspect_ratio', text('core.generation.aspectTooTall', { given }));
  }
  // String(Number) drops redundant zeros ("16.0" → "16") so presets compare equal however they were typed.
  return `${String(width)}:${String(height)}`;
}

export function normalizeResolution(raw: string | undefined, fallback: Resolution): Resolution {
  const typed = (raw ?? '').trim().toUpperCase();
  if (typed === '') return fallback;
  const withP = typed.endsWith('P') ? typed : `${typed}P`;
  const found = RESOLUTIONS.find((r) => r === withP);
  if (!found) {
    throw new InvalidInputError(
      'resolution',
      text('core.generation.resolutionInvalid', { given: raw?.trim() ?? '' }),
    );
  }
  return found;
}

/**
 * The length for a model with fixed tiers (10 s Pro, 15 s Max): any other number is refused with the model's
 * own rule; no length asked means the shortest tier.
 */
export function normalizeTierSeconds(raw: number | string | undefined, model: VideoModel): number {
  if (model.lengths.kind !== 'tiers') throw new Error(`${model.name} has no fixed lengths`);
  const tiers = model.lengths.tiers;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return tiers[0]?.seconds ?? 10;
  const typed = String(raw).trim().replace(/s$/i, '');
  const found = tiers.find((t) => String(t.seconds) === typed);
  if (!found) {
    throw new InvalidInputError(
      'seconds',
      text('core.generation.tierSeconds', {
        model: model.name,
        tiers: (tr) =>
          orListIn(tiers.map((t) => tr.t('core.generation.tier', { seconds: t.seconds, tier: t.tier })))(tr),
        given: String(raw).trim(),
      }),
      { model: model.name },
    );
  }
  return found.seconds;
}

/**
 * A size the model makes. The JSON model keeps its historic message; a sibling's names the model, since the
 * same "1080P" is right for one model and wrong for another.
 */
export function normalizeModelSize(
  raw: string | undefined,
  fallback: Resolution,
  model: VideoModel,
): VideoSize {
  const typed = (raw ?? '').trim().toUpperCase();
  if (typed === '') return fallback;
  const withP = typed.endsWith('P') ? typed : `${typed}P`;
  const found = model.sizes.find((size) => size === withP);
  if (found) return found;
  const values = { model: model.name, sizes: orListIn(model.sizes), given: raw?.trim() ?? '' };
  throw new InvalidInputError(
    'resolution',
    text(model.wire === 'json' ? 'core.generation.sizeInvalid' : 'core.generation.modelSizeInvalid', values),
    { model: model.name },
  );
}
