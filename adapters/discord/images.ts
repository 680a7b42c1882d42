import { readCapped } from '../../src/util/read-capped.js';
import { writeCapped } from '../../src/util/write-capped.js';
import {
  BotError,
  InvalidInputError,
  imageNameIn,
  translator,
  type ImageSource,
  type Translator,
} from '../../src/port.js';

/**
 * Downloads user images only from Discord's own hosts (plus the configured API origin, so an emulator works),
 * never following a redirect elsewhere, and never past the size cap: a URL in a message is the user's choice,
 * and the bot must not become a way to reach other hosts.
 *
 * Discord documents https://cdn.discordapp.com as its CDN base
 * (https://discord.com/developers/docs/reference#image-formatting) and gives attachments and embed images a
 * `proxy_url`, "a proxied url of the image"
 * (https://discord.com/developers/docs/resources/message#embed-object-embed-image-structure), without naming
 * the proxy's hosts: those are media.discordapp.net (attachments) and images-ext-<N>.discordapp.net (link
 * previews' images, mirrored from the linked site). Exactly these names, over https on the default port.
 */
const DISCORD_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);
const DISCORD_PROXY_HOST = /^images-ext-\d{1,3}\.discordapp\.net$/;

function isDiscordHost(hostname: string): boolean {
  return DISCORD_HOSTS.has(hostname) || DISCORD_PROXY_HOST.test(hostname);
}

/** Whether the bot may fetch `url` as a Discord image: Discord's hosts, or the configured API's own origin. */
export function isDiscordImageUrl(url: URL, apiOrigin: string): boolean {
  if (url.username !== '' || url.password !== '') return false;
  if (url.origin === apiOrigin) return true;
  return url.protocol === 'https:' && url.port === '' && isDiscordHost(url.hostname);
}

function parseUrl(value: string | undefined): URL | undefined {
  try {
    return new URL(value ?? '');
  } catch {
    return undefined;
  }
}

/** Discord's copy of a video (Extend's fallback) may be large: more time than an image gets. */
const FILE_TIMEOUT_MS = 120_000;

export function createDiscordImageFetcher(apiBaseUrl: string, fetchImpl: typeof fetch = fetch) {
  const apiOrigin = new URL(apiBaseUrl).origin;
  /** The checked response for a Discord file: its host allowed, no redirect followed, found. */
  async function open(
    source: ImageSource,
    timeoutMs: number,
    tr: Translator,
  ): Promise<ReadableStream<Uint8Array>> {
    const url = parseUrl(source.url);
    if (!url || !isDiscordImageUrl(url, apiOrigin)) {
      throw new InvalidInputError(
        'images',
        tr.t('discord.image.notAttachment', { name: imageNameIn(source, tr) }),
      );
    }
    const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 404 || response.status === 403) {
      throw new InvalidInputError('images', tr.t('discord.image.gone', { name: imageNameIn(source, tr) }));
    }
    if (!response.ok || !response.body) {
      throw new BotError('transient', `attachment download failed with ${response.status}`, {
        userMessage: tr.t('discord.image.notGiven', { name: imageNameIn(source, tr) }),
      });
    }
    return response.body;
  }
  const tooLarge = (source: ImageSource, maxBytes: number, tr: Translator) => () =>
    new InvalidInputError(
      'images',
      tr.t('discord.image.tooLarge', {
        name: imageNameIn(source, tr),
        limit: Math.round(maxBytes / 1048576),
      }),
    );
  /** `tr`: the language of its refusals (the job's). */
  async function fetchImage(
    source: ImageSource,
    maxBytes: number,
    tr: Translator = translator(),
  ): Promise<Uint8Array> {
    return readCapped(await open(source, 30_000, tr), maxBytes, tooLarge(source, maxBytes, tr));
  }
  /** The same checks, streamed to `path` (a video for Extend); resolves with its size. */
  async function toFile(
    source: ImageSource,
    maxBytes: number,
    path: string,
    tr: Translator = translator(),
  ): Promise<number> {
    if (source.size !== undefined && source.size > maxBytes) throw tooLarge(source, maxBytes, tr)();
    const body = await open(source, FILE_TIMEOUT_MS, tr);
    return writeCapped(body, path, maxBytes, tooLarge(source, maxBytes, tr));
  }
  return Object.assign(fetchImage, { toFile });
}
