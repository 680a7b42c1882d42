import { readCapped } from '../../src/util/read-capped.js';
import { BotError, InvalidInputError, type ImageSource } from '../../src/port.js';

/**
 * Downloads user attachments, only from Discord's CDN hosts (plus the configured API host, so an emulator
 * works), never following a redirect elsewhere, and never past the size cap.
 */
const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

export function createDiscordImageFetcher(apiBaseUrl: string, fetchImpl: typeof fetch = fetch) {
  const allowed = new Set([...DISCORD_CDN_HOSTS, new URL(apiBaseUrl).host]);
  return async function fetchImage(source: ImageSource, maxBytes: number): Promise<Uint8Array> {
    const url = new URL(source.url ?? '');
    if (!allowed.has(url.host) || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new InvalidInputError(
        'images',
        `“${source.name}” is not a Discord attachment, so the bot will not fetch it.`,
      );
    }
    const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(30_000) });
    if (response.status === 404 || response.status === 403) {
      throw new InvalidInputError('images', `“${source.name}” is no longer available on Discord.`);
    }
    if (!response.ok || !response.body) {
      throw new BotError('transient', `attachment download failed with ${response.status}`, {
        userMessage: `Discord did not give the bot “${source.name}”. Please try again.`,
      });
    }
    return readCapped(
      response.body,
      maxBytes,
      () =>
        new InvalidInputError(
          'images',
          `“${source.name}” is larger than the ${Math.round(maxBytes / 1048576)} MB limit.`,
        ),
    );
  };
}
