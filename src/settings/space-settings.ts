import { orListIn } from '../util/format.js';
import { english, text } from '../i18n/text.js';
import { z } from 'zod';
import type { GenerationLimits } from '../config.js';
import { BotError, InvalidInputError } from '../errors.js';
import { normalizeAspectRatio, normalizeSeconds } from '../generation/options.js';
import type { ModelChoice } from '../generation/request.js';
import { LANGUAGES, type Language } from '../i18n/languages.js';
import type { Logger } from '../log.js';
import { requireAdmin } from '../quota/admin.js';
import {
  BANNED_PROMPT,
  banRuleSchema,
  describeBan,
  findBan,
  parseBanPattern,
  type BanRule,
} from './ban-rules.js';
import type { Formatter } from '../port.js';
import type { Platform, QuotaActor } from '../quota/quota.js';
import { withLock, type StateStore } from '../store/state.js';
import { ALL_SIZES, type VideoSize } from '../video-api/models.js';
import {
  changeSpaceModels,
  chooseModel,
  modelDefaults,
  spaceModelView,
  spaceModelsSchema,
  type SpaceModelView,
  type SpaceModelsInput,
} from './space-models.js';

/**
 * Rules a space's admins set with `/settings`, kept in the state store (`space:`) per platform + space and
 * validated with zod on every read and write: a prompt ban list, the channels the bot may be used in, defaults for the
 * generation options, the models allowed and the default one (space-models.ts), and whether image input is
 * allowed. Also each user's opt-out of completion
 * notifications. Every change is checked for admin rights here (the same rule as /quota) and logged with who
 * and what, so no front end can skip either. The ban rules' parsing and matching are ban-rules.ts, the
 * `/settings show` text describe-settings.ts; what stays (past 300 lines) is one service whose every change
 * passes the same lock, validation and audit log.
 */

export const channelRefSchema = z.object({ id: z.string().min(1), name: z.string().optional() });
export type ChannelEntry = z.infer<typeof channelRefSchema>;

export const MAX_BAN_RULES = 200;
export const MAX_CHANNELS = 100;

const spaceDefaultsSchema = z.object({
  seconds: z.number().int().positive().optional(),
  aspectRatio: z.string().min(1).optional(),
  /** Any size of the family: a model that cannot make it uses its own default (space-models.ts). */
  resolution: z.enum(ALL_SIZES).optional(),
});
export type SpaceDefaults = z.infer<typeof spaceDefaultsSchema>;

export const spaceSettingsSchema = z.object({
  bans: z.array(banRuleSchema).max(MAX_BAN_RULES).default([]),
  /** Empty: the bot may be used everywhere in the space. */
  channels: z.array(channelRefSchema).max(MAX_CHANNELS).default([]),
  defaults: spaceDefaultsSchema.default({}),
  models: spaceModelsSchema.default({}),
  imagesAllowed: z.boolean().default(true),
  /** `/settings language`: public messages' language here; unset, the platform's locale or DEFAULT_LANGUAGE. */
  language: z.enum(LANGUAGES).optional(),
  updatedAt: z.number().optional(),
  updatedBy: z.string().optional(),
});
export type SpaceSettings = z.infer<typeof spaceSettingsSchema>;

const userPrefsSchema = z.object({ notify: z.boolean().default(true) });

export const EMPTY_SETTINGS: SpaceSettings = spaceSettingsSchema.parse({});

export interface SpaceKey {
  platform: Platform;
  spaceId: string;
}

/** What a job is about to use, for the rules to check. */
export interface JobIntent extends SpaceKey {
  userId: string;
  channelId: string;
  /** A thread's parent channel (Discord): allowing a channel allows its threads. */
  parentChannelId?: string;
  prompt: string;
  imageCount: number;
  seconds?: string;
  aspectRatio?: string;
  resolution?: string;
  /** The model the request names, if any. */
  model?: string;
}

/** The options a job runs with after the space's defaults filled in what the user left out. */
export interface AppliedOptions {
  /** The model named, when the space allows it, else the space's default model. */
  model: string;
  seconds?: string;
  aspectRatio?: string;
  resolution?: string;
}

/** How a platform names a channel in a message (the adapter's formatter); plain `#name` by default. */
export type ChannelNamer = Pick<Formatter, 'channel'>;
const PLAIN_CHANNELS: ChannelNamer = { channel: ({ id, name }) => (name ? `#${name}` : id) };

export const IMAGES_OFF = text('core.settings.imagesOff');
/** The same in English (the log's language). */
export const IMAGES_OFF_MESSAGE = english(IMAGES_OFF);

/** Long enough for one read-change-write; a crashed holder frees the space after it. */
const EDIT_LOCK_MS = 10_000;

export interface SpaceSettingsDeps {
  state: StateStore;
  logger: Logger;
  limits: GenerationLimits;
  /** What the bot offers (VIDEO_MODELS) and its default (VIDEO_MODEL): a space's models are a subset. */
  models: ModelChoice;
  /** Same rule as /quota: the platform's admin flag or an OWNER_IDS entry. */
  isAdmin(actor: QuotaActor): boolean;
  now?: () => number;
}

export type SpaceSettingsService = ReturnType<typeof createSpaceSettings>;

export function createSpaceSettings(deps: SpaceSettingsDeps) {
  const { state, logger, limits, models } = deps;
  const now = deps.now ?? Date.now;
  // The keys keyv's `space` namespace wrote, so settings from before read the same.
  const spaceKey = (s: SpaceKey) => `space:settings:${s.platform}:${s.spaceId}`;
  const userKey = (s: SpaceKey, userId: string) => `space:user:${s.platform}:${s.spaceId}:${userId}`;
  /**
   * Changes to one space queue here first, so edits in this process do not poll the store's lock against
   * each other; the store's lock then orders them with other processes sharing the store.
   */
  const queues = new Map<string, Promise<unknown>>();

  /**
   * Reads of a space's settings on their way to the store, shared by the readers that come meanwhile: a burst
   * of commands from one space read them once each before its acknowledgement, each read queued behind the
   * others on the SQLite file. A change made here drops the entry, so no read started after it sees less.
   */
  const reading = new Map<string, Promise<unknown>>();
  function sharedRead(key: string): Promise<unknown> {
    const current = reading.get(key);
    if (current) return current;
    const read = state.get(key).finally(() => {
      if (reading.get(key) === read) reading.delete(key);
    });
    reading.set(key, read);
    return read;
  }

  /** Each reader gets its own parse (its own object) of the shared read. */
  async function get(space: SpaceKey): Promise<SpaceSettings> {
    return parseSettings(space, await sharedRead(spaceKey(space)));
  }

  function parseSettings(space: SpaceKey, raw: unknown): SpaceSettings {
    if (raw === undefined) return structuredClone(EMPTY_SETTINGS);
    const parsed = spaceSettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    // Never let a damaged record switch the rules off silently without a trace.
    logger.error(
      { platform: space.platform, spaceId: space.spaceId, issues: parsed.error.issues.length },
      'space settings do not parse; using the defaults',
    );
    return structuredClone(EMPTY_SETTINGS);
  }

  const adminOnly = (actor: QuotaActor, action: string) =>
    requireAdmin(
      deps.isAdmin,
      actor,
      {
        area: 'settings',
        action,
        userMessage: text('core.settings.adminOnly'),
      },
      logger,
    );

  /**
   * Read, change, validate, write and log one space's settings, one change at a time per space across every
   * process sharing the store (DISCORD_SHARDS, several instances on one Redis), so no edit is lost.
   */
  async function change(
    actor: QuotaActor,
    action: string,
    mutate: (current: SpaceSettings) => { next: SpaceSettings; old: unknown; new: unknown },
  ): Promise<{ settings: SpaceSettings; old: unknown; new: unknown }> {
    adminOnly(actor, action);
    const key = spaceKey(actor);
    const previous = queues.get(key) ?? Promise.resolve();
    const edit = async () => {
      // Its own read, never a shared one that may have started before the lock was ours.
      const current = parseSettings(actor, await state.get(key));
      const result = mutate(structuredClone(current));
      const next = spaceSettingsSchema.parse({
        ...result.next,
        updatedAt: now(),
        updatedBy: `${actor.platform}:${actor.userId}`,
      });
      await state.set(key, next);
      reading.delete(key);
      logger.info(
        {
          platform: actor.platform,
          spaceId: actor.spaceId,
          actorId: actor.userId,
          action,
          old: result.old,
          new: result.new,
        },
        'space settings changed',
      );
      return { settings: next, old: result.old, new: result.new };
    };
    const run = previous.catch(() => undefined).then(() => withLock(state, key, EDIT_LOCK_MS, edit));
    queues.set(key, run);
    try {
      return await run;
    } finally {
      if (queues.get(key) === run) queues.delete(key);
    }
  }

  function validateDefaults(input: {
    seconds?: number | string;
    aspectRatio?: string;
    resolution?: string;
  }): SpaceDefaults {
    const out: SpaceDefaults = {};
    if (input.seconds !== undefined && String(input.seconds).trim() !== '') {
      out.seconds = normalizeSeconds(input.seconds, limits.defaultSeconds, limits.maxSeconds, false);
    }
    if (input.aspectRatio !== undefined && input.aspectRatio.trim() !== '') {
      out.aspectRatio = normalizeAspectRatio(input.aspectRatio, limits.defaultAspectRatio);
    }
    if (input.resolution !== undefined && input.resolution.trim() !== '') {
      out.resolution = normalizeAnySize(input.resolution);
    }
    return out;
  }

  return {
    get,
    /** The bot-wide defaults a space's own defaults override (for `/settings show`). */
    limits,

    async addBan(actor: QuotaActor, raw: string) {
      const rule = parseBanPattern(raw);
      const result = await change(actor, 'ban-add', (s) => {
        if (s.bans.some((b) => b.kind === rule.kind && b.pattern === rule.pattern)) {
          throw new InvalidInputError(
            'pattern',
            text('core.settings.banExists', { rule: describeBan(rule) }),
          );
        }
        if (s.bans.length >= MAX_BAN_RULES) {
          throw new InvalidInputError('pattern', text('core.settings.banListFull', { max: MAX_BAN_RULES }));
        }
        return { next: { ...s, bans: [...s.bans, rule] }, old: undefined, new: rule };
      });
      return { settings: result.settings, rule };
    },

    async removeBan(actor: QuotaActor, raw: string) {
      const typed = raw.trim();
      let removed: BanRule | undefined;
      const result = await change(actor, 'ban-remove', (s) => {
        const rule = typed === '' ? undefined : parseBanPattern(typed);
        const index = rule ? s.bans.findIndex((b) => b.kind === rule.kind && b.pattern === rule.pattern) : -1;
        const found = s.bans[index];
        if (!found) {
          throw new InvalidInputError('pattern', text('core.settings.banMissing', { rule: typed }));
        }
        removed = found;
        return { next: { ...s, bans: s.bans.filter((_, i) => i !== index) }, old: found, new: undefined };
      });
      return { settings: result.settings, rule: removed as BanRule };
    },

    async addChannel(actor: QuotaActor, channel: ChannelEntry) {
      return change(actor, 'channel-add', (s) => {
        if (s.channels.some((c) => c.id === channel.id)) {
          throw new InvalidInputError('channel', text('core.settings.channelExists'));
        }
        if (s.channels.length >= MAX_CHANNELS) {
          throw new InvalidInputError('channel', text('core.settings.channelsFull', { max: MAX_CHANNELS }));
        }
        return {
          next: { ...s, channels: [...s.channels, channel] },
          old: s.channels.map((c) => c.id),
          new: [...s.channels, channel].map((c) => c.id),
        };
      });
    },

    async removeChannel(actor: QuotaActor, channelId: string) {
      return change(actor, 'channel-remove', (s) => {
        if (!s.channels.some((c) => c.id === channelId)) {
          throw new InvalidInputError('channel', text('core.settings.channelMissing'));
        }
        const channels = s.channels.filter((c) => c.id !== channelId);
        return {
          next: { ...s, channels },
          old: s.channels.map((c) => c.id),
          new: channels.map((c) => c.id),
        };
      });
    },

    /** Sets the given defaults (others stay), or clears all of them. Validated as /imagine validates options. */
    async setDefaults(
      actor: QuotaActor,
      input: { seconds?: number | string; aspectRatio?: string; resolution?: string } | 'clear',
    ) {
      const given = input === 'clear' ? undefined : validateDefaults(input);
      return change(actor, 'defaults', (s) => {
        const defaults = given ? { ...s.defaults, ...given } : {};
        return { next: { ...s, defaults }, old: s.defaults, new: defaults };
      });
    },

    /** The space's default model and allowed models (space-models.ts has the rules), or `clear` for the bot's. */
    async setModels(actor: QuotaActor, input: SpaceModelsInput | 'clear') {
      return change(actor, 'models', (s) => {
        const next = changeSpaceModels(s.models, input, models);
        return { next: { ...s, models: next }, old: s.models, new: next };
      });
    },

    /**
     * The model a request naming `requested` (or none) runs on here; refuses one the space does not allow.
     * `read`: this space's settings when the caller has just read them, so they are not read twice.
     */
    async modelFor(space: SpaceKey, requested: string | undefined, read?: SpaceSettings): Promise<string> {
      return chooseModel(requested, (read ?? (await get(space))).models, models);
    },

    /** The models a space may use right now and its default (the Animate forms' pickers, `/settings show`). */
    async modelsFor(space: SpaceKey): Promise<SpaceModelView> {
      return spaceModelView((await get(space)).models, models);
    },

    async setImagesAllowed(actor: QuotaActor, allowed: boolean) {
      return change(actor, 'images', (s) => ({
        next: { ...s, imagesAllowed: allowed },
        old: s.imagesAllowed,
        new: allowed,
      }));
    },

    /** The language of public messages here (`/settings language`), or `clear` to follow the platform's. */
    async setLanguage(actor: QuotaActor, language: Language | 'clear') {
      return change(actor, 'language', (s) => {
        const next = language === 'clear' ? undefined : language;
        return { next: { ...s, language: next }, old: s.language, new: next };
      });
    },

    /** A user's own choice: anyone may set it for themselves. */
    async setNotify(space: SpaceKey, userId: string, enabled: boolean): Promise<void> {
      const key = userKey(space, userId);
      const current = userPrefsSchema.safeParse((await state.get(key)) ?? {});
      const old = current.success ? current.data.notify : true;
      await state.set(
        key,
        userPrefsSchema.parse({ ...(current.success ? current.data : {}), notify: enabled }),
      );
      logger.info(
        { platform: space.platform, spaceId: space.spaceId, userId, action: 'notify', old, new: enabled },
        'user notification preference changed',
      );
    },

    /** Whether a user wants a mention when a long job finishes (default yes). */
    async notifyEnabled(platform: Platform, spaceId: string, userId: string): Promise<boolean> {
      const parsed = userPrefsSchema.safeParse(
        (await state.get(userKey({ platform, spaceId }, userId))) ?? {},
      );
      return parsed.success ? parsed.data.notify : true;
    },

    /**
     * Checks a job against the space's rules before anything is reserved or sent, and fills in the space's
     * defaults where the user gave no value. Throws a BotError with the user's message on a refusal.
     */
    async apply(intent: JobIntent, names: ChannelNamer = PLAIN_CHANNELS): Promise<AppliedOptions> {
      const settings = await get(intent);
      const where = { platform: intent.platform, spaceId: intent.spaceId, userId: intent.userId };
      if (
        settings.channels.length > 0 &&
        !settings.channels.some((c) => c.id === intent.channelId || c.id === intent.parentChannelId)
      ) {
        logger.info({ ...where, channelId: intent.channelId }, 'job refused: channel not allowed');
        const list = settings.channels.map((c) => names.channel(c));
        throw new BotError('forbidden', 'channel not allowed by space settings', {
          userMessage: text('core.settings.channelNotAllowed', {
            channels: (tr) => list.join(tr.t('core.format.separator')),
          }),
        });
      }
      if (!settings.imagesAllowed && intent.imageCount > 0) {
        logger.info({ ...where, images: intent.imageCount }, 'job refused: image input is off');
        throw new BotError('forbidden', 'image input is off in this space', {
          userMessage: IMAGES_OFF,
        });
      }
      const banned = findBan(settings.bans, intent.prompt, (rule, error) => {
        logger.warn(
          { ...where, rule: describeBan(rule), reason: error.userMessage },
          'ban rule skipped: it cannot be matched safely',
        );
      });
      if (banned) {
        // The rule goes to the log for the operator; the user gets a neutral sentence.
        logger.info({ ...where, rule: describeBan(banned) }, 'job refused: prompt matches the ban list');
        throw new BotError('forbidden', 'prompt matches the space ban list', {
          userMessage: BANNED_PROMPT,
        });
      }
      const model = chooseModel(intent.model, settings.models, models);
      const blank = (v: string | undefined) => v === undefined || v.trim() === '';
      const { defaults } = settings;
      // A space default never makes a request invalid: one the model cannot make gives way to the model's own.
      const fitted = modelDefaults(model, defaults, intent.imageCount, limits);
      return {
        model,
        seconds: blank(intent.seconds) ? (fitted.seconds ?? intent.seconds) : intent.seconds,
        aspectRatio: blank(intent.aspectRatio)
          ? (defaults.aspectRatio ?? intent.aspectRatio)
          : intent.aspectRatio,
        resolution: blank(intent.resolution) ? (fitted.resolution ?? intent.resolution) : intent.resolution,
      };
    },
  };
}

export {
  BANNED_PROMPT_MESSAGE,
  MAX_PATTERN_CHARS,
  describeBan,
  findBan,
  parseBanPattern,
  type BanRule,
} from './ban-rules.js';
export { describeSettings } from './describe-settings.js';

/** A space default may be any size of the family (480P, 540P, 720P, 1080P). */
function normalizeAnySize(raw: string): VideoSize {
  const typed = raw.trim().toUpperCase();
  const withP = typed.endsWith('P') ? typed : `${typed}P`;
  const found = ALL_SIZES.find((size) => size === withP);
  if (!found) {
    throw new InvalidInputError(
      'resolution',
      text('core.generation.sizeInvalid', { sizes: orListIn(ALL_SIZES), given: raw.trim() }),
    );
  }
  return found;
}
