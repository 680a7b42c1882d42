import { formatCount, formatResetTime } from '../util/format.js';
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
    userMessage: string,
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

export const PERIOD_WORDS: Record<QuotaPeriod, string> = {
  day: 'today',
  week: 'this week',
  month: 'this month',
  none: 'in total',
};

const UNIT_WORDS: Record<QuotaUnit, [one: string, many: string]> = {
  videos: ['video', 'videos'],
  seconds: ['second', 'seconds'],
  credits: ['credit', 'credits'],
};

export function formatQuotaAmount(n: number, unit: QuotaUnit): string {
  const [one, many] = UNIT_WORDS[unit];
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * What a request is charged for: its length, model and size (a bare number is a length on the default model,
 * priced at the model's size-independent price).
 */
export type Chargeable = number | { seconds: number; model?: string; resolution?: string };

/** What `reserve` answers: the user's standing after the charge, and the charge itself in the quota unit. */
export type Reservation = QuotaStatus & { cost: number };

/** `spaces`: the platform's word for the places a global limit spans (Formatter `words.spaces`). */
export function describeQuota(status: QuotaStatus, spaces: string): string {
  const reset =
    status.resetsAt === undefined ? 'It never resets.' : `It resets at ${formatResetTime(status.resetsAt)}.`;
  const global =
    status.global === undefined
      ? ''
      : ` Across all ${spaces}: ${formatCount(status.global.used)} of ${formatQuotaAmount(status.global.limit, status.unit)}.`;
  return `Used ${formatCount(status.used)} of ${formatQuotaAmount(status.limit, status.unit)} ${PERIOD_WORDS[status.period]}.${global} ${reset}`;
}

export function describeGlobalQuota(status: GlobalQuotaStatus, spaces: string): string {
  const reset =
    status.resetsAt === undefined ? 'It never resets.' : `It resets at ${formatResetTime(status.resetsAt)}.`;
  if (status.limit === undefined)
    return `Used ${formatQuotaAmount(status.used, status.unit)} across all ${spaces} ${PERIOD_WORDS[status.period]}, with no global limit. ${reset}`;
  const source = status.limitSource === 'owner' ? 'set by a bot owner' : 'the default';
  return `Used ${formatCount(status.used)} of ${formatQuotaAmount(status.limit, status.unit)} across all ${spaces} ${PERIOD_WORDS[status.period]} (${source}). ${reset}`;
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
  async function override(key: string): Promise<number | undefined> {
    const parsed = limitSchema.safeParse(await state.get(key));
    return parsed.success ? parsed.data : undefined;
  }

  async function resolveLimit(
    subject: QuotaSubject,
  ): Promise<{ limit: number; source: QuotaStatus['limitSource'] }> {
    const [user, space] = await Promise.all([override(userKey(subject)), override(spaceKey(subject))]);
    if (user !== undefined) return { limit: user, source: 'user' };
    if (space !== undefined) return { limit: space, source: 'space' };
    return { limit: config.defaultLimit, source: 'default' };
  }

  async function resolveGlobalLimit(
    subject: GlobalSubject,
  ): Promise<{ limit: number | undefined; source: GlobalQuotaStatus['limitSource'] }> {
    const owner = await override(globalKey(subject));
    if (owner !== undefined) return { limit: owner, source: 'owner' };
    if (config.globalPerUser !== undefined) return { limit: config.globalPerUser, source: 'default' };
    return { limit: undefined, source: 'none' };
  }

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
          userMessage: 'This bot has no price for that model and size, so it cannot make that video.',
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
      { area: 'quota', action, userMessage: 'Only an admin or a bot owner can change quotas.' },
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
        userMessage: 'Only a bot owner can see or change a user’s limit everywhere this bot runs.',
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
      throw new InvalidInputError('limit', `A limit must be a whole number from 0 to ${formatCount(max)}.`);
    }
    return limit;
  }

  async function status(subject: QuotaSubject): Promise<QuotaStatus> {
    const window = quotaWindow(config.period, now());
    const [{ limit, source }, used, global] = await Promise.all([
      resolveLimit(subject),
      ledger.used(scopeKey(subject), window.label),
      resolveGlobalLimit(subject),
    ]);
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
  ): string {
    const { used, limit, cost, seconds, resetsAt } = figures;
    const when = PERIOD_WORDS[config.period];
    if (which === 'budget') {
      const reset =
        resetsAt === undefined
          ? ' It does not reset: an operator has to raise it.'
          : ` It resets at ${formatResetTime(resetsAt)}.`;
      // In seconds or credits a smaller video may still fit: say what this one needs rather than "no new requests".
      const partly = config.unit !== 'videos' && limit > used;
      const need = !partly
        ? ''
        : config.unit === 'credits'
          ? `; this video costs ${formatQuotaAmount(cost, 'credits')}`
          : `; this video needs ${formatQuotaAmount(cost, 'seconds')}`;
      return `The bot has used its video budget ${when} (${formatCount(used)} of ${formatQuotaAmount(limit, config.unit)}${need}), so it cannot take ${partly ? 'this request' : 'new requests'}.${reset}`;
    }
    const reset =
      resetsAt === undefined
        ? ''
        : ` Your ${which === 'global' ? 'limit' : 'quota'} resets at ${formatResetTime(resetsAt)}.`;
    // The core has no platform words: neutral ones, which read right on every platform.
    const where = which === 'global' ? ' everywhere you use this bot' : '';
    if (limit === 0) {
      return which === 'global'
        ? `You are not allowed to generate videos (your limit everywhere you use this bot is 0). Ask the bot’s owner if that is a mistake.`
        : 'You are not allowed to generate videos here (your quota is 0). Ask an admin if that is a mistake.';
    }
    const left = `${formatQuotaAmount(Math.max(0, limit - used), config.unit)} left of your ${formatQuotaAmount(limit, config.unit)}${where} ${when}.${reset}`;
    switch (config.unit) {
      case 'videos':
        return `You have used ${formatCount(used)} of your ${formatQuotaAmount(limit, 'videos')}${where} ${when}.${reset}`;
      case 'seconds':
        return `This ${seconds}-second video needs ${formatQuotaAmount(cost, 'seconds')}, but you have ${left}`;
      case 'credits':
        return `This video costs ${formatQuotaAmount(cost, 'credits')}, but you have ${left}`;
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
      const [{ limit, source }, global] = await Promise.all([
        resolveLimit(subject),
        resolveGlobalLimit(subject),
      ]);
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
