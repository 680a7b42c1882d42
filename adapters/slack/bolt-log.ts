import { LogLevel, type CodedError, type Logger as BoltLogger } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';

/**
 * Bolt, its Web API client and its receivers log through @slack/logger's interface; left alone they print
 * `[ERROR]  bolt-app …` lines to the console, which break a JSON log. This sends them to our pino logger (with
 * `module: 'bolt'`, so its secrets are scrubbed like ours), and describes a listener's failure with fields.
 */

type Method = 'debug' | 'info' | 'warn' | 'error';

const PINO_TO_BOLT: Readonly<Record<string, LogLevel>> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
};

const isWord = (part: unknown): part is string | number | boolean =>
  typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean';

export function boltLogger(parent: Logger): BoltLogger {
  const log = parent.child({ module: 'bolt' });
  const write =
    (method: Method) =>
    (...parts: unknown[]): void => {
      // Bolt and its Web API client log debug lines on every request and every call; below LOG_LEVEL they are
      // dropped here, before the parts are sorted into fields for nothing.
      if (!log.isLevelEnabled(method)) return;
      const err = parts.find((p): p is Error => p instanceof Error);
      const words = parts.filter(isWord);
      const rest = parts.filter((p) => p !== err && !isWord(p));
      const fields = {
        ...(err === undefined ? {} : { err }),
        ...(rest.length === 0 ? {} : { args: rest }),
      };
      log[method](fields, words.length > 0 ? words.join(' ') : (err?.message ?? ''));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    // LOG_LEVEL decides. Bolt, its Web API client and the socket client share this one object and each sets
    // its own level on it (the client resets it to INFO), so their setLevel and setName are not ours to follow.
    setLevel: () => undefined,
    getLevel: () => PINO_TO_BOLT[log.level] ?? LogLevel.ERROR,
    setName: () => undefined,
  };
}

/** What identifies a Slack request in a log line; never the body itself (it carries tokens and user text). */
const requestSchema = z
  .object({
    type: z.string().optional(),
    command: z.string().optional(),
    callback_id: z.string().optional(),
    team_id: z.string().optional(),
    user_id: z.string().optional(),
    team: z.object({ id: z.string() }).nullable().optional(),
    user: z.object({ id: z.string() }).optional(),
    event: z.object({ type: z.string(), user: z.string().optional() }).optional(),
    actions: z.array(z.object({ action_id: z.string() })).optional(),
  })
  .partial();

const apiErrorSchema = z.object({ data: z.object({ error: z.string() }) });

/** Fields for app.error: Bolt's error code, Slack's error code, and which request failed. */
export function listenerErrorFields(error: CodedError, body: unknown): Record<string, unknown> {
  const request = requestSchema.safeParse(body).data ?? {};
  const apiError =
    apiErrorSchema.safeParse(error).data?.data.error ??
    apiErrorSchema.safeParse(error.original).data?.data.error;
  const fields: Record<string, unknown> = {
    err: error.original ?? error,
    code: error.code,
    apiError,
    type: request.event?.type ?? (request.command === undefined ? request.type : 'slash_command'),
    command: request.command,
    callbackId: request.callback_id,
    actionId: request.actions?.[0]?.action_id,
    teamId: request.team_id ?? request.team?.id ?? undefined,
    userId: request.user_id ?? request.user?.id ?? request.event?.user,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
