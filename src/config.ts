import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { BotError } from './errors.js';
import { parseStoreUrl } from './store/store-url.js';
import { normalizeAspectRatio, normalizeResolution, type Resolution } from './generation/options.js';
import { LANGUAGES, type Language } from './i18n/languages.js';
import { KNOWN_MODELS } from './video-api/models.js';
import { DEFAULT_PRICES, parsePrices, unpricedModels, type PriceTable } from './quota/prices.js';

/**
 * The only reader of process.env. Everything the program can be told from outside is parsed here once,
 * so a typo in `.env` fails at start with a sentence that names the variable, not later mid-job.
 * Longer than most files on purpose: one schema for every variable keeps defaults, checks and the
 * messages that name a wrong value side by side, mirrored line for line in .env.example.
 */

const MiB = 1024 * 1024;

function integer(name: string, min: number, max: number, fallback: number) {
  const message = `${name} must be an integer ${min}-${max}`;
  return z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${message} (got "${raw}")` });
        return z.NEVER;
      }
      return n;
    });
}

/** An integer limit that may be left empty: undefined then means "no limit". */
function optionalLimit(name: string, max: number, meaning: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be empty (no limit) or a whole number 0-${max}, ${meaning} (got "${raw}")`,
        });
        return z.NEVER;
      }
      return n;
    });
}

function flag(fallback: boolean) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
      if (['0', 'false', 'no', 'off'].includes(raw)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false (got "${raw}")` });
      return z.NEVER;
    });
}

function httpUrl(name: string, fallback: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      const value = raw === undefined || raw === '' ? fallback : raw;
      try {
        const url = new URL(value);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
        return value.replace(/\/+$/, '');
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be an http(s) URL (got "${value}")` });
        return z.NEVER;
      }
    });
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** VIDEO_MODELS: a comma list of model names, each once; undefined when unset (VIDEO_MODEL alone). */
const modelList = z
  .string()
  .trim()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw === '') return undefined;
    const names = raw.split(',').map((name) => name.trim());
    const bad = names.find((name) => !MODEL_NAME.test(name));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `VIDEO_MODELS must be a comma list of model names such as ${KNOWN_MODELS.join(',')} (got "${bad}" in "${raw}")`,
      });
      return z.NEVER;
    }
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) {
      ctx.addIssue({ code: 'custom', message: `VIDEO_MODELS names ${twice} twice (got "${raw}")` });
      return z.NEVER;
    }
    return names;
  });

/** A Discord server id (a snowflake), Discord's direct messages, or a Slack team (workspace) id. */
const ALLOWED_SPACE = /^(discord:(\d+|dm)|slack:[A-Z0-9]+)$/;

const envSchema = z.object({
  VIDEO_API_BASE_URL: httpUrl('VIDEO_API_BASE_URL', 'https://duoyuanx.com/v1'),
  VIDEO_API_KEY: optionalText,
  VIDEO_MODEL: z
    .string()
    .trim()
    .optional()
    .transform((v) => v || 'grok-imagine-video'),
  VIDEO_MODELS: modelList,
  VIDEO_API_TIMEOUT_MS: integer('VIDEO_API_TIMEOUT_MS', 1000, 600_000, 30_000),
  VIDEO_API_MAX_RETRIES: integer('VIDEO_API_MAX_RETRIES', 0, 10, 4),
  VIDEO_API_MAX_RPS: integer('VIDEO_API_MAX_RPS', 1, 10_000, 20),
  MAX_SECONDS: integer('MAX_SECONDS', 1, 15, 15),
  MAX_SECONDS_WITH_REFERENCES: integer('MAX_SECONDS_WITH_REFERENCES', 1, 15, 10),
  DEFAULT_SECONDS: integer('DEFAULT_SECONDS', 1, 15, 6),
  DEFAULT_ASPECT_RATIO: optionalText,
  DEFAULT_RESOLUTION: optionalText,
  MAX_IMAGES: integer('MAX_IMAGES', 0, 10, 4),
  MAX_IMAGE_BYTES: integer('MAX_IMAGE_BYTES', 1024, 100 * MiB, 20 * MiB),
  IMAGE_MAX_SIDE: integer('IMAGE_MAX_SIDE', 64, 4096, 1280),
  IMAGE_DECODE_CONCURRENCY: integer('IMAGE_DECODE_CONCURRENCY', 1, 64, 2),
  MAX_VIDEO_BYTES: integer('MAX_VIDEO_BYTES', 1024, 2048 * MiB, 200 * MiB),
  JOB_TIMEOUT_SECONDS: integer('JOB_TIMEOUT_SECONDS', 10, 86_400, 900),
  MAX_EXTENDED_SECONDS: integer('MAX_EXTENDED_SECONDS', 1, 3600, 60),
  FFMPEG_PATH: optionalText,
  FFMPEG_CONCURRENCY: integer('FFMPEG_CONCURRENCY', 1, 64, 2),
  FFMPEG_TIMEOUT_SECONDS: integer('FFMPEG_TIMEOUT_SECONDS', 5, 3600, 300),
  MAX_CONCURRENT_JOBS: integer('MAX_CONCURRENT_JOBS', 1, 10_000, 8),
  MAX_JOBS_PER_USER: integer('MAX_JOBS_PER_USER', 1, 10_000, 2),
  NOTIFY_AFTER_SECONDS: integer('NOTIFY_AFTER_SECONDS', 0, 86_400, 120),
  WORKER_CONCURRENCY: integer('WORKER_CONCURRENCY', 1, 10_000, 8),
  WORKER_LOCK_SECONDS: integer('WORKER_LOCK_SECONDS', 1, 3600, 30),
  STORE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const url = v || 'sqlite://./data/bot.sqlite';
      try {
        parseStoreUrl(url);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
      return url;
    }),
  QUOTA_UNIT: z
    .enum(['videos', 'seconds', 'credits'], { message: 'QUOTA_UNIT must be videos, seconds or credits' })
    .optional(),
  // What each model costs in credits (see src/quota/prices.ts for the grammar); unset: DEFAULT_PRICES.
  PRICES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      // Empty is unset, as .env.example leaves it.
      const parsed = parsePrices(raw === undefined || raw.trim() === '' ? DEFAULT_PRICES : raw);
      if (parsed.ok) return parsed.table;
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }),
  QUOTA_PERIOD: z
    .enum(['day', 'week', 'month', 'none'], { message: 'QUOTA_PERIOD must be day, week, month or none' })
    .optional()
    .default('day'),
  QUOTA_DEFAULT: integer('QUOTA_DEFAULT', 0, 1_000_000, -1),
  // -1: unset, 100 in videos or seconds, 10,000 in credits (one long video may cost 60).
  QUOTA_MAX: integer('QUOTA_MAX', 0, 1_000_000, -1),
  QUOTA_GLOBAL_PER_USER: optionalLimit(
    'QUOTA_GLOBAL_PER_USER',
    1_000_000,
    'one user’s limit across every server and workspace, in QUOTA_UNIT per QUOTA_PERIOD',
  ),
  BUDGET_PER_PERIOD: optionalLimit(
    'BUDGET_PER_PERIOD',
    1_000_000_000,
    'the whole bot’s limit in QUOTA_UNIT per QUOTA_PERIOD',
  ),
  OWNER_IDS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const ids = (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = ids.filter((id) => !/^(discord|slack):[\w-]+$/.test(id));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `OWNER_IDS entries must look like discord:123 or slack:U456 (got "${bad.join('", "')}")`,
        });
        return z.NEVER;
      }
      return ids;
    }),
  // Unset: every server and workspace the bot is added to. Set: only these; elsewhere a short refusal.
  ALLOWED_SPACES: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const entries = (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (entries.length === 0) return undefined;
      const bad = entries.filter((entry) => !ALLOWED_SPACE.test(entry));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `ALLOWED_SPACES entries must look like discord:<server id> (digits), discord:dm (direct messages) or slack:<team id> (e.g. slack:T0123ABCD), comma-separated (got "${bad.join('", "')}")`,
        });
        return z.NEVER;
      }
      return [...new Set(entries)];
    }),
  // The language of public messages where neither /settings language nor the platform's locale says one.
  DEFAULT_LANGUAGE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
    z.enum(LANGUAGES, { message: `DEFAULT_LANGUAGE must be one of ${LANGUAGES.join(', ')}` }).default('en'),
  ),
  DISCORD_TOKEN: optionalText,
  DISCORD_APP_ID: optionalText,
  DISCORD_API_BASE_URL: httpUrl('DISCORD_API_BASE_URL', 'https://discord.com/api'),
  DISCORD_GUILD_ID: optionalText,
  DISCORD_MESSAGE_CONTENT: flag(false),
  DISCORD_SHARDS: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((raw, ctx): number | 'auto' | undefined => {
      if (raw === undefined || raw === '') return undefined;
      if (raw === 'auto') return 'auto';
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) {
        ctx.addIssue({
          code: 'custom',
          message: `DISCORD_SHARDS must be a positive integer or auto (got "${raw}")`,
        });
        return z.NEVER;
      }
      return n;
    }),
  // Set by discord.js's ShardingManager for each shard process it spawns (SHARDS: the id, SHARD_COUNT: the total).
  SHARDS: z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx): number[] | undefined => {
      if (raw === undefined || raw === '') return undefined;
      const ids = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]);
      let parsed: ReturnType<typeof ids.safeParse>;
      try {
        parsed = ids.safeParse(JSON.parse(raw));
      } catch {
        parsed = ids.safeParse(undefined);
      }
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message: `SHARDS must be a shard id or a JSON array of ids (got "${raw}")`,
        });
        return z.NEVER;
      }
      return typeof parsed.data === 'number' ? [parsed.data] : parsed.data;
    }),
  SHARD_COUNT: integer('SHARD_COUNT', 1, 10_000, 0),
  SLACK_BOT_TOKEN: optionalText,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_PORT: integer('SLACK_PORT', 0, 65_535, 3000),
  SLACK_API_URL: httpUrl('SLACK_API_URL', 'https://slack.com/api'),
  SLACK_MAX_UPLOAD_BYTES: integer('SLACK_MAX_UPLOAD_BYTES', 1024, 1024 * MiB, 1024 * MiB),
  JOB_RETENTION_DAYS: integer('JOB_RETENTION_DAYS', 1, 3650, 7),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .optional()
    .default('info'),
  LOG_PRETTY: flag(false).optional(),
  // Unset: no metrics endpoint. 0 picks a free port (tests).
  METRICS_PORT: integer('METRICS_PORT', 0, 65_535, -1),
  // The figures name jobs, users' refusals and the process's memory: loopback unless the operator opens it.
  METRICS_HOST: z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return '127.0.0.1';
      if (!/^[A-Za-z0-9.:-]+$/.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `METRICS_HOST must be an address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0 (got "${raw}")`,
        });
        return z.NEVER;
      }
      return raw;
    }),
});

export interface GenerationLimits {
  maxPromptChars: number;
  maxSeconds: number;
  maxSecondsWithReferences: number;
  defaultSeconds: number;
  defaultAspectRatio: string;
  defaultResolution: Resolution;
  maxImages: number;
  maxImageBytes: number;
  imageMaxSide: number;
  /** Longest video Extend may make: the joined clips together, in seconds (MAX_EXTENDED_SECONDS). */
  maxExtendedSeconds: number;
}

export interface Config {
  videoApi: {
    baseUrl: string;
    apiKey: string | undefined;
    /** The default model: what a request without a choice gets. Always one of `models`. */
    model: string;
    /** The models this bot offers (VIDEO_MODELS; VIDEO_MODEL alone when unset). */
    models: string[];
    timeoutMs: number;
    maxRetries: number;
    /** Status polls per second by this process, across all its jobs (VIDEO_API_MAX_RPS): spread, not dropped. */
    maxPollsPerSecond: number;
  };
  limits: GenerationLimits;
  maxVideoBytes: number;
  /** The ffmpeg that extracts frames and joins clips: its binary, runs at once per process, and each run's limit. */
  ffmpeg: { path: string | undefined; concurrency: number; timeoutMs: number };
  /** Images decoded at once by this process, across all jobs: each decode can take a few hundred MB. */
  imageDecodeConcurrency: number;
  jobTimeoutMs: number;
  /** Upstream jobs in flight for the whole bot, and running + waiting jobs per user. */
  jobLimits: { maxConcurrent: number; maxPerUser: number };
  /** Jobs that took longer than this mention their requester once when the result is posted. */
  notifyAfterMs: number;
  /** With a Redis store: jobs this process drives at once, and how soon a dead process's jobs move on. */
  worker: { concurrency: number; lockMs: number };
  log: { level: string; pretty: boolean | undefined };
  /** Where GET /metrics (Prometheus text format) listens; off when undefined. */
  metricsPort: number | undefined;
  /** The interface it listens on (METRICS_HOST, default 127.0.0.1). */
  metricsHost: string;
  storeUrl: string;
  quota: QuotaConfig;
  /** Platform-prefixed ids (discord:123, slack:U456) who are admins everywhere. */
  ownerIds: string[];
  /**
   * ALLOWED_SPACES: `discord:<server id>`, `discord:dm`, `slack:<team id>`; undefined when every space is
   * allowed. Owners get no exception: the list says where the bot works, not who may use it.
   */
  allowedSpaces: string[] | undefined;
  /** DEFAULT_LANGUAGE: public messages' language where the space and its platform say none (docs/i18n.md). */
  defaultLanguage: Language;
  jobRetentionMs: number;
  discord: DiscordConfig | undefined;
  slack: SlackConfig | undefined;
}

export interface SlackConfig {
  botToken: string;
  /** HTTP mode verifies request signatures with it; required unless Socket Mode is used. */
  signingSecret: string | undefined;
  /** Socket Mode when set: no public URL needed. */
  appToken: string | undefined;
  port: number;
  /** Web API base with a trailing slash, as Bolt's clientOptions.slackApiUrl wants it. */
  apiUrl: string;
  maxUploadBytes: number;
}

export interface DiscordConfig {
  token: string;
  /** Needed to register commands; read from the login otherwise. */
  appId: string | undefined;
  /** REST base, without the version: https://discord.com/api, or an emulator. */
  apiBaseUrl: string;
  /** Register commands to this guild only (instant updates while developing). */
  guildId: string | undefined;
  /** The privileged Message Content intent: needed to read prompts in "@Bot ..." replies. */
  messageContent: boolean;
  /**
   * Unset: one process, one gateway connection (as without sharding). Otherwise `npm start` is a manager that
   * spawns this many shard processes (`auto`: the count GET /gateway/bot recommends).
   */
  shards?: number | 'auto';
  /** In a shard process spawned by the manager: the shards this process connects, out of `shardCount`. */
  shardIds?: number[];
  shardCount?: number;
}

export type QuotaUnit = 'videos' | 'seconds' | 'credits';
export type QuotaPeriod = 'day' | 'week' | 'month' | 'none';
export interface QuotaConfig {
  unit: QuotaUnit;
  period: QuotaPeriod;
  /** Limit when neither the user nor the space has one. */
  defaultLimit: number;
  /** Highest limit an admin may set. */
  maxLimit: number;
  /** One user's limit across every space of a platform unless an owner set theirs; undefined: none. */
  globalPerUser: number | undefined;
  /** The whole bot's limit per period; undefined: none. */
  budget: number | undefined;
  /** PRICES: what a request costs in credits (the charge with QUOTA_UNIT=credits; usage reports' cost). */
  prices: PriceTable;
  /** VIDEO_MODEL: what a request naming no model runs on, and so is priced as. */
  defaultModel: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Runs a normaliser written for users and turns its complaint into a config problem naming the variable. */
function checked<T>(problems: string[], name: string, normalise: () => T): T | undefined {
  try {
    return normalise();
  } catch (error) {
    problems.push(`${name}: ${error instanceof BotError ? error.userMessage : String(error)}`);
    return undefined;
  }
}

/** Loads `.env` from the working directory when present; real environment variables win. */
export function loadDotenvFile(path = '.env'): void {
  if (existsSync(path)) loadDotenv({ path, quiet: true });
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        return issue.message.startsWith(name) ? issue.message : `${name} ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.DEFAULT_SECONDS > e.MAX_SECONDS) {
    problems.push(`DEFAULT_SECONDS (${e.DEFAULT_SECONDS}) must not exceed MAX_SECONDS (${e.MAX_SECONDS})`);
  }
  if (e.MAX_SECONDS_WITH_REFERENCES > e.MAX_SECONDS) {
    problems.push(
      `MAX_SECONDS_WITH_REFERENCES (${e.MAX_SECONDS_WITH_REFERENCES}) must not exceed MAX_SECONDS (${e.MAX_SECONDS})`,
    );
  }
  if (e.MAX_EXTENDED_SECONDS < e.MAX_SECONDS) {
    problems.push(
      `MAX_EXTENDED_SECONDS (${e.MAX_EXTENDED_SECONDS}) must be at least MAX_SECONDS (${e.MAX_SECONDS}): one clip may be that long`,
    );
  }
  const defaultAspectRatio = checked(problems, 'DEFAULT_ASPECT_RATIO', () =>
    normalizeAspectRatio(e.DEFAULT_ASPECT_RATIO, '16:9'),
  );
  const defaultResolution = checked(problems, 'DEFAULT_RESOLUTION', () =>
    normalizeResolution(e.DEFAULT_RESOLUTION, '720P'),
  );
  const models = e.VIDEO_MODELS ?? [e.VIDEO_MODEL];
  if (!models.includes(e.VIDEO_MODEL)) {
    problems.push(
      `VIDEO_MODEL (${e.VIDEO_MODEL}) must be one of VIDEO_MODELS (${models.join(',')}): it is the default model`,
    );
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  const quotaUnit = e.QUOTA_UNIT ?? 'videos';
  // Credits default like seconds: the default prices make a second of the base model one credit.
  const quotaDefault = e.QUOTA_DEFAULT >= 0 ? e.QUOTA_DEFAULT : quotaUnit === 'videos' ? 5 : 60;
  const unpriced = unpricedModels(e.PRICES, models);
  if (unpriced.length > 0) {
    problems.push(
      `PRICES has no price for ${unpriced.join(', ')}: add an entry for each offered model (or a * entry)`,
    );
  }
  const quotaMax = e.QUOTA_MAX >= 0 ? e.QUOTA_MAX : quotaUnit === 'credits' ? 10_000 : 100;
  if (quotaDefault > quotaMax && e.QUOTA_DEFAULT >= 0) {
    problems.push(`QUOTA_DEFAULT (${quotaDefault}) must not exceed QUOTA_MAX (${quotaMax})`);
  }
  if (e.DISCORD_SHARDS !== undefined && e.STORE_URL.startsWith('memory:')) {
    problems.push(
      'DISCORD_SHARDS needs a store the shard processes share (sqlite:// or redis://); memory:// is per process',
    );
  }
  if ((e.SHARDS === undefined) !== (e.SHARD_COUNT === 0)) {
    problems.push(
      'SHARDS and SHARD_COUNT are set together (by the sharding manager for its shard processes)',
    );
  } else if (e.SHARDS?.some((id) => id >= e.SHARD_COUNT)) {
    problems.push(`SHARDS (${e.SHARDS.join(',')}) must be below SHARD_COUNT (${e.SHARD_COUNT})`);
  }
  if (problems.length > 0 || defaultAspectRatio === undefined || defaultResolution === undefined) {
    throw new ConfigError(problems);
  }

  return {
    videoApi: {
      baseUrl: e.VIDEO_API_BASE_URL,
      apiKey: e.VIDEO_API_KEY,
      model: e.VIDEO_MODEL,
      models,
      timeoutMs: e.VIDEO_API_TIMEOUT_MS,
      maxRetries: e.VIDEO_API_MAX_RETRIES,
      maxPollsPerSecond: e.VIDEO_API_MAX_RPS,
    },
    limits: {
      maxPromptChars: 4096,
      maxSeconds: e.MAX_SECONDS,
      maxSecondsWithReferences: e.MAX_SECONDS_WITH_REFERENCES,
      defaultSeconds: e.DEFAULT_SECONDS,
      defaultAspectRatio,
      defaultResolution,
      maxImages: e.MAX_IMAGES,
      maxImageBytes: e.MAX_IMAGE_BYTES,
      imageMaxSide: e.IMAGE_MAX_SIDE,
      maxExtendedSeconds: e.MAX_EXTENDED_SECONDS,
    },
    maxVideoBytes: e.MAX_VIDEO_BYTES,
    ffmpeg: {
      path: e.FFMPEG_PATH,
      concurrency: e.FFMPEG_CONCURRENCY,
      timeoutMs: e.FFMPEG_TIMEOUT_SECONDS * 1000,
    },
    imageDecodeConcurrency: e.IMAGE_DECODE_CONCURRENCY,
    jobTimeoutMs: e.JOB_TIMEOUT_SECONDS * 1000,
    jobLimits: { maxConcurrent: e.MAX_CONCURRENT_JOBS, maxPerUser: e.MAX_JOBS_PER_USER },
    notifyAfterMs: e.NOTIFY_AFTER_SECONDS * 1000,
    worker: { concurrency: e.WORKER_CONCURRENCY, lockMs: e.WORKER_LOCK_SECONDS * 1000 },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY },
    metricsPort: e.METRICS_PORT < 0 ? undefined : e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    storeUrl: e.STORE_URL,
    quota: {
      unit: quotaUnit,
      period: e.QUOTA_PERIOD,
      defaultLimit: quotaDefault,
      // The unit's default may sit above a QUOTA_MAX left at its default; never let max fall below default.
      maxLimit: Math.max(quotaMax, quotaDefault),
      globalPerUser: e.QUOTA_GLOBAL_PER_USER,
      budget: e.BUDGET_PER_PERIOD,
      prices: e.PRICES,
      defaultModel: e.VIDEO_MODEL,
    },
    ownerIds: e.OWNER_IDS,
    allowedSpaces: e.ALLOWED_SPACES,
    defaultLanguage: e.DEFAULT_LANGUAGE,
    jobRetentionMs: e.JOB_RETENTION_DAYS * 86_400_000,
    discord: e.DISCORD_TOKEN
      ? {
          token: e.DISCORD_TOKEN,
          appId: e.DISCORD_APP_ID,
          apiBaseUrl: e.DISCORD_API_BASE_URL,
          guildId: e.DISCORD_GUILD_ID,
          messageContent: e.DISCORD_MESSAGE_CONTENT,
          shards: e.DISCORD_SHARDS,
          shardIds: e.SHARDS,
          shardCount: e.SHARD_COUNT > 0 ? e.SHARD_COUNT : undefined,
        }
      : undefined,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          signingSecret: e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          port: e.SLACK_PORT,
          apiUrl: `${e.SLACK_API_URL}/`,
          maxUploadBytes: e.SLACK_MAX_UPLOAD_BYTES,
        }
      : undefined,
  };
}

/** The key is optional in the schema so `--help` works without one; anything that calls the API asks here. */
export function requireVideoApiKey(config: Config): string {
  if (!config.videoApi.apiKey) {
    throw new ConfigError([
      'VIDEO_API_KEY is required (put it in .env; for a local trial run `npm run emulator` and use the key it prints)',
    ]);
  }
  return config.videoApi.apiKey;
}

/** Reads process.env (after `.env`) — the single place that does. */
export function loadConfig(): Config {
  loadDotenvFile();
  return parseConfig(process.env);
}
