import { byteSizeIn, bytesIn, formatByteSize } from '../util/format.js';
import { render, text, type Text, type TextValue } from '../i18n/text.js';
import type createSharp from 'sharp';
import type { Sharp, SharpOptions } from 'sharp';
import { BotError, InvalidInputError } from '../errors.js';
import { declaredImageKind, sniffImageType, type SniffedImageType } from './image-type.js';

/** sharp (libvips) costs ~27 MB of RSS when loaded; most jobs carry no image, so it loads on first use. */
let sharpLoading: Promise<{ default: typeof createSharp }> | undefined;
async function sharp(input: Buffer | Uint8Array, options?: SharpOptions): Promise<Sharp> {
  sharpLoading ??= import('sharp');
  const { default: create } = await sharpLoading;
  return create(input, options);
}

/**
 * Turns a user's reference image into a data URI the video API accepts. Everything about the input is
 * distrusted: the type comes from the bytes, the size is checked before any decoder runs, and the pixel
 * count is checked from the header before the pixels are decoded.
 */

export { sniffImageType, type SniffedImageType };

export interface ImageLimits {
  /** Largest accepted upload, checked before decoding. */
  maxImageBytes: number;
  /** Longest side of the output; larger images are scaled down, smaller ones are left alone. */
  maxSide: number;
  /** Length cap of the whole `data:...;base64,...` string. */
  maxDataUriChars: number;
}

/** The video API's cap on one data URI. */
export const DATA_URI_LIMIT_CHARS = 1_048_576;

/**
 * Refuses decompression bombs (a few KB of PNG claiming 50,000 × 50,000). 64 MP still admits the 48–50 MP
 * modes of current phone cameras, while bounding the worst full decode (a rotated RGBA image) to ~256 MB.
 */
export const MAX_INPUT_PIXELS = 64_000_000;

export interface ImageInput {
  bytes: Uint8Array;
  /** The uploaded file name, used only in messages. */
  name: string;
  /** Said instead of `name` for an image the bot made itself (ImageSource.label). */
  label?: Text;
  /** What the uploader claimed; informational only, never trusted. */
  contentType?: string;
}

export interface PreparedImage {
  dataUri: string;
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  sourceType: SniffedImageType;
  inputBytes: number;
  outputBytes: number;
}

const FIELD = 'images';

/** Tried in order until the data URI fits; 85 is visually lossless for photos at this size. */
const JPEG_QUALITIES = [85, 75, 65, 50] as const;
const DOWNSCALE_STEP = 0.8;
/** Below this a reference image says nothing useful to the model, so we give up instead. */
const MIN_OUTPUT_SIDE = 64;

const TYPE_NAMES: Record<SniffedImageType, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', gif: 'GIF' };

/** An image as its refusals name it: the bot's own label in the reader's language, else its file name. */
export function imageLabel(image: { name: string; label?: Text }): TextValue {
  return image.label ?? image.name;
}

/** File names are user text that ends up in chat messages: keep them short and on one line. */
function displayName({ name, label }: { name: string; label?: Text }): TextValue {
  if (label) return (tr) => `“${render(label, tr)}”`;
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const clean = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (clean === '') return (tr) => `“${tr.t('core.images.unnamed')}”`;
  const chars = [...clean];
  return chars.length > 60 ? `“${chars.slice(0, 59).join('')}…”` : `“${clean}”`;
}

/** The one refusal for a file that is not an image we take, whether its metadata or its bytes said so. */
function notAnImage(
  image: { name: string; label?: Text },
  detail: Record<string, unknown>,
): InvalidInputError {
  return new InvalidInputError(FIELD, text('core.images.notAnImage', { name: displayName(image) }), detail);
}

/**
 * Refuses, from its metadata alone (declared media type, file name), a file that is certainly not an image
 * we take, so a request is refused before anything is reserved or downloaded (see `declaredImageKind`).
 */
export function checkDeclaredImageType(source: { name: string; label?: Text; contentType?: string }): void {
  if (declaredImageKind(source) === 'other') {
    throw notAnImage(source, { name: source.name, claimedType: source.contentType, stage: 'metadata' });
  }
}

function tooLargeMessage(shown: TextValue, size: number, limit: number): Text {
  // Rounding can make "20 MB; the limit is 20 MB", which reads as a bug; exact counts settle it.
  const exact = formatByteSize(size) === formatByteSize(limit);
  return text('core.images.tooLarge', {
    name: shown,
    size: exact ? bytesIn(size) : byteSizeIn(size),
    limit: exact ? bytesIn(limit) : byteSizeIn(limit),
  });
}

function pixelLimitMessage(shown: TextValue, width?: number, height?: number): Text {
  const megapixels = Math.round(MAX_INPUT_PIXELS / 1_000_000);
  if (width === undefined || height === undefined) {
    return text('core.images.tooManyPixels', { name: shown, megapixels });
  }
  return text('core.images.pixels', { name: shown, width, height, megapixels });
}

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function decodeFailure(
  error: unknown,
  shown: TextValue,
  type: SniffedImageType,
  detail: Record<string, unknown>,
) {
  const reason = errorMessage(error);
  if (/pixel limit/i.test(reason)) {
    return new InvalidInputError(FIELD, pixelLimitMessage(shown), { ...detail, reason });
  }
  return new InvalidInputError(
    FIELD,
    text('core.images.unreadable', { name: shown, type: TYPE_NAMES[type] }),
    { ...detail, reason },
  );
}

/**
 * Decodes once, straight to small raw pixels: the resize in the same pipeline lets libjpeg shrink while
 * decoding, and every later encoding attempt starts from this buffer instead of decoding the upload again.
 */
async function decodeToRaw(bytes: Uint8Array, maxSide: number): Promise<RawImage> {
  const decoder = await sharp(bytes, {
    limitInputPixels: MAX_INPUT_PIXELS,
    // 'warning' would also refuse the slightly malformed JPEGs some phones write ("Invalid SOS
    // parameters"); 'error' still refuses truncated and undecodable files.
    failOn: 'error',
    autoOrient: true,
    // An animated GIF or WebP becomes its first frame: the API takes a still image.
    pages: 1,
    page: 0,
  });
  const { data, info } = await decoder
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    // Greyscale, CMYK, 16-bit and ICC-tagged inputs all end up as 8-bit sRGB (plus alpha when present).
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

interface Attempt {
  scale: number;
  /** JPEG quality, or PNG palette quantisation when set for PNG. */
  quality?: number;
  palette?: boolean;
}

/** Quality first, since it costs less detail than resolution; then resolution, at the lowest quality. */
function* jpegAttempts(): Generator<Attempt> {
  for (const quality of JPEG_QUALITIES) yield { scale: 1, quality };
  const lowest = JPEG_QUALITIES[JPEG_QUALITIES.length - 1];
  for (let scale = DOWNSCALE_STEP; ; scale *= DOWNSCALE_STEP) yield { scale, quality: lowest };
}

/** Lossless first; a 256-colour palette keeps the alpha and usually shrinks a PNG several times over. */
function* pngAttempts(): Generator<Attempt> {
  yield { scale: 1, palette: false };
  yield { scale: 1, palette: true };
  for (let scale = DOWNSCALE_STEP; ; scale *= DOWNSCALE_STEP) yield { scale, palette: true };
}

function scaledSize(base: RawImage, scale: number): { width: number; height: number } {
  if (scale >= 1) return { width: base.width, height: base.height };
  return {
    width: Math.max(1, Math.round(base.width * scale)),
    height: Math.max(1, Math.round(base.height * scale)),
  };
}

async function encode(
  base: RawImage,
  mime: PreparedImage['mime'],
  attempt: Attempt,
  size: { width: number; height: number },
): Promise<Buffer> {
  let pipeline: Sharp = await sharp(base.data, {
    raw: { width: base.width, height: base.height, channels: base.channels },
  });
  if (size.width !== base.width || size.height !== base.height) {
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  }
  if (mime === 'image/jpeg') {
    return pipeline.removeAlpha().jpeg({ quality: attempt.quality }).toBuffer();
  }
  // Quantiser effort 3 gives files within 1% of the default effort 7 at a tenth of the time.
  const options = attempt.palette
    ? { palette: true, quality: 90, effort: 3 }
    : { compressionLevel: 9, adaptiveFiltering: true };
  return pipeline.png(options).toBuffer();
}

/** Largest payload whose base64 form, after `prefix`, stays within `maxChars`. */
function maxPayloadBytes(prefix: string, maxChars: number): number {
  return Math.floor((maxChars - prefix.length) / 4) * 3;
}

/**
 * Validates an uploaded image and re-encodes it as a JPEG (or a PNG when it has real transparency) whose
 * data URI fits `limits.maxDataUriChars`. Throws `InvalidInputError` for anything the user should fix and
 * `BotError('too_large')` when even a small thumbnail would not fit.
 */
export async function prepareImage(input: ImageInput, limits: ImageLimits): Promise<PreparedImage> {
  const { bytes } = input;
  const shown = displayName(input);
  const inputBytes = bytes.byteLength;
  const detail = { name: input.name, claimedType: input.contentType, inputBytes };

  const sourceType = sniffImageType(bytes);
  if (sourceType === undefined) {
    throw notAnImage(input, {
      ...detail,
      // The first bytes tell the operator what was actually sent without logging the file.
      head: Buffer.from(bytes.subarray(0, 8)).toString('hex'),
    });
  }
  if (inputBytes > limits.maxImageBytes) {
    throw new InvalidInputError(FIELD, tooLargeMessage(shown, inputBytes, limits.maxImageBytes), {
      ...detail,
      maxImageBytes: limits.maxImageBytes,
    });
  }

  // The header alone gives the dimensions, so a bomb is refused with its size before any pixel is decoded.
  let headerWidth: number;
  let headerHeight: number;
  try {
    // No pixel limit here: metadata() reads only the header, and we want the dimensions for the message.
    const metadata = await (
      await sharp(bytes, { failOn: 'error', pages: 1, limitInputPixels: false })
    ).metadata();
    headerWidth = metadata.width;
    headerHeight = metadata.height;
  } catch (error) {
    throw decodeFailure(error, shown, sourceType, { ...detail, sourceType, stage: 'header' });
  }
  if (headerWidth * headerHeight > MAX_INPUT_PIXELS) {
    throw new InvalidInputError(FIELD, pixelLimitMessage(shown, headerWidth, headerHeight), {
      ...detail,
      sourceType,
      width: headerWidth,
      height: headerHeight,
      maxInputPixels: MAX_INPUT_PIXELS,
    });
  }

  let base: RawImage;
  try {
    base = await decodeToRaw(bytes, limits.maxSide);
  } catch (error) {
    throw decodeFailure(error, shown, sourceType, { ...detail, sourceType, stage: 'decode' });
  }

  // An alpha channel alone is not transparency: many PNGs and every GIF carry one that is fully opaque.
  const hasAlpha = base.channels === 2 || base.channels === 4;
  const raw = { width: base.width, height: base.height, channels: base.channels };
  const transparent = hasAlpha && !(await (await sharp(base.data, { raw })).stats()).isOpaque;
  const mime = transparent ? 'image/png' : 'image/jpeg';
  const prefix = `data:${mime};base64,`;
  const budget = maxPayloadBytes(prefix, limits.maxDataUriChars);

  const attempts = transparent ? pngAttempts() : jpegAttempts();
  let tried = 0;
  let smallestBytes = Infinity;
  for (const attempt of attempts) {
    const size = scaledSize(base, attempt.scale);
    if (attempt.scale < 1 && Math.max(size.width, size.height) < MIN_OUTPUT_SIDE) break;
    tried++;
    const encoded = await encode(base, mime, attempt, size);
    smallestBytes = Math.min(smallestBytes, encoded.length);
    if (encoded.length > budget) continue;
    return {
      dataUri: prefix + encoded.toString('base64'),
      mime,
      width: size.width,
      height: size.height,
      sourceType,
      inputBytes,
      outputBytes: encoded.length,
    };
  }

  throw new BotError('too_large', `image does not fit in ${limits.maxDataUriChars} data URI chars`, {
    userMessage: text('core.images.notSmallEnough', { name: shown }),
    detail: {
      ...detail,
      sourceType,
      mime,
      attempts: tried,
      smallestBytes,
      budgetBytes: budget,
      maxDataUriChars: limits.maxDataUriChars,
    },
  });
}
