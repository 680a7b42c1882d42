import { BotError, type ErrorKind } from '../errors.js';
import { english, text, type Text } from '../i18n/text.js';
import type { RefusedAddressError } from './address-guard.js';
import { errorEnvelopeSchema } from './schemas.js';

/**
 * Whether the provider may have acted on a request that failed. A POST is retried only when this is
 * 'no': creating two paid jobs for one user request is worse than one failure.
 */
export type MaybeProcessed = 'no' | 'unknown';

export interface VideoApiErrorInit {
  kind: ErrorKind;
  logMessage: string;
  userMessage?: string | Text;
  httpStatus?: number;
  code?: string;
  param?: string;
  retryAfterMs?: number;
  maybeProcessed: MaybeProcessed;
  cause?: unknown;
}

export class VideoApiError extends BotError {
  readonly httpStatus: number | undefined;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly maybeProcessed: MaybeProcessed;

  constructor(init: VideoApiErrorInit) {
    super(init.kind, init.logMessage, {
      userMessage: init.userMessage,
      cause: init.cause,
      detail: {
        httpStatus: init.httpStatus,
        code: init.code,
        param: init.param,
        retryAfterMs: init.retryAfterMs,
      },
    });
    this.name = 'VideoApiError';
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.param = init.param;
    this.retryAfterMs = init.retryAfterMs;
    this.maybeProcessed = init.maybeProcessed;
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Turns an HTTP error response into the error its status means for us. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  retryAfterHeader: string | null,
  context: {
    method: string;
    path: string;
    /** A finished job's video file (/content or video_url), fetched only after the API said it is ready. */
    file?: boolean;
  },
): VideoApiError {
  let message: string | undefined;
  let code: string | undefined;
  let param: string | undefined;
  try {
    const envelope = errorEnvelopeSchema.safeParse(JSON.parse(bodyText));
    if (envelope.success) {
      message = envelope.data.error.message ?? undefined;
      code = envelope.data.error.code === null ? undefined : envelope.data.error.code?.toString();
      param = envelope.data.error.param ?? undefined;
    }
  } catch {
    // Not JSON: proxies answer 502/504 with HTML. The status alone decides.
  }
  const where = `${context.method} ${context.path}`;
  const said = message ? `: ${message}` : bodyText ? `: ${bodyText.slice(0, 200)}` : '';
  const base = { httpStatus: status, code, param };

  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfterHeader);
    return new VideoApiError({
      ...base,
      kind: 'rate_limited',
      logMessage: `${where} rate limited (429)${said}`,
      retryAfterMs,
      maybeProcessed: 'no',
    });
  }
  if (status === 401 || status === 402 || status === 403) {
    return new VideoApiError({
      ...base,
      kind: 'misconfigured',
      logMessage: `${where} refused the API key (${status})${said}`,
      maybeProcessed: 'no',
    });
  }
  if (status >= 500) {
    return new VideoApiError({
      ...base,
      kind: 'transient',
      logMessage: `${where} failed with ${status}${said}`,
      retryAfterMs: parseRetryAfter(retryAfterHeader),
      // A 503 is the server saying it did not take the request; other 5xx may come after the work began.
      maybeProcessed: status === 503 ? 'no' : 'unknown',
    });
  }
  if ((status === 404 || status === 410) && context.file === true) {
    // The job completed on the base URL we polled, so this is not our configuration: the provider lost or
    // expired the file. A failure of the video service, refunded like any other.
    return new VideoApiError({
      ...base,
      kind: 'job_failed',
      logMessage: `${where} answered ${status}: upstream error, the video service no longer has this finished video${said}`,
      userMessage: NOT_FETCHED,
      maybeProcessed: 'no',
    });
  }
  if (status === 404 && !context.path.includes('/videos/')) {
    return new VideoApiError({
      ...base,
      kind: 'misconfigured',
      logMessage: `${where} not found (404): is VIDEO_API_BASE_URL right?${said}`,
      maybeProcessed: 'no',
    });
  }
  return new VideoApiError({
    ...base,
    kind: 'upstream_invalid',
    logMessage: `${where} rejected (${status})${said}`,
    userMessage: message
      ? text('core.videoApi.refusedWithReason', { reason: message })
      : text('core.videoApi.refused', { status }),
    maybeProcessed: 'no',
  });
}

/** What users are told when the finished video's file is refused (a forbidden address, not a video). */
export const NOT_FETCHED: Text = text('core.videoApi.notFetched');
/** The same in English (the log's language). */
export const VIDEO_NOT_FETCHED = english(NOT_FETCHED);

/**
 * A download hop the address guard refused. The provider (or whoever answers for it) pointed us somewhere we
 * will not go: the video service failed this job, refunded like any other upstream failure.
 */
export function errorFromRefusal(
  refused: RefusedAddressError,
  context: { first: string; hop: number; apiHost: string },
): VideoApiError {
  const first = new URL(context.first);
  const via =
    context.hop === 0 ? '' : ` after ${context.hop} redirect(s) from ${first.host}${first.pathname}`;
  return new VideoApiError({
    kind: 'job_failed',
    logMessage:
      `upstream error: refused to fetch the video from ${refused.message}${via}; ` +
      `off the video API's own host (${context.apiHost}) a download may not reach such an address`,
    userMessage: NOT_FETCHED,
    code: 'refused_address',
    maybeProcessed: 'no',
    cause: refused,
  });
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** fetch() rejects with a TypeError whose cause carries the socket error code; undici's request, with the code itself. */
export function errorFromNetwork(
  error: unknown,
  context: { method: string; path: string },
  timedOut: boolean,
) {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const own = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const found = cause?.code ?? own;
  const code = typeof found === 'string' ? found : undefined;
  const reason = timedOut ? 'timed out' : `network error${code ? ` ${code}` : ''}`;
  return new VideoApiError({
    kind: 'transient',
    logMessage: `${context.method} ${context.path} ${reason}: ${error instanceof Error ? error.message : String(error)}`,
    code,
    maybeProcessed: code !== undefined && NOT_SENT_CODES.has(code) ? 'no' : 'unknown',
    cause: error,
  });
}
