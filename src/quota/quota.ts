import { formatCount, formatResetTime } from '../util/format.js';
import { z } from 'zod';
import type { QuotaConfig, QuotaPeriod, QuotaUnit } from '../config.js';
import { BotError, InvalidInputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Platform } from '../platforms.js';
import { isAdminOf, requireAdmin } from './admin.js';
import type { StateStore } from '../store/state.js';
import type { QuotaLedger } from './ledger.js';
import { scopeKey } from './scope.js';
import { quotaWindow } from './window.js';

/**
 * Who may generate how much. Limits resolve user override → space default → QUOTA_DEFAULT; usage lives in
 * the atomic ledger; overrides live in the state store (`cfg:`). Admin-only changes are checked and logged here, so every
 * front end (Discord, Slack, the operator CLI) gets the same rules.
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

export interface QuotaStatus {
  used: number;
  limit: number;
  unit: QuotaUnit;
  period: QuotaPeriod;
  resetsAt: number | undefined;
  limitSource: 'user' | 'space' | 'default';
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

const PERIOD_WORDS: Record<QuotaPeriod, string> = {
  day: 'today',
  week: 'this week',
  month: 'this month',
  none: 'in total',
};

export function formatQuotaAmount(n: number, unit: QuotaUnit): string {
  const word = unit === 'videos' ? (n === 1 ? 'video' : 'videos') : n === 1 ? 'second' : 'seconds';
  return `${formatCount(n)} ${word}`;
}

export function describeQuota(status: QuotaStatus): string {
  const reset =
    status.resetsAt === undefined ? 'It never resets.' : `It resets at ${formatResetTime(status.resetsAt)}.`;
  return `Used ${formatCount(status.used)} of ${formatQuotaAmount(status.limit, status.unit)} ${PERIOD_WORDS[status.period]}. ${reset}`;
}

const limitSchema = z.number().int().nonnegative();

export type QuotaService = ReturnType<typeof createQuotaService>;

export function createQuotaService(deps: QuotaServiceDeps) {
  const { ledger, state, config, logger } = deps;
  const now = deps.now ?? Date.now;
  // The keys keyv's `cfg` namespace wrote, so overrides set before read the same.
  const userKey = (s: QuotaSubject) => `cfg:quota-user:${scopeKey(s)}`;
  const spaceKey = (s: Pick<QuotaSubject, 'platform' | 'spaceId'>) =>
    `cfg:quota-default:${s.platform}:${s.spaceId}`;

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

  function costOf(seconds: number): number {
    return config.unit === 'videos' ? 1 : seconds;
  }

  const isAdmin = isAdminOf(deps.ownerIds);
  const adminOnly = (actor: QuotaActor, action: string) =>
    requireAdmin(
      isAdmin,
      actor,
      { area: 'quota', action, userMessage: 'Only an admin or a bot owner can change quotas.' },
      logger,
    );

  function checkLimit(limit: number): number {
    if (!Number.isInteger(limit) || limit < 0 || limit > config.maxLimit) {
      throw new InvalidInputError(
        'limit',
        `A limit must be a whole number from 0 to ${formatCount(config.maxLimit)}.`,
      );
    }
    return limit;
  }

  async function status(subject: QuotaSubject): Promise<QuotaStatus> {
    const window = quotaWindow(config.period, now());
    const [{ limit, source }, used] = await Promise.all([
      resolveLimit(subject),
      ledger.used(scopeKey(subject), window.label),
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

  return {
    unit: config.unit,
    isAdmin,
    status,
    costOf,

    /** Reserves the cost of one job; throws quota_exceeded with the limit, the usage and the reset time. */
    async reserve(subject: QuotaSubject, reservationId: string, seconds: number): Promise<QuotaStatus> {
      const window = quotaWindow(config.period, now());
      const { limit, source } = await resolveLimit(subject);
      const cost = costOf(seconds);
      const result = await ledger.reserve({
        reservationId,
        scope: scopeKey(subject),
        window: window.label,
        cost,
        limit,
        // Keep a finished window's counters a while for /quota show history; lifetime ones for ten years.
        expiresAt: (window.resetsAt ?? now() + 3650 * 86_400_000) + 7 * 86_400_000,
      });
      const snapshot: QuotaStatus = {
        used: result.used,
        limit,
        unit: config.unit,
        period: config.period,
        resetsAt: window.resetsAt,
        limitSource: source,
      };
      if (!result.ok) {
        const reset =
          window.resetsAt === undefined ? '' : ` Your quota resets at ${formatResetTime(window.resetsAt)}.`;
        const userMessage =
          limit === 0
            ? 'You are not allowed to generate videos here (your quota is 0). Ask an admin if that is a mistake.'
            : config.unit === 'videos'
              ? `You have used ${formatCount(result.used)} of your ${formatQuotaAmount(limit, 'videos')} ${PERIOD_WORDS[config.period]}.${reset}`
              : `This ${seconds}-second video needs ${formatQuotaAmount(cost, 'seconds')}, but you have ${formatQuotaAmount(Math.max(0, limit - result.used), 'seconds')} left of your ${formatQuotaAmount(limit, 'seconds')} ${PERIOD_WORDS[config.period]}.${reset}`;
        logger.info({ ...subject, used: result.used, limit, cost }, 'quota refused');
        throw new BotError('quota_exceeded', `quota exceeded for ${scopeKey(subject)}`, {
          userMessage,
          detail: { used: result.used, limit, cost },
        });
      }
      return snapshot;
    },

    commit: (reservationId: string) => ledger.commit(reservationId),
    refund: (reservationId: string) => ledger.refund(reservationId),

    async setUserLimit(actor: QuotaActor, target: QuotaSubject, limit: number) {
      adminOnly(actor, 'set');
      const value = checkLimit(limit);
      const old = await override(userKey(target));
      await state.set(userKey(target), value);
      logger.info(
        { action: 'quota set', actor: scopeKey(actor), target: scopeKey(target), old, new: value },
        'quota changed',
      );
      return { old, new: value };
    },

    async resetUsage(actor: QuotaActor, target: QuotaSubject) {
      adminOnly(actor, 'reset');
      const window = quotaWindow(config.period, now());
      const old = await ledger.used(scopeKey(target), window.label);
      await ledger.reset(scopeKey(target), window.label);
      logger.info(
        { action: 'quota reset', actor: scopeKey(actor), target: scopeKey(target), old, new: 0 },
        'quota changed',
      );
      return { old };
    },

    async setSpaceDefault(actor: QuotaActor, limit: number) {
      adminOnly(actor, 'default');
      const value = checkLimit(limit);
      const old = await override(spaceKey(actor));
      await state.set(spaceKey(actor), value);
      logger.info(
        {
          action: 'quota default',
          actor: scopeKey(actor),
          space: `${actor.platform}:${actor.spaceId}`,
          old,
          new: value,
        },
        'quota changed',
      );
      return { old, new: value };
    },
  };
}
