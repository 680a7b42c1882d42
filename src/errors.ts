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
  /** What the user sees. Defaults to a generic, non-leaky sentence for the kind. */
  userMessage?: string;
  /** Structured facts for the log line (never secrets). */
  detail?: Record<string, unknown>;
  cause?: unknown;
}

const DEFAULT_USER_MESSAGES: Record<ErrorKind, string> = {
  invalid_input: 'That request is not valid.',
  upstream_invalid: 'The video service refused this request.',
  misconfigured: 'The bot is misconfigured; an operator has been told. Please try again later.',
  rate_limited: 'The video service is busy right now. Please try again in a minute.',
  transient: 'The video service is not answering right now. Please try again in a few minutes.',
  job_failed: 'The video could not be generated.',
  job_cancelled: 'The video generation was cancelled.',
  too_many_jobs: 'You already have as many videos in progress as allowed. Please wait for one to finish.',
  job_timeout: 'The video took too long to generate and was abandoned.',
  too_large: 'The file is too large.',
  quota_exceeded: 'You have used up your video quota.',
  forbidden: 'Only an admin can do that.',
  not_enabled: 'This bot isn’t enabled here.',
  unreachable: 'I can’t post in this channel, so nothing was started or charged.',
  aborted: 'The request was stopped.',
  internal: 'Something went wrong on our side. Please try again.',
};

export class BotError extends Error {
  readonly kind: ErrorKind;
  readonly userMessage: string;
  readonly detail: Record<string, unknown>;

  constructor(kind: ErrorKind, logMessage: string, options: BotErrorOptions = {}) {
    super(logMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BotError';
    this.kind = kind;
    this.userMessage = options.userMessage ?? DEFAULT_USER_MESSAGES[kind];
    this.detail = options.detail ?? {};
  }
}

/** Input found wrong by us, before anything is sent upstream. The message is the user message. */
export class InvalidInputError extends BotError {
  readonly field: string;
  constructor(field: string, userMessage: string, detail: Record<string, unknown> = {}) {
    super('invalid_input', `invalid ${field}: ${userMessage}`, { userMessage, detail: { field, ...detail } });
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
