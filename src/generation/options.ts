import { formatCount } from '../util/format.js';
import { InvalidInputError } from '../errors.js';
import { describeTiers, orList, type VideoModel, type VideoSize } from '../video-api/models.js';

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
    throw new InvalidInputError('prompt', 'Please describe the video you want: the prompt is empty.');
  }
  const length = promptLength(prompt);
  if (length > maxChars) {
    throw new InvalidInputError(
      'prompt',
      `Your prompt is ${formatCount(length)} characters; the limit is ${formatCount(maxChars)}.`,
      { length, maxChars },
    );
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
  const text = String(raw).trim().replace(/s$/i, '');
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidInputError(
      'seconds',
      `The length must be a whole number of seconds from 1 to ${max}; “${String(raw).trim()}” is not.`,
    );
  }
  if (n > max) {
    throw new InvalidInputError(
      'seconds',
      referenceImages
        ? `With several reference images a video can be at most ${max} seconds long; you asked for ${n}.`
        : `A video can be at most ${max} seconds long; you asked for ${n}.`,
      { seconds: n, max },
    );
  }
  return n;
}

const MIN_RATIO = 1 / 4;
const MAX_RATIO = 4;

function aspectHelp(): string {
  return `Use one of ${ASPECT_RATIO_PRESETS.join(', ')}, or a custom width:height such as 5:4.`;
}

/** Accepts `16:9`, `16x9`, `16/9` and ` 16 : 9 `; returns the canonical `w:h`. */
export function normalizeAspectRatio(raw: string | undefined, fallback: string): string {
  const text = (raw ?? '').trim();
  if (text === '') return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*[:x×/]\s*(\d+(?:\.\d+)?)$/i.exec(text);
  if (!match) {
    throw new InvalidInputError('aspect_ratio', `“${text}” is not an aspect ratio. ${aspectHelp()}`);
  }
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (!(width > 0) || !(height > 0)) {
    throw new InvalidInputError(
      'aspect_ratio',
      `Both sides of an aspect ratio must be above zero. ${aspectHelp()}`,
    );
  }
  const ratio = width / height;
  if (ratio > MAX_RATIO) {
    throw new InvalidInputError(
      'aspect_ratio',
      `${text} is too wide: the aspect ratio must be between 1:4 and 4:1.`,
    );
  }
  if (ratio < MIN_RATIO) {
    throw new InvalidInputError(
      'aspect_ratio',
      `${text} is too tall: the aspect ratio must be between 1:4 and 4:1.`,
    );
  }
  // String(Number) drops redundant zeros ("16.0" → "16") so presets compare equal however they were typed.
  return `${String(width)}:${String(height)}`;
}

export function normalizeResolution(raw: string | undefined, fallback: Resolution): Resolution {
  const text = (raw ?? '').trim().toUpperCase();
  if (text === '') return fallback;
  const withP = text.endsWith('P') ? text : `${text}P`;
  const found = RESOLUTIONS.find((r) => r === withP);
  if (!found) {
    throw new InvalidInputError(
      'resolution',
      `The resolution must be 480P or 720P; “${raw?.trim()}” is not one of them.`,
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
  const rule = `${model.name} makes ${describeTiers(tiers)} videos`;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return tiers[0]?.seconds ?? 10;
  const text = String(raw).trim().replace(/s$/i, '');
  const found = tiers.find((t) => String(t.seconds) === text);
  if (!found) {
    throw new InvalidInputError('seconds', `${rule}; “${String(raw).trim()}” is not one of them.`, {
      model: model.name,
    });
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
  const text = (raw ?? '').trim().toUpperCase();
  if (text === '') return fallback;
  const withP = text.endsWith('P') ? text : `${text}P`;
  const found = model.sizes.find((size) => size === withP);
  if (found) return found;
  const rule =
    model.wire === 'json'
      ? `The resolution must be ${orList(model.sizes)}`
      : `${model.name} makes ${orList(model.sizes)} videos`;
  throw new InvalidInputError('resolution', `${rule}; “${raw?.trim()}” is not one of them.`, {
    model: model.name,
  });
}
