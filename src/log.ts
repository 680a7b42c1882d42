import { pino, type Logger, type DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import type prettyFactory from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * One logger factory for every entry point. Secrets are removed twice over: by key path (pino `redact`)
 * for the places we know, and by value for the places we do not (an API key quoted in an upstream error,
 * a data URI inside a request body someone logged).
 */

const REDACT_PATHS = [
  'authorization',
  'Authorization',
  'apiKey',
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'password',
  '*.authorization',
  '*.Authorization',
  '*.apiKey',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'config.videoApi.apiKey',
  // A Slack job's stored ref carries the command's response_url (see SLACK_RESPONSE_URL below), and job
  // contexts are logged with their ref.
  'messageRef.responseUrl',
  '*.messageRef.responseUrl',
];

const DATA_URI = /data:[\w.+-]+\/[\w.+-]+;base64,[A-Za-z0-9+/=]+/g;
/** Long unbroken base64 runs are image or file bytes even without the data: prefix. */
const BARE_BASE64 = /[A-Za-z0-9+/]{512,}={0,2}/g;
const MAX_DEPTH = 6;
/**
 * A Discord interaction or webhook token in a URL path is a credential: whoever has it can post as the bot in that
 * channel until it expires. REST errors quote these URLs in their message and `url`, so the token goes by value.
 */
const DISCORD_TOKEN_PATH = /(\/(?:webhooks|interactions)\/\d+\/)[^/?#\s"'`]+/g;
/** Slack's response_url is the same kind of credential: a path whose last part lets anyone answer in the channel. */
const SLACK_RESPONSE_URL =
  /(hooks\.slack\.com\/(?:actions|commands)\/[^/?#\s"'`]+\/[^/?#\s"'`]+\/)[^/?#\s"'`]+/g;

export function scrubString(text: string, secrets: readonly string[]): string {
  let out = text;
  if (out.includes('base64,'))
    out = out.replace(DATA_URI, (m) => `${m.slice(0, m.indexOf(',') + 1)}[${m.length} chars redacted]`);
  if (out.length >= 512) out = out.replace(BARE_BASE64, (m) => `[${m.length} base64 chars redacted]`);
  if (out.includes('/webhooks/') || out.includes('/interactions/'))
    out = out.replace(DISCORD_TOKEN_PATH, '$1[redacted]');
  if (out.includes('hooks.slack.com/')) out = out.replace(SLACK_RESPONSE_URL, '$1[redacted]');
  for (const secret of secrets) {
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

function scrubValue(
  value: unknown,
  secrets: readonly string[],
  depth: number,
  seen: WeakSet<object>,
): unknown {
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Error) {
    // Errors serialise through pino's err serializer; scrub the parts it prints.
    const copy: Record<string, unknown> = { type: value.name, message: scrubString(value.message, secrets) };
    if (value.stack) copy.stack = scrubString(value.stack, secrets);
    for (const [k, v] of Object.entries(value)) copy[k] = scrubValue(v, secrets, depth + 1, seen);
    if (value.cause !== undefined) copy.cause = scrubValue(value.cause, secrets, depth + 1, seen);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, depth + 1, seen));
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, depth + 1, seen);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; defaults to on when the destination is a terminal. */
  pretty?: boolean;
  /** 1 = stdout (the bot), 2 = stderr (the CLI, whose stdout carries only results). */
  fd?: 1 | 2;
  /** Values that must never appear in a log line, wherever they turn up. */
  secrets?: readonly (string | undefined)[];
  /** Tests pass a stream to capture lines. */
  stream?: DestinationStream;
  base?: Record<string, unknown>;
}

/**
 * pino-pretty (and its formatting dependencies) only for a terminal: a production bot logs JSON and should not
 * carry it. Required, not imported, so `createLogger` stays synchronous.
 */
function pretty(options: Parameters<typeof prettyFactory>[0]): ReturnType<typeof prettyFactory> {
  const load = createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory;
  return load(options);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.fd ?? 1;
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  const isTty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const usePretty = options.stream === undefined && (options.pretty ?? isTty === true);
  const destination =
    options.stream ??
    (usePretty
      ? pretty({ destination: fd, sync: true, colorize: isTty === true, translateTime: 'SYS:HH:MM:ss' })
      : pino.destination({ fd, sync: true }));

  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: {
        log: (object) => scrubValue(object, secrets, 0, new WeakSet()) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubString(a, secrets) : a));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** A logger that drops everything, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** The log methods of a logger made per request: most requests never use them. */
export type RequestLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/**
 * `parent.child(bindings)`, made on the first line logged. pino's child() redacts and serialises its bindings
 * when it is made, and a command that goes well logs nothing: in a burst of 500 commands that was a few percent
 * of the main thread on the way to their acknowledgements, for loggers nobody used.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): RequestLogger {
  let child: Logger | undefined;
  const get = (): Logger => (child ??= parent.child(bindings));
  return {
    info: (...args: Parameters<Logger['info']>) => get().info(...args),
    warn: (...args: Parameters<Logger['warn']>) => get().warn(...args),
    error: (...args: Parameters<Logger['error']>) => get().error(...args),
  };
}
