import { byteSizeIn, orListIn } from '../util/format.js';
import { render, text, type Text } from '../i18n/text.js';
import type { Translator } from '../i18n/translate.js';
import type { GenerationLimits } from '../config.js';
import { BotError, InvalidInputError } from '../errors.js';
import type { Semaphore } from '../util/semaphore.js';
import { describeModel, type VideoSize } from '../video-api/models.js';
import type { CreateVideoBody } from '../video-api/schemas.js';
import { DATA_URI_LIMIT_CHARS, checkDeclaredImageType, imageLabel, prepareImage } from './images.js';
import {
  normalizeAspectRatio,
  normalizeModelSize,
  normalizePrompt,
  normalizeSeconds,
  normalizeTierSeconds,
} from './options.js';

/**
 * Turns a platform-neutral request into the API body. Every rule is checked before any image is decoded
 * and before anything is sent, so a broken request costs nothing.
 */

/** An image as an adapter hands it over: bytes already in hand, or a URL only the adapter knows how to fetch. */
export interface ImageSource {
  bytes?: Uint8Array;
  url?: string;
  name: string;
  /**
   * How people are told of an image the bot made itself (a frame of the video, an image of a resumed job), in
   * their language; `name` is then only for the log.
   */
  label?: Text;
  contentType?: string;
  /** Declared size, when the platform says it: lets us refuse a huge file before downloading it. */
  size?: number;
}

/** What an adapter's refusal calls the image, in `tr`'s language. */
export function imageNameIn(source: ImageSource, tr: Translator): string {
  return source.label ? render(source.label, tr) : source.name;
}

export interface GenerationRequest {
  prompt: string;
  seconds?: number | string;
  aspectRatio?: string;
  resolution?: string;
  images?: ImageSource[];
  /** One of the offered models; the default model when absent. */
  model?: string;
}

/** Which models this bot offers (VIDEO_MODELS) and which one a request without a choice gets. */
export interface ModelChoice {
  defaultModel: string;
  offered: readonly string[];
}

/** What a job record and a caption need to know about a request; never image bytes. */
export interface RequestSummary {
  prompt: string;
  seconds: number;
  aspectRatio: string;
  resolution: VideoSize;
  imageCount: number;
  model: string;
}

export interface PreparedRequest {
  body: CreateVideoBody;
  summary: RequestSummary;
}

export interface BuildRequestDeps {
  limits: GenerationLimits;
  models: ModelChoice;
  /** Fetches an image the adapter referenced by URL, refusing anything over `maxBytes`. */
  fetchImage?: (source: ImageSource, maxBytes: number) => Promise<Uint8Array>;
  /** Shared by every job of the process: concurrent jobs cannot decode more images at once than it allows. */
  decodeSlots?: Semaphore;
}

/**
 * Checks everything that needs no I/O, images included as far as their metadata goes (declared type, size);
 * returns the normalised summary.
 */
export function validateRequest(
  request: GenerationRequest,
  limits: GenerationLimits,
  models: ModelChoice,
): RequestSummary {
  const model = describeModel(pickModel(request.model, models));
  const images = request.images ?? [];
  const prompt = normalizePrompt(request.prompt, Math.min(limits.maxPromptChars, model.maxPromptChars));
  if (images.length > limits.maxImages) {
    throw new InvalidInputError(
      'images',
      limits.maxImages === 0
        ? text('core.generation.noImages')
        : text('core.generation.tooManyImages', { count: images.length, max: limits.maxImages }),
    );
  }
  if (images.length > model.maxImages) {
    throw new InvalidInputError(
      'images',
      text('core.generation.modelImages', { model: model.name, max: model.maxImages, count: images.length }),
      { model: model.name },
    );
  }
  const referenceImages = images.length > 1;
  let seconds: number;
  if (model.lengths.kind === 'tiers') {
    seconds = normalizeTierSeconds(request.seconds, model);
  } else {
    const modelMax = referenceImages ? model.lengths.maxWithReferences : model.lengths.max;
    const maxSeconds = Math.min(
      modelMax,
      referenceImages ? limits.maxSecondsWithReferences : limits.maxSeconds,
    );
    seconds = normalizeSeconds(request.seconds, limits.defaultSeconds, maxSeconds, referenceImages);
  }
  const aspectRatio = normalizeAspectRatio(request.aspectRatio, limits.defaultAspectRatio);
  const resolution = normalizeModelSize(request.resolution, limits.defaultResolution, model);
  for (const image of images) {
    checkDeclaredImageType(image);
    const size = image.bytes?.byteLength ?? image.size;
    if (size !== undefined && size > limits.maxImageBytes) {
      throw new InvalidInputError(
        'images',
        text('core.generation.imageTooLarge', {
          name: imageLabel(image),
          size: byteSizeIn(size),
          limit: byteSizeIn(limits.maxImageBytes),
        }),
      );
    }
  }
  return { prompt, seconds, aspectRatio, resolution, imageCount: images.length, model: model.name };
}

/** The request's model if this bot offers it; the message lists what it does offer. */
function pickModel(requested: string | undefined, models: ModelChoice): string {
  const name = requested?.trim() || models.defaultModel;
  if (!models.offered.includes(name)) {
    throw new InvalidInputError(
      'model',
      text('core.generation.modelNotOffered', { model: name, offered: orListIn(models.offered) }),
      { model: name },
    );
  }
  return name;
}

/** Validates, then fetches and decodes the images: for callers with nothing to check in between (the CLI). */
export async function buildVideoRequest(
  request: GenerationRequest,
  deps: BuildRequestDeps,
): Promise<PreparedRequest> {
  return buildValidatedRequest(request, validateRequest(request, deps.limits, deps.models), deps);
}

/**
 * Fetches and decodes the images of a request `validateRequest` already passed, and builds the API body. The
 * expensive half: a job calls it only once its place and its quota are held.
 */
export async function buildValidatedRequest(
  request: GenerationRequest,
  summary: RequestSummary,
  deps: BuildRequestDeps,
): Promise<PreparedRequest> {
  const dataUris: string[] = [];
  // One image at a time: each decoded photo can take tens of MB, and four at once buys little.
  for (const source of request.images ?? []) {
    const bytes = source.bytes ?? (await fetchSource(source, deps));
    const decode = () =>
      prepareImage(
        {
          bytes,
          name: source.name,
          ...(source.label ? { label: source.label } : {}),
          contentType: source.contentType,
        },
        {
          maxImageBytes: deps.limits.maxImageBytes,
          maxSide: deps.limits.imageMaxSide,
          maxDataUriChars: DATA_URI_LIMIT_CHARS,
        },
      );
    const prepared = await (deps.decodeSlots ? deps.decodeSlots.run(decode) : decode());
    dataUris.push(prepared.dataUri);
  }
  const body: CreateVideoBody = {
    model: summary.model,
    prompt: summary.prompt,
    seconds: String(summary.seconds),
    aspect_ratio: summary.aspectRatio,
    resolution: summary.resolution,
  };
  if (dataUris.length === 1) body.image = dataUris[0];
  if (dataUris.length > 1) body.images = dataUris;
  return { body, summary };
}

async function fetchSource(source: ImageSource, deps: BuildRequestDeps): Promise<Uint8Array> {
  if (!source.url) throw new BotError('internal', `image ${source.name} has neither bytes nor url`);
  if (!deps.fetchImage) throw new BotError('internal', `no image fetcher configured for ${source.name}`);
  return deps.fetchImage(source, deps.limits.maxImageBytes);
}
