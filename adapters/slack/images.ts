import { formatByteSize } from '../../src/util/format.js';

import { readCapped } from '../../src/util/read-capped.js';
import { writeCapped } from '../../src/util/write-capped.js';
import { BotError, InvalidInputError, type ImageSource } from '../../src/port.js';

/**
 * Downloads Slack files (`url_private`) with the bot token, which is sent only to Slack's file hosts (plus
 * the host of SLACK_API_URL, so the emulator works). Redirects are followed by hand, each hop checked against
 * the same list before anything is sent, and the size cap holds before the download completes.
 */

/**
 * Where Slack serves private files: `files.slack.com` (url_private / url_private_download), the edge and
 * origin hosts it may redirect to, and `slack-files.com` (public file links).
 */
export const SLACK_FILE_HOSTS = [
  'files.slack.com',
  'files-edge.slack.com',
  'files-origin.slack.com',
  'slack-files.com',
] as const;

const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 30_000;
/** Slack's copy of a video (Extend's fallback) may be large: more time than an image gets. */
const FILE_TIMEOUT_MS = 120_000;

export interface SlackImageFetcherOptions {
  botToken: string;
  /** SLACK_API_URL: its origin is allowed as well (the emulator serves files there). */
  apiUrl: string;
  fetchImpl?: typeof fetch;
}

export function allowedFileOrigins(apiUrl: string): Set<string> {
  return new Set([...SLACK_FILE_HOSTS.map((host) => `https://${host}`), new URL(apiUrl).origin]);
}

function notSlack(name: string, detail: Record<string, unknown>): InvalidInputError {
  return new InvalidInputError(
    'images',
    `“${name}” is not stored on Slack’s file servers, so the bot will not fetch it with its Slack credentials.`,
    detail,
  );
}

/** `size` is exact when Slack declared it, or a lower bound when the stream ran past the cap. */
function tooLarge(name: string, size: number, maxBytes: number, exact = true): InvalidInputError {
  return new InvalidInputError(
    'images',
    exact
      ? `“${name}” is ${formatByteSize(size)}; the limit is ${formatByteSize(maxBytes)}.`
      : `“${name}” is larger than the ${formatByteSize(maxBytes)} limit.`,
    { size, maxBytes },
  );
}

export function createSlackImageFetcher(options: SlackImageFetcherOptions) {
  const allowed = allowedFileOrigins(options.apiUrl);
  const fetchImpl = options.fetchImpl ?? fetch;

  /** Parses and checks a URL; only a URL that passes ever gets the token. */
  function checked(raw: string, base: URL | undefined, name: string): URL {
    let url: URL;
    try {
      url = new URL(raw, base);
    } catch {
      throw notSlack(name, { reason: 'unparsable url' });
    }
    // Credentials in the URL would go somewhere the origin check does not see.
    if (!allowed.has(url.origin) || url.username !== '' || url.password !== '') {
      throw notSlack(name, { host: url.host, redirected: base !== undefined });
    }
    return url;
  }

  /** The checked final response for a Slack file: every hop on Slack's hosts, found, not HTML, under the cap. */
  async function open(
    source: ImageSource,
    maxBytes: number,
    timeoutMs: number,
  ): Promise<ReadableStream<Uint8Array>> {
    const name = source.name;
    if (source.size !== undefined && source.size > maxBytes) throw tooLarge(name, source.size, maxBytes);
    let url = checked(source.url ?? '', undefined, name);
    const signal = AbortSignal.timeout(timeoutMs);
    for (let hop = 0; ; hop++) {
      const response = await fetchImpl(url, {
        headers: { Authorization: `Bearer ${options.botToken}` },
        redirect: 'manual',
        signal,
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get('location');
        if (location === null || hop >= MAX_REDIRECTS) {
          throw new BotError('transient', `file download redirected ${hop + 1} times`, {
            userMessage: `Slack did not hand over “${name}”. Please try again.`,
          });
        }
        url = checked(location, url, name);
        continue;
      }
      if (response.status === 404 || response.status === 403 || response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        throw new InvalidInputError(
          'images',
          `The bot cannot open “${name}” on Slack (it may have been deleted, or the bot lacks the files:read permission).`,
          { status: response.status },
        );
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new BotError('transient', `file download failed with ${response.status}`, {
          userMessage: `Slack did not hand over “${name}”. Please try again.`,
        });
      }
      // Slack answers a request it does not accept with its HTML sign-in page, not an error status.
      if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
        await response.body.cancel().catch(() => undefined);
        throw new InvalidInputError(
          'images',
          `Slack would not let the bot download “${name}” (the bot may lack the files:read permission).`,
          { contentType: 'text/html' },
        );
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw tooLarge(name, declared, maxBytes);
      }
      return response.body;
    }
  }

  async function fetchImage(source: ImageSource, maxBytes: number): Promise<Uint8Array> {
    const body = await open(source, maxBytes, TIMEOUT_MS);
    return readCapped(body, maxBytes, (size) => tooLarge(source.name, size, maxBytes, false));
  }
  /** The same checks, streamed to `path` (a video for Extend); resolves with its size. */
  async function toFile(source: ImageSource, maxBytes: number, path: string): Promise<number> {
    const body = await open(source, maxBytes, FILE_TIMEOUT_MS);
    return writeCapped(body, path, maxBytes, (size) => tooLarge(source.name, size, maxBytes, false));
  }
  return Object.assign(fetchImage, { toFile });
}
