import type { Dispatcher } from 'undici';
import { callDeadline } from '../util/deadline.js';
import type { Logger } from '../log.js';
import { sleep } from '../util/sleep.js';
import {
  createAddressGuard,
  refusalIn,
  type AddressGuard,
  type RefusedAddressError,
} from './address-guard.js';
import { errorFromNetwork, errorFromRefusal, errorFromResponse, VideoApiError } from './errors.js';
import { encodeCreateBody, type EncodedBody } from './models.js';
import { videoJobSchema, type CreateVideoBody, type VideoJob } from './schemas.js';

/**
 * HTTP client for the video API: the only code that knows its URLs, headers and error envelope.
 * It retries what is safe to retry and nothing else.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out inside one call; the error goes to the caller. */
  maxRetryAfterMs: number;
}

export interface VideoApiClientOptions {
  /** Includes the version prefix, e.g. https://host/v1; paths are appended to it. */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  logger: Logger;
  random?: () => number;
  /** Where downloads may go; by default nowhere private except the API's own host. */
  addressGuard?: AddressGuard;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface VideoApiClient {
  readonly baseUrl: string;
  readonly origin: string;
  createJob(body: CreateVideoBody, options?: RequestOptions): Promise<VideoJob>;
  getJob(id: string, options?: RequestOptions): Promise<VideoJob>;
  /**
   * GETs a file, with the API key only when the URL is on the API's origin, following redirects by hand so
   * the key never leaves that origin and every hop passes the address guard (off the API's host, no private
   * address). `timeoutMs` bounds the wait for headers; `signal` aborts the body too.
   */
  fetchFile(url: string, options?: RequestOptions & { timeoutMs?: number }): Promise<FileAnswer>;
  /** True when a URL is on the API's origin, so fetching it needs (and gets) our key. */
  isApiOrigin(url: string): boolean;
  /** Why a URL may not be fetched or shown (a private address off the API's host), or undefined if it may. */
  addressRefusal(url: string): Promise<RefusedAddressError | undefined>;
  contentUrl(id: string): string;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};
const MAX_REDIRECTS = 5;
/**
 * Sockets to the video API at most. A thousand jobs polling on the same schedule would otherwise open a
 * thousand keep-alive sockets (each with its buffers) for tiny GETs; requests beyond this wait a moment for
 * a free socket, and a download holds one for its length.
 */
const MAX_CONNECTIONS = 64;

/** A file's answer (2xx), its body still to come: read it, or `cancel` it. */
export interface FileAnswer {
  /** The URL that answered, after any redirects. */
  url: string;
  header(name: 'content-length' | 'content-type'): string | undefined;
  body: AsyncIterable<Uint8Array>;
  cancel(): void;
}

/** A GET's answer, read whole: what an API call needs of it. */
interface TextAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** The connection pool every request to the video API (and its files) goes through. */
interface Pool {
  /** The platform's fetch on the pool, for multipart POSTs: it encodes the form and its boundary. */
  fetch: typeof fetch;
  /**
   * A JSON POST through undici's request API, for the same reason as `getText`: a burst of commands submits
   * its jobs together, and fetch's Request, Response, Headers and streams were a visible share of the main
   * thread's busy time between the acknowledgements and the submissions (bench/ANALYSIS.md). Never follows a
   * redirect (its 3xx comes back as is).
   */
  postText(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<TextAnswer>;
  /**
   * A GET through undici's own request API, not fetch: status polls are most of what the bot sends (200 a
   * second under load), and fetch's Response, Headers and web stream cost more CPU and garbage than the
   * exchange itself. Never follows a redirect (its 3xx comes back as is).
   */
  getText(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<TextAnswer>;
  /** The same for a file: its headers, and its body as it arrives (a redirect comes back as is). */
  getFile(
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<
    FileAnswer & {
      status: number;
      location: string | undefined;
      text(): Promise<string>;
      retryAfter: string | null;
    }
  >;
}

function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A connection pool of our own with a cap, whose sockets connect only to addresses the guard's lookup let
 * through: the check and the connection use the same resolution.
 */
async function openPool(guard: AddressGuard): Promise<Pool> {
  const { Agent } = await import('undici');
  const dispatcher = new Agent({ connections: MAX_CONNECTIONS, connect: { lookup: guard.lookup } });
  return {
    fetch: (input, init) => {
      // Node's fetch takes undici's `dispatcher` option, which the DOM RequestInit type does not name.
      const withPool: RequestInit & { dispatcher: typeof dispatcher } = { ...init, dispatcher };
      return fetch(input, withPool);
    },
    async getText(url, headers, signal) {
      return textOf(await dispatch('GET', url, headers, signal));
    },
    async postText(url, headers, body, signal) {
      return textOf(await dispatch('POST', url, headers, signal, body));
    },
    async getFile(url, headers, signal) {
      const answer = await dispatch('GET', url, headers, signal);
      return {
        status: answer.statusCode,
        url,
        header: (name) => headerOf(answer.headers, name),
        location: headerOf(answer.headers, 'location'),
        retryAfter: headerOf(answer.headers, 'retry-after') ?? null,
        body: answer.body,
        // undici's body errors when destroyed unread; nobody is reading it any more.
        cancel: () => void answer.body.on('error', () => undefined).destroy(),
        text: () => answer.body.text(),
      };
    },
  };

  async function textOf(answer: Dispatcher.ResponseData): Promise<TextAnswer> {
    return {
      status: answer.statusCode,
      retryAfter: headerOf(answer.headers, 'retry-after') ?? null,
      text: await answer.body.text(),
    };
  }

  /** One exchange through the pool's own request API; a body only for a POST. */
  function dispatch(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    signal: AbortSignal,
    body?: string,
  ) {
    const target = new URL(url);
    return dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method,
      headers,
      signal,
      ...(body === undefined ? {} : { body }),
    });
  }
}

export function createVideoApiClient(options: VideoApiClientOptions): VideoApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(baseUrl).origin;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const guard = options.addressGuard ?? createAddressGuard(baseUrl);
  let opened: Promise<Pool> | undefined;
  const pool = () => (opened ??= openPool(guard));
  const random = options.random ?? Math.random;
  const log = options.logger;

  function headersFor(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (new URL(url).origin === origin) headers.authorization = `Bearer ${options.apiKey}`;
    return headers;
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  /**
   * The request itself, a POST of `body` or a GET without one: JSON through undici's request API, a form
   * through fetch. Refuses to follow a 3xx.
   */
  async function send(url: string, body: EncodedBody | undefined, signal: AbortSignal): Promise<TextAnswer> {
    const connections = await pool();
    if (body && !('contentType' in body)) {
      // A form's content type (with its boundary) is written by fetch itself.
      const response = await connections.fetch(url, {
        method: 'POST',
        headers: headersFor(url),
        body: body.body,
        signal,
        redirect: 'error',
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        text: await response.text(),
      };
    }
    const answer = body
      ? await connections.postText(
          url,
          headersFor(url, { 'content-type': body.contentType }),
          body.body,
          signal,
        )
      : await connections.getText(url, headersFor(url), signal);
    if (answer.status >= 300 && answer.status < 400)
      throw new TypeError(`redirect (${answer.status}) from an API call, not followed`);
    return answer;
  }

  /** One HTTP exchange with a deadline, a POST of `body` or a GET; every failure comes back as a VideoApiError. */
  async function exchange(
    path: string,
    body: EncodedBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const url = `${baseUrl}${path}`;
    const method = body ? 'POST' : 'GET';
    const deadline = callDeadline(options.timeoutMs, signal);
    const context = { method, path };
    let answer: TextAnswer;
    try {
      answer = await send(url, body, deadline.signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw errorFromNetwork(error, context, deadline.timedOut);
    } finally {
      deadline.dispose();
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) throw errorFromResponse(status, text, answer.retryAfter, context);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new VideoApiError({
        kind: 'transient',
        logMessage: `${method} ${path} answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`,
        httpStatus: status,
        maybeProcessed: 'unknown',
        cause: error,
      });
    }
  }

  async function withRetries<T>(
    method: 'GET' | 'POST',
    path: string,
    attemptOnce: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        if (!(error instanceof VideoApiError) || attempt >= retry.maxRetries) throw error;
        const retryable =
          (error.kind === 'transient' || error.kind === 'rate_limited') &&
          (method === 'GET' || error.maybeProcessed === 'no');
        if (!retryable) throw error;
        const wait = Math.max(error.retryAfterMs ?? 0, backoff(attempt));
        if (error.retryAfterMs !== undefined && error.retryAfterMs > retry.maxRetryAfterMs) throw error;
        log.warn(
          {
            method,
            path,
            attempt: attempt + 1,
            waitMs: wait,
            httpStatus: error.httpStatus,
            kind: error.kind,
          },
          'video API call failed; retrying',
        );
        await sleep(wait, signal);
      }
    }
  }

  function parseJob(raw: unknown, method: string, path: string): VideoJob {
    const parsed = videoJobSchema.safeParse(raw);
    if (!parsed.success) {
      throw new VideoApiError({
        kind: 'transient',
        logMessage: `${method} ${path} answered a job we cannot read: ${parsed.error.message}`,
        maybeProcessed: 'unknown',
      });
    }
    return parsed.data;
  }

  return {
    baseUrl,
    origin,
    isApiOrigin: (url) => new URL(url).origin === origin,
    addressRefusal: (url) => guard.refusal(new URL(url)),
    contentUrl: (id) => `${baseUrl}/videos/${encodeURIComponent(id)}/content`,

    async createJob(body, requestOptions = {}) {
      const path = '/videos';
      // JSON or multipart, as the model's description says.
      const payload = encodeCreateBody(body);
      const raw = await withRetries(
        'POST',
        path,
        () => exchange(path, payload, requestOptions.signal),
        requestOptions.signal,
      );
      return parseJob(raw, 'POST', path);
    },

    async getJob(id, requestOptions = {}) {
      const path = `/videos/${encodeURIComponent(id)}`;
      const raw = await withRetries(
        'GET',
        path,
        () => exchange(path, undefined, requestOptions.signal),
        requestOptions.signal,
      );
      return parseJob(raw, 'GET', path);
    },

    async fetchFile(url, requestOptions = {}) {
      let current = url;
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        // The deadline covers waiting for headers only: a large body may take longer, and the caller
        // watches for a stalled body itself.
        const headersDeadline = new AbortController();
        const timer = setTimeout(
          () => headersDeadline.abort(new Error('timed out waiting for headers')),
          requestOptions.timeoutMs ?? options.timeoutMs,
        );
        const signal = requestOptions.signal
          ? AbortSignal.any([requestOptions.signal, headersDeadline.signal])
          : headersDeadline.signal;
        const target = new URL(current);
        const context = { method: 'GET', path: target.pathname, file: true };
        let response: Awaited<ReturnType<Pool['getFile']>>;
        try {
          guard.checkUrl(target);
          response = await (
            await pool()
          ).getFile(current, headersFor(current, { accept: 'video/mp4,*/*' }), signal);
        } catch (error) {
          if (requestOptions.signal?.aborted) throw error;
          const refused = refusalIn(error);
          if (refused)
            throw errorFromRefusal(refused, { first: url, hop, apiHost: new URL(baseUrl).hostname });
          throw errorFromNetwork(error, context, headersDeadline.signal.aborted);
        } finally {
          clearTimeout(timer);
        }
        if (response.status >= 300 && response.status < 400 && response.location) {
          response.cancel();
          current = new URL(response.location, current).toString();
          continue;
        }
        if (response.status < 200 || response.status >= 300) {
          const text = await response.text().catch(() => '');
          throw errorFromResponse(response.status, text, response.retryAfter, context);
        }
        return response;
      }
      throw new VideoApiError({
        kind: 'transient',
        logMessage: `too many redirects downloading ${new URL(url).pathname}`,
        maybeProcessed: 'no',
      });
    },
  };
}
