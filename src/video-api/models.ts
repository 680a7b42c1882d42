import type { CreateVideoBody } from './schemas.js';

/**
 * One description per model of the relay's family: how a submission travels (JSON or multipart), which
 * sizes and lengths the model makes, how many reference images it takes. Validation reads the rules from
 * here and the client reads the wire format, so adding a model is one entry, not a hunt through the code.
 */

export const KNOWN_MODELS = ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'] as const;
export type KnownModel = (typeof KNOWN_MODELS)[number];

/** Every size any model makes, smallest first: what a job record may hold. */
export const ALL_SIZES = ['480P', '540P', '720P', '1080P'] as const;
export type VideoSize = (typeof ALL_SIZES)[number];

export type WireFormat = 'json' | 'multipart';

/** A model either takes any whole number of seconds in a range, or one of a few fixed tiers. */
export type ModelLengths =
  | { kind: 'range'; min: number; max: number; maxWithReferences: number }
  | { kind: 'tiers'; tiers: readonly { seconds: number; tier: string }[] };

export interface VideoModel {
  name: string;
  wire: WireFormat;
  sizes: readonly VideoSize[];
  lengths: ModelLengths;
  /** Reference images one request may carry (the bot's MAX_IMAGES may lower it). */
  maxImages: number;
  maxPromptChars: number;
}

const IMAGINE: Omit<VideoModel, 'name'> = {
  wire: 'json',
  sizes: ['480P', '720P'],
  lengths: { kind: 'range', min: 1, max: 15, maxWithReferences: 10 },
  maxImages: 10,
  maxPromptChars: 4096,
};

/** The siblings: multipart, one file as `input_reference`, four sizes, 10 s (Pro) or 15 s (Max). */
const SIBLING: Omit<VideoModel, 'name'> = {
  wire: 'multipart',
  sizes: ALL_SIZES,
  lengths: {
    kind: 'tiers',
    tiers: [
      { seconds: 10, tier: 'Pro' },
      { seconds: 15, tier: 'Max' },
    ],
  },
  maxImages: 1,
  maxPromptChars: 4096,
};

const DESCRIPTIONS: Record<KnownModel, Omit<VideoModel, 'name'>> = {
  'grok-imagine-video': IMAGINE,
  'grok-video-1.5': SIBLING,
  'grok-video-3': SIBLING,
};

export function isKnownModel(name: string): name is KnownModel {
  return (KNOWN_MODELS as readonly string[]).includes(name);
}

/**
 * A name outside the family is taken as a JSON model with grok-imagine-video's rules: relays rename and add
 * models, and an operator pointing VIDEO_MODEL at one should get the relay's verdict, not ours.
 */
export function describeModel(name: string): VideoModel {
  return { name, ...(isKnownModel(name) ? DESCRIPTIONS[name] : IMAGINE) };
}

/** "10 s (Pro) or 15 s (Max)", for messages. */
export function describeTiers(tiers: readonly { seconds: number; tier: string }[]): string {
  return orList(tiers.map((t) => `${t.seconds} s (${t.tier})`));
}

export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

/** What goes on the wire: a JSON text, or a form whose boundary fetch writes into the content type. */
export type EncodedBody = { contentType: 'application/json'; body: string } | { body: FormData };

/**
 * Encodes a submission for its model. The multipart siblings name the size `size` and take the reference
 * image as a file part `input_reference`; they have no `resolution`, `image` or `images` fields.
 */
export function encodeCreateBody(body: CreateVideoBody): EncodedBody {
  const model = describeModel(body.model);
  if (model.wire === 'json') return { contentType: 'application/json', body: JSON.stringify(body) };
  const form = new FormData();
  form.append('model', body.model);
  form.append('prompt', body.prompt);
  form.append('seconds', body.seconds);
  form.append('aspect_ratio', body.aspect_ratio);
  form.append('size', body.resolution);
  const image = body.image ?? body.images?.[0];
  if (image !== undefined) {
    const { bytes, contentType } = decodeDataUri(image);
    const extension = contentType.split('/')[1] ?? 'bin';
    form.append('input_reference', new Blob([bytes], { type: contentType }), `reference.${extension}`);
  }
  return { body: form };
}

function decodeDataUri(uri: string): { bytes: Uint8Array; contentType: string } {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(uri);
  if (!match) throw new Error('a reference image is not a base64 data URI');
  return {
    contentType: match[1] ?? 'application/octet-stream',
    bytes: Buffer.from(match[2] ?? '', 'base64'),
  };
}
