import { english, isText, render, text, type Text } from './i18n/text.js';
import type { Translator } from './i18n/translate.js';

/**
 * Every error we raise on purpose is a BotError: it carries what the user may be told (`userMessage`)
 * apart from what the operator needs in the log (`message`, `detail`). Adapters show only `userMessage`.
 */
export type ErrorKind =
  /** The user's input is wrong; nothing was sent upstream. */
  | 'invalid_input'
  /** The provider refused the input (HTTP 400); its message is safe to show. */
  | 'upstream_invalid'
  /** Bad key, permission or config: an operator problem, never the user's fault. */
  | 'misconfigured'
  | 'rate_limited'
  /** 5xx, network failure, per-request timeout: worth retrying. */
  | 'transient'
  /** The provider reports the job failed. */
  | 'job_failed'
  | 'job_cancelled'
  /** The user already has as many jobs running or waiting as MAX_JOBS_PER_USER allows. */
  | 'too_many_jobs'
  /** The job did not finish within JOB_TIMEOUT_SECONDS. */
  | 'job_timeout'
  | 'too_large'
  /** The user's quota does not cover this request. */
  | 'quota_exceeded'
  /** The user may not do this (admin-only command). */
  | 'forbidden'
  /** The bot does not work in this server or workspace (ALLOWED_SPACES). */
  | 'not_enabled'
  /**
   * The bot cannot show a job's result where it was asked (not a member of that channel, and it may not join):
   * thrown by `GenerationReply.ready`, so the job is refunded before anything goes upstream.
   */
  | 'unreachable'
  | 'aborted'
  | 'internal';

export interface BotErrorOptions {
  /**
   * What the user sees. Defaults to a generic, non-leaky sentence for the kind. A Text (a catalog key and its
   * values) is said in the reader's language (`localized(tr)`); a string is shown as it is.
   */
  userMessage?: string | Text;
  /** Structured facts for the log line (never secrets). */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

/** The catalog key of each kind's default user message (core.error.<kind>). */
const DEFAULT_USER_MESSAGES: Record<ErrorKind, Text> = {
  invalid_input: text('core.error.invalid_input'),
  upstream_invalid: text('core.error.upstream_invalid'),
  misconfigured: text('core.error.misconfigured'),
  rate_limited: text('core.error.rate_limited'),
  transient: text('core.error.transient'),
  job_failed: text('core.error.job_failed'),
  job_cancelled: text('core.error.job_cancelled'),
  too_many_jobs: text('core.error.too_many_jobs'),
  job_timeout: text('core.error.job_timeout'),
  too_large: text('core.error.too_large'),
  quota_exceeded: text('core.error.quota_exceeded'),
  forbidden: text('core.error.forbidden'),
  not_enabled: text('core.error.not_enabled'),
  unreachable: text('core.error.unreachable'),
  aborted: text('core.error.aborted'),
  internal: text('core.error.internal'),
};

export class BotError extends Error {
  readonly kind: ErrorKind;
  /** What the user sees, in English (the log's and the CLI's language); `localized(tr)` says it in another. */
  readonly userMessage: string;
  /** The user message not yet put into words; absent when it was given as a finished string. */
  readonly text: Text | undefined;
  readonly detail: Record<string, unknown>;

  constructor(kind: ErrorKind, logMessage: string, options: BotErrorOptions = {}) {
    super(logMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotError';
    this.kind = kind;
    const given = options.userMessage ?? DEFAULT_USER_MESSAGES[kind];
    this.text = isText(given) ? given : undefined;
    this.userMessage = isText(given) ? english(given) : given;
    this.detail = options.detail ?? {};
  }

  /** The user message in `tr`'s language (as given when it was a finished string). */
  userMessageIn(tr: Translator): string {
    return this.text ? render(this.text, tr) : this.userMessage;
  }

  /**
   * This error with its user message in `tr`'s language: the same class, kind, detail, cause and log message,
   * so whoever shows `userMessage` (an adapter) shows it in the reader's language.
   */
  localized(tr: Translator): this {
    if (!this.text || tr.language === 'en') return this;
    const copy = Object.create(
      Object.getPrototypeOf(this) as object,
      Object.getOwnPropertyDescriptors(this),
    ) as this;
    Object.defineProperty(copy, 'userMessage', { value: render(this.text, tr), enumerable: true });
    return copy;
  }
}

/** Input found wrong by us, before anything is sent upstream. The message is the user message. */
export class InvalidInputError extends BotError {
  readonly field: string;
  constructor(field: string, userMessage: string | Text, detail: Record<string, unknown> = {}) {
    super('invalid_input', `invalid ${field}: ${isText(userMessage) ? english(userMessage) : userMessage}`, {
      userMessage,
      detail: { field, ...detail },
    });
    this.name = 'InvalidInputError';
    this.field = field;
  }
}

/** Wraps anything thrown into a BotError so callers can always show `userMessage`. */
export function toBotError(error: unknown): BotError {
  if (error instanceof BotError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new BotError('aborted', error.message, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BotError('internal', message, { cause: error });
}

/**
 * A start-up step failed against an outside service. The message names the service and the URL (or file) it
 * was talking to, because "invalid token" or "ECONNREFUSED" alone leaves the operator guessing which of the
 * bot's four connections is wrong. Entry points print it as one sentence, without a stack.
 */
export class StartupError extends Error {
  readonly service: string;
  readonly url: string;
  constructor(service: string, url: string, problem: string, options: { cause?: unknown } = {}) {
    super(
      `${service} at ${url}: ${problem}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'StartupError';
    this.service = service;
    this.url = url;
  }
}

/** The message of anything thrown, for a sentence that quotes it. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici's fetch says only "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is its cause.
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}

/** Runs one start-up step against `service`; whatever it throws becomes a StartupError naming it and `url`. */
export async function startupStep<T>(service: string, url: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(service, url, errorMessage(error), { cause: error });
  }
}
