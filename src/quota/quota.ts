import { resetTimeIn } from '../util/format.js';
import { render, text, type Text, type TextValue } from '../i18n/text.js';
import { translator, type Translator } from '../i18n/translate.js';
import { z } from 'zod';
import type { QuotaConfig, QuotaPeriod, QuotaUnit } from '../config.js';
import { BotError, InvalidInputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Platform } from '../platforms.js';
import { isAdminOf, requireAdmin } from './admin.js';
import type { StateStore } from '../store/state.js';
import { overLimit, type QuotaLedger } from './ledger.js';
import { priceOf, type PricedRequest } from './prices.js';
import { scopeKey } from './scope.js';
import { quotaWindow } from './window.js';

/**
 * Who may generate how much. Every job charges three counters at once in the atomic ledger (all or none):
 * - the user in this space: user override → space default → QUOTA_DEFAULT, which the space's admins set;
 * - the user across every space of the platform: the owner's override → QUOTA_GLOBAL_PER_USER, which only bot
 *   owners set, so an admin of a server they created cannot lift it;
 * - the whole bot: BUDGET_PER_PERIOD, from the operator's config alone.
 * The last two are counted even without a limit, so /quota global show and the budget metrics tell the truth
 * when one is set later. Overrides live in the state store (`cfg:`). Admin- and owner-only changes are checked
 * and logged here, so every front end (Discord, Slack, the operator CLI) gets the same rules.
 */

export type { Platform };

export interface QuotaSubject {
  platform: Platform;
  /** Discord guild id (or `dm:<user id>`), Slack team id. */
  spaceId: string;
  userId: string;
}

export interface QuotaActor extends QuotaSubject {
  /** What the platform says: Manage Server on Discord, workspace admin/owner on Slack. */
  isSpaceAdmin: boolean;
}

/** A user on one platform, wherever they are: whom the global limit counts. */
export interface GlobalSubject {
  platform: Platform;
  userId: string;
}

export interface QuotaStatus {
  used: number;
  limit: number;
  unit: QuotaUnit;
  period: QuotaPeriod;
  resetsAt: number | undefined;
  limitSource: 'user' | 'space' | 'default';
  /** The same user across every space of the platform, when a global limit applies to them. */
  global?: { used: number; limit: number; platform: Platform };
}

export interface GlobalQuotaStatus {
  used: number;
  /** Undefined: no global limit for this user (QUOTA_GLOBAL_PER_USER unset and no owner override). */
  limit: number | undefined;
  unit: QuotaUnit;
  period: QuotaPeriod;
  resetsAt: number | undefined;
  limitSource: 'owner' | 'default' | 'none';
}

export interface BudgetStatus {
  used: number;
  /** Undefined: BUDGET_PER_PERIOD is not set. */
  limit: number | undefined;
  unit: QuotaUnit;
  period: QuotaPeriod;
  resetsAt: number | undefined;
}

/** Which counter refused a request: the user here, the user everywhere, or the whole bot. */
export type QuotaLimitKind = 'space' | 'global' | 'budget';

/** A quota refusal that says which limit refused (the metrics count refusals by it). */
export class QuotaExceededError extends BotError {
  readonly limit: QuotaLimitKind;
  constructor(
    limit: QuotaLimitKind,
    logMessage: string,
    userMessage: string | Text,
    detail: Record<string, unknown>,
  ) {
    super('quota_exceeded', logMessage, { userMessage, detail: { limit, ...detail } });
    this.name = 'QuotaExceededError';
    this.limit = limit;
  }
}

export interface QuotaServiceDeps {
  ledger: QuotaLedger;
  /** Where the limit overrides live (`cfg:quota-user:…`, `cfg:quota-default:…`). */
  state: StateStore;
  config: QuotaConfig;
  ownerIds: readonly string[];
  logger: Logger;
  now?: () => number;
}

/** "today", "this week"… in the reader's language (English by default: the CLI). */
export function periodWords(period: QuotaPeriod, tr: Translator = translator('en')): string {
  return tr.t('core.quota.period', { period });
}

/** The English words, for the CLI and the commands not yet translated. */
export const PERIOD_WORDS: Record<QuotaPeriod, string> = {
  day: periodWords('day'),
  week: periodWords('week'),
  month: periodWords('month'),
  none: periodWords('none'),
};

/** "1 video", "4,310 credits" in the reader's language (English by default: the CLI). */
export function formatQuotaAmount(n: number, unit: QuotaUnit, tr: Translator = translator('en')): string {
  return tr.t('core.quota.amount', { n, unit });
}

/** The same as a Text's value, said when the reader is known. */
export function amountIn(n: number, unit: QuotaUnit): (tr: Translator) => string {
  return (tr) => formatQuotaAmount(n, unit, tr);
}

function periodIn(period: QuotaPeriod): (tr: Translator) => string {
  return (tr) => periodWords(period, tr);
}

/**
 * What a request is charged for: its length, model and size (a bare number is a length on the default model,
 * priced at the model's size-independent price).
 */
export type Chargeable = number | { seconds: number; model?: string; resolution?: string };

/** What `reserve` answers: the user's standing after the charge, and the charge itself in the quota unit. */
export type Reservation = QuotaStatus & { cost: number };

/**
 * `spaces`: the platform's word for the places a global limit spans (Formatter `words.spaces`); `tr`: the
 * reader's language (English by default).
 */
export function describeQuota(
  status: QuotaStatus,
  spaces: string,
  tr: Translator = translator('en'),
): string {
  return render(
    text('core.quota.show', {
      used: status.used,
      limit: amountIn(status.limit, status.unit),
      when: periodIn(status.period),
      global: status.global === undefined ? 'no' : 'yes',
      spaces,
      globalUsed: status.global?.used ?? 0,
      globalLimit: status.global ? amountIn(status.global.limit, status.unit) : '',
      resets: status.resetsAt === undefined ? 'no' : 'yes',
      at: resetTimeIn(status.resetsAt),
    }),
    tr,
  );
}

export function describeGlobalQuota(
  status: GlobalQuotaStatus,
  spaces: string,
  tr: Translator = translator('en'),
): string {
  const common = {
    spaces,
    when: periodIn(status.period),
    resets: status.resetsAt === undefined ? 'no' : 'yes',
    at: resetTimeIn(status.resetsAt),
  };
  if (status.limit === undefined) {
    return render(
      text('core.quota.showGlobalUnlimited', { ...common, used: amountIn(status.used, status.unit) }),
      tr,
    );
  }
  return render(
    text('core.quota.showGlobal', {
      ...common,
      used: status.used,
      limit: amountIn(status.limit, status.unit),
      source: status.limitSource === 'owner' ? 'owner' : 'default',
    }),
    tr,
  );
}

const limitSchema = z.number().int().nonnegative();

/** The highest global limit an owner may give a user (as high as QUOTA_GLOBAL_PER_USER itself may be). */
export const GLOBAL_LIMIT_MAX = 1_000_000;

/** A counter with no limit still counts: its limit is one no request reaches. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** The ledger scopes of the user everywhere and of the whole bot; no platform's scope starts this way. */
export function globalScopeKey(subject: GlobalSubject): string {
  return `global:${subject.platform}:${subject.userId}`;
}
export const BUDGET_SCOPE = 'budget';

/** The counters each reservation charges, in this order. */
const CHARGE_ORDER: readonly QuotaLimitKind[] = ['space', 'global', 'budget'];
/** Which refusal a user reads when several limits are reached: the one that binds the most people. */
const REFUSAL_ORDER: readonly QuotaLimitKind[] = ['budget', 'global', 'space'];

export type QuotaService = ReturnType<typeof createQuotaService>;

export function createQuotaService(deps: QuotaServiceDeps) {
  const { ledger, state, config, logger } = deps;
  const now = deps.now ?? Date.now;
  // The keys keyv's `cfg` namespace wrote, so overrides set before read the same.
  const userKey = (s: QuotaSubject) => `cfg:quota-user:${scopeKey(s)}`;
  const spaceKey = (s: Pick<QuotaSubject, 'platform' | 'spaceId'>) =>
    `cfg:quota-default:${s.platform}:${s.spaceId}`;
  const globalKey = (s: GlobalSubject) => `cfg:quota-global:${s.platform}:${s.userId}`;

  /** A stored override, or undefined when there is none (or it is not a limit at all). */
  const asLimit = (value: unknown): number | undefined => {
    const parsed = limitSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  const override = async (key: string) => asLimit(await state.get(key));

  function spaceLimit(
    user: number | undefined,
    space: number | undefined,
  ): { limit: number; source: QuotaStatus['limitSource'] } {
    if (user !== undefined) return { limit: user, source: 'user' };
    if (space !== undefined) return { limit: space, source: 'space' };
    return { limit: config.defaultLimit, source: 'default' };
  }

  function globalLimit(owner: number | undefined): {
    limit: number | undefined;
    source: GlobalQuotaStatus['limitSource'];
  } {
    if (owner !== undefined) return { limit: owner, source: 'owner' };
    if (config.globalPerUser !== undefined) return { limit: config.globalPerUser, source: 'default' };
    return { limit: undefined, source: 'none' };
  }

  /**
   * The user's limit here and everywhere, from the three overrides read in one round trip: a reservation
   * needs both, and under a burst each read waits its turn on the store.
   */
  async function resolveLimits(subject: QuotaSubject) {
    const [user, space, owner] = (
      await state.getMany([userKey(subject), spaceKey(subject), globalKey(subject)])
    ).map(asLimit);
    return { here: spaceLimit(user, space), global: globalLimit(owner) };
  }

  const resolveGlobalLimit = async (subject: GlobalSubject) =>
    globalLimit(await override(globalKey(subject)));

  /** A request's amount in the quota unit: 1 video, N seconds, or its price in credits (PRICES). */
  function costOf(what: Chargeable): number {
    const request: PricedRequest =
      typeof what === 'number'
        ? { seconds: what, model: config.defaultModel, resolution: '' }
        : {
            seconds: what.seconds,
            model: what.model ?? config.defaultModel,
            resolution: what.resolution ?? '',
          };
    if (config.unit === 'videos') return 1;
    if (config.unit === 'seconds') return request.seconds;
    const price = priceOf(config.prices, request);
    // The config refuses a table that leaves an offered model unpriced: this is a request it never offers.
    if (price === undefined)
      throw new BotError(
        'misconfigured',
        `PRICES has no price for ${request.model} at ${request.resolution}`,
        {
          userMessage: text('core.quota.noPrice'),
        },
      );
    return price;
  }

  const isAdmin = isAdminOf(deps.ownerIds);
  const isOwner = (actor: QuotaActor): boolean => deps.ownerIds.includes(`${actor.platform}:${actor.userId}`);
  const adminOnly = (actor: QuotaActor, action: string) =>
    requireAdmin(
      isAdmin,
      actor,
      { area: 'quota', action, userMessage: text('core.quota.adminOnly') },
      logger,
    );
  // A space's admins rule their own space only: a limit across every space is the bot owners' alone.
  const ownerOnly = (actor: QuotaActor, action: string) =>
    requireAdmin(
      isOwner,
      actor,
      {
        area: 'quota-global',
        action,
        userMessage: text('core.quota.ownerOnlyGlobal'),
      },
      logger,
    );

  /** Stores a new limit under `key`; every change is logged with who made it and the old value. */
  async function changeLimit(
    key: string,
    value: number,
    fields: Record<string, string>,
  ): Promise<{ old: number | undefined; new: number }> {
    const old = await override(key);
    await state.set(key, value);
    logger.info({ ...fields, old, new: value }, 'quota changed');
    return { old, new: value };
  }

  /** Clears a scope's usage in the current window (an admin's or owner's reset), logged like a change. */
  async function clearUsage(scope: string, fields: Record<string, string>): Promise<{ old: number }> {
    const window = quotaWindow(config.period, now());
    const old = await ledger.used(scope, window.label);
    await ledger.reset(scope, window.label);
    logger.info({ ...fields, old, new: 0 }, 'quota changed');
    return { old };
  }

  function checkLimit(limit: number, max = config.maxLimit): number {
    if (!Number.isInteger(limit) || limit < 0 || limit > max) {
      throw new InvalidInputError('limit', text('core.quota.limitRange', { max }));
    }
    return limit;
  }

  async function status(subject: QuotaSubject): Promise<QuotaStatus> {
    const window = quotaWindow(config.period, now());
    const [
      {
        here: { limit, source },
        global,
      },
      used,
    ] = await Promise.all([resolveLimits(subject), ledger.used(scopeKey(subject), window.label)]);
    return {
      used,
      limit,
      unit: config.unit,
      period: config.period,
      resetsAt: window.resetsAt,
      limitSource: source,
      ...(global.limit === undefined
        ? {}
        : {
            global: {
              used: await ledger.used(globalScopeKey(subject), window.label),
              limit: global.limit,
              platform: subject.platform,
            },
          }),
    };
  }

  async function globalStatus(subject: GlobalSubject): Promise<GlobalQuotaStatus> {
    const window = quotaWindow(config.period, now());
    const [{ limit, source }, used] = await Promise.all([
      resolveGlobalLimit(subject),
      ledger.used(globalScopeKey(subject), window.label),
    ]);
    return {
      used,
      limit,
      unit: config.unit,
      period: config.period,
      resetsAt: window.resetsAt,
      limitSource: source,
    };
  }

  async function budget(): Promise<BudgetStatus> {
    const window = quotaWindow(config.period, now());
    return {
      used: await ledger.used(BUDGET_SCOPE, window.label),
      limit: config.budget,
      unit: config.unit,
      period: config.period,
      resetsAt: window.resetsAt,
    };
  }

  /** The sentence a refused user reads, for the limit that refused (the bot's budget first: it binds everyone). */
  function refusal(
    which: QuotaLimitKind,
    subject: QuotaSubject,
    figures: { used: number; limit: number; cost: number; seconds: number; resetsAt: number | undefined },
  ): Text {
    const { used, limit, cost, seconds, resetsAt } = figures;
    const unit = config.unit;
    const when = periodIn(config.period);
    const at = resetTimeIn(resetsAt);
    if (which === 'budget') {
      // In seconds or credits a smaller video may still fit: say what this one needs rather than "no new requests".
      const partly = unit !== 'videos' && limit > used;
      return text('core.quota.budgetUsed', {
        when,
        used,
        limit: amountIn(limit, unit),
        need: partly ? unit : 'none',
        cost: amountIn(cost, unit),
        partly: partly ? 'yes' : 'no',
        resets: resetsAt === undefined ? 'no' : 'yes',
        at,
      });
    }
    // The core has no platform words: neutral ones, which read right on every platform.
    const scope = which === 'global' ? 'global' : 'space';
    if (limit === 0) return text(which === 'global' ? 'core.quota.zeroGlobal' : 'core.quota.zeroHere');
    const reset: TextValue = resetsAt === undefined ? '' : text('core.quota.reset', { scope, at });
    const left = text('core.quota.left', {
      left: amountIn(Math.max(0, limit - used), unit),
      limit: amountIn(limit, unit),
      scope,
      when,
      reset,
    });
    switch (unit) {
      case 'videos':
        return text('core.quota.usedVideos', { used, limit: amountIn(limit, unit), scope, when, reset });
      case 'seconds':
        return text('core.quota.needSeconds', { seconds, cost: amountIn(cost, unit), left });
      case 'credits':
        return text('core.quota.costCredits', { cost: amountIn(cost, unit), left });
    }
  }

  return {
    unit: config.unit,
    isAdmin,
    isOwner,
    status,
    globalStatus,
    budget,
    costOf,

    /**
     * Reserves the cost of one job on the user here, the user everywhere and the whole bot, all or none;
     * throws a QuotaExceededError naming the limit that refused, the usage and the reset time.
     */
    async reserve(subject: QuotaSubject, reservationId: string, what: Chargeable): Promise<Reservation> {
      const seconds = typeof what === 'number' ? what : what.seconds;
      const window = quotaWindow(config.period, now());
      const {
        here: { limit, source },
        global,
      } = await resolveLimits(subject);
      const cost = costOf(what);
      // The charges follow CHARGE_ORDER.
      const request = {
        reservationId,
        charges: [
          { scope: scopeKey(subject), window: window.label, limit },
          { scope: globalScopeKey(subject), window: window.label, limit: global.limit ?? UNLIMITED },
          { scope: BUDGET_SCOPE, window: window.label, limit: config.budget ?? UNLIMITED },
        ],
        cost,
        // Keep a finished window's counters a while for /quota show history; lifetime ones for ten years.
        expiresAt: (window.resetsAt ?? now() + 3650 * 86_400_000) + 7 * 86_400_000,
      };
      const result = await ledger.reserve(request);
      const [used = 0, globalUsed = 0] = result.used;
      if (!result.ok) {
        const over = overLimit(request, result.used);
        // Several may refuse at once: the budget binds everyone, then the user's limit everywhere, then here.
        const which = REFUSAL_ORDER.find((k) => over.includes(CHARGE_ORDER.indexOf(k))) ?? 'space';
        const index = CHARGE_ORDER.indexOf(which);
        const figures = {
          used: result.used[index] ?? 0,
          limit: request.charges[index]?.limit ?? limit,
          cost,
          seconds,
          resetsAt: window.resetsAt,
        };
        const detail = { used: figures.used, limit: figures.limit, cost };
        if (which === 'budget') {
          logger.warn(
            { ...subject, ...detail, period: config.period, resetsAt: window.resetsAt },
            'budget reached: request refused',
          );
        } else logger.info({ ...subject, ...detail, limitKind: which }, 'quota refused');
        throw new QuotaExceededError(
          which,
          `${which} quota exceeded for ${which === 'budget' ? 'the bot' : scopeKey(subject)}`,
          refusal(which, subject, figures),
          detail,
        );
      }
      return {
        used,
        limit,
        unit: config.unit,
        period: config.period,
        resetsAt: window.resetsAt,
        limitSource: source,
        ...(global.limit === undefined
          ? {}
          : { global: { used: globalUsed, limit: global.limit, platform: subject.platform } }),
        cost,
      };
    },

    commit: (reservationId: string) => ledger.commit(reservationId),
    refund: (reservationId: string) => ledger.refund(reservationId),

    async setUserLimit(actor: QuotaActor, target: QuotaSubject, limit: number) {
      adminOnly(actor, 'set');
      return changeLimit(userKey(target), checkLimit(limit), {
        action: 'quota set',
        actor: scopeKey(actor),
        target: scopeKey(target),
      });
    },

    async resetUsage(actor: QuotaActor, target: QuotaSubject) {
      adminOnly(actor, 'reset');
      return clearUsage(scopeKey(target), {
        action: 'quota reset',
        actor: scopeKey(actor),
        target: scopeKey(target),
      });
    },

    async setSpaceDefault(actor: QuotaActor, limit: number) {
      adminOnly(actor, 'default');
      return changeLimit(spaceKey(actor), checkLimit(limit), {
        action: 'quota default',
        actor: scopeKey(actor),
        space: `${actor.platform}:${actor.spaceId}`,
      });
    },

    /** A user's usage across every space: anyone may see their own, only owners someone else's. */
    async showGlobal(actor: QuotaActor, target: GlobalSubject): Promise<GlobalQuotaStatus> {
      if (target.platform !== actor.platform || target.userId !== actor.userId)
        ownerOnly(actor, 'global show');
      return globalStatus(target);
    },

    async setGlobalLimit(actor: QuotaActor, target: GlobalSubject, limit: number) {
      ownerOnly(actor, 'global set');
      return changeLimit(globalKey(target), checkLimit(limit, GLOBAL_LIMIT_MAX), {
        action: 'quota global set',
        actor: scopeKey(actor),
        target: globalScopeKey(target),
      });
    },

    async resetGlobalUsage(actor: QuotaActor, target: GlobalSubject) {
      ownerOnly(actor, 'global reset');
      return clearUsage(globalScopeKey(target), {
        action: 'quota global reset',
        actor: scopeKey(actor),
        target: globalScopeKey(target),
      });
    },
  };
}
