import { readCapped } from '../../src/util/read-capped.js';
import { writeCapped } from '../../src/util/write-capped.js';
import { BotError, InvalidInputError, type ImageSource } from '../../src/port.js';

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
  async function open(source: ImageSource, timeoutMs: number): Promise<ReadableStream<Uint8Array>> {
    const url = parseUrl(source.url);
    if (!url || !isDiscordImageUrl(url, apiOrigin)) {
      throw new InvalidInputError(
        'images',
        `“${source.name}” is not a Discord attachment, so the bot will not fetch it.`,
      );
    }
    const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 404 || response.status === 403) {
      throw new InvalidInputError('images', `“${source.name}” is no longer available on Discord.`);
    }
    if (!response.ok || !response.body) {
      throw new BotError('transient', `attachment download failed with ${response.status}`, {
        userMessage: `Discord did not give the bot “${source.name}”. Please try again.`,
      });
    }
    return response.body;
  }
  const tooLarge = (source: ImageSource, maxBytes: number) => () =>
    new InvalidInputError(
      'images',
      `“${source.name}” is larger than the ${Math.round(maxBytes / 1048576)} MB limit.`,
    );
  async function fetchImage(source: ImageSource, maxBytes: number): Promise<Uint8Array> {
    return readCapped(await open(source, 30_000), maxBytes, tooLarge(source, maxBytes));
  }
  /** The same checks, streamed to `path` (a video for Extend); resolves with its size. */
  async function toFile(source: ImageSource, maxBytes: number, path: string): Promise<number> {
    if (source.size !== undefined && source.size > maxBytes) throw tooLarge(source, maxBytes)();
    return writeCapped(await open(source, FILE_TIMEOUT_MS), path, maxBytes, tooLarge(source, maxBytes));
  }
  return Object.assign(fetchImage, { toFile });
}
