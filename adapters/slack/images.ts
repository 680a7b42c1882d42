import { formatByteSize } from '../../src/util/format.js';

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

function notSlack(name: string, detail: Record<string, unknown>, tr: Translator): InvalidInputError {
  return new InvalidInputError('images', tr.t('slack.image.notOnSlack', { name }), detail);
}

/** `size` is exact when Slack declared it, or a lower bound when the stream ran past the cap. */
function tooLarge(
  tr: Translator,
  name: string,
  size: number,
  maxBytes: number,
  exact = true,
): InvalidInputError {
  const limit = formatByteSize(maxBytes);
  return new InvalidInputError(
    'images',
    exact
      ? tr.t('slack.image.tooLarge', { name, size: formatByteSize(size), limit })
      : tr.t('slack.image.overLimit', { name, limit }),
    { size, maxBytes },
  );
}

export function createSlackImageFetcher(options: SlackImageFetcherOptions) {
  const allowed = allowedFileOrigins(options.apiUrl);
  const fetchImpl = options.fetchImpl ?? fetch;

  /** Parses and checks a URL; only a URL that passes ever gets the token. */
  function checked(raw: string, base: URL | undefined, name: string, tr: Translator): URL {
    let url: URL;
    try {
      url = new URL(raw, base);
    } catch {
      throw notSlack(name, { reason: 'unparsable url' }, tr);
    }
    // Credentials in the URL would go somewhere the origin check does not see.
    if (!allowed.has(url.origin) || url.username !== '' || url.password !== '') {
      throw notSlack(name, { host: url.host, redirected: base !== undefined }, tr);
    }
    return url;
  }

  /** The checked final response for a Slack file: every hop on Slack's hosts, found, not HTML, under the cap. */
  async function open(
    source: ImageSource,
    maxBytes: number,
    timeoutMs: number,
    tr: Translator,
  ): Promise<ReadableStream<Uint8Array>> {
    const name = imageNameIn(source, tr);
    if (source.size !== undefined && source.size > maxBytes) throw tooLarge(tr, name, source.size, maxBytes);
    let url = checked(source.url ?? '', undefined, name, tr);
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
            userMessage: tr.t('slack.image.notHandedOver', { name }),
          });
        }
        url = checked(location, url, name, tr);
        continue;
      }
      if (response.status === 404 || response.status === 403 || response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        throw new InvalidInputError('images', tr.t('slack.image.cannotOpen', { name }), {
          status: response.status,
        });
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new BotError('transient', `file download failed with ${response.status}`, {
          userMessage: tr.t('slack.image.notHandedOver', { name }),
        });
      }
      // Slack answers a request it does not accept with its HTML sign-in page, not an error status.
      if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
        await response.body.cancel().catch(() => undefined);
        throw new InvalidInputError('images', tr.t('slack.image.signIn', { name }), {
          contentType: 'text/html',
        });
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw tooLarge(tr, name, declared, maxBytes);
      }
      return response.body;
    }
  }

  /** `tr`: the language of its refusals (the job's). */
  async function fetchImage(
    source: ImageSource,
    maxBytes: number,
    tr: Translator = translator(),
  ): Promise<Uint8Array> {
    const body = await open(source, maxBytes, TIMEOUT_MS, tr);
    return readCapped(body, maxBytes, (size) => tooLarge(tr, imageNameIn(source, tr), size, maxBytes, false));
  }
  /** The same checks, streamed to `path` (a video for Extend); resolves with its size. */
  async function toFile(
    source: ImageSource,
    maxBytes: number,
    path: string,
    tr: Translator = translator(),
  ): Promise<number> {
    const body = await open(source, maxBytes, FILE_TIMEOUT_MS, tr);
    return writeCapped(body, path, maxBytes, (size) =>
      tooLarge(tr, imageNameIn(source, tr), size, maxBytes, false),
    );
  }
  return Object.assign(fetchImage, { toFile });
}
