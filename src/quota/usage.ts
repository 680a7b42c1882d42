import { text } from '../i18n/text.js';
import type { QuotaConfig, QuotaPeriod, QuotaUnit } from '../config.js';
import type { JobRecord, JobStore } from '../jobs/job-store.js';
import type { Logger } from '../log.js';
import type { Platform } from '../platforms.js';
import { isAdminOf, requireAdmin } from './admin.js';
import { priceOf } from './prices.js';
import type { QuotaActor } from './quota.js';
import { quotaWindow, type QuotaWindow } from './window.js';

/**
 * Who used how much in the current quota period, read from the job records (not the ledger, whose counters
 * know neither models nor jobs): a job counts once its reservation is committed (delivered, or cancelled after
 * the video service had it); jobs still holding a reservation are in flight, reported apart; refunded ones
 * cost nothing. A job belongs to the period it was created in, as its reservation does. Records older than
 * JOB_RETENTION_DAYS are pruned, so a long period (month, none) reports what the records still hold.
 *
 * Admins of a space see it (one user's or everyone's); bot owners see the whole bot; the operator CLI sees any
 * of these. Nobody else: a user reads their own standing with /quota show.
 */

export interface UsageFilter {
  platform?: Platform;
  spaceId?: string;
  userId?: string;
}

/** What the command asks for: this space, one user in it, or (bot owners) every space. */
export type UsageScope = { kind: 'space' } | { kind: 'user'; userId: string } | { kind: 'bot' };

export interface UsageTally {
  jobs: number;
  /** In the quota unit: what the jobs were charged (`charged` on the record; older records: 1 video or their seconds). */
  amount: number;
  /** What the jobs cost in credits at their charge (QUOTA_UNIT=credits) or today's PRICES, whatever the unit. */
  credits: number;
}

export interface UsageReport {
  filter: UsageFilter;
  unit: QuotaUnit;
  period: QuotaPeriod;
  window: QuotaWindow;
  /** Committed jobs: what the period's usage is. */
  counted: UsageTally;
  /** Jobs still holding a reservation (waiting, running, or not yet settled): charged, not yet final. */
  inFlight: UsageTally;
  /** Jobs that failed or were cancelled in time and were given back. */
  refunded: number;
  /** Counted jobs by model, most used first. */
  byModel: Array<UsageTally & { model: string }>;
  /** Counted jobs by user (`platform` and `userId`; across spaces in a bot-wide report), most used first. */
  byUser: Array<UsageTally & { platform: string; userId: string }>;
  /** Counted jobs by space, most used first. */
  bySpace: Array<UsageTally & { platform: string; spaceId: string }>;
}

const empty = (): UsageTally => ({ jobs: 0, amount: 0, credits: 0 });

/** What a record was charged in `config.unit`: its `charged` when in that unit, else what that unit charges. */
export function chargedOf(
  record: JobRecord,
  config: Pick<QuotaConfig, 'unit' | 'prices' | 'defaultModel'>,
): number {
  if (record.charged !== undefined && record.charged.unit === config.unit) return record.charged.amount;
  switch (config.unit) {
    case 'videos':
      return 1;
    case 'seconds':
      return record.request.seconds;
    case 'credits':
      return creditsOf(record, config);
  }
}

/** What a record cost in credits: its charge when it was charged in credits, else its price in PRICES. */
export function creditsOf(record: JobRecord, config: Pick<QuotaConfig, 'prices' | 'defaultModel'>): number {
  if (record.charged?.unit === 'credits') return record.charged.amount;
  return (
    priceOf(config.prices, {
      model: record.request.model ?? config.defaultModel,
      seconds: record.request.seconds,
      resolution: record.request.resolution,
    }) ?? 0
  );
}

function add(tally: UsageTally, amount: number, credits: number): void {
  tally.jobs += 1;
  tally.amount += amount;
  tally.credits += credits;
}

function ranked<T extends UsageTally>(groups: Map<string, T>): T[] {
  return [...groups.values()].sort((a, b) => b.amount - a.amount || b.credits - a.credits || b.jobs - a.jobs);
}

/** The report over records already selected by `filter` (the job store's list). */
export function usageOf(
  records: readonly JobRecord[],
  filter: UsageFilter,
  config: QuotaConfig,
  now: number,
): UsageReport {
  const window = quotaWindow(config.period, now);
  const counted = empty();
  const inFlight = empty();
  let refunded = 0;
  const byModel = new Map<string, UsageTally & { model: string }>();
  const byUser = new Map<string, UsageTally & { platform: string; userId: string }>();
  const bySpace = new Map<string, UsageTally & { platform: string; spaceId: string }>();
  for (const record of records) {
    if (record.createdAt < window.startsAt) continue;
    if (window.resetsAt !== undefined && record.createdAt >= window.resetsAt) continue;
    if (record.reservation === 'refunded') {
      refunded += 1;
      continue;
    }
    const amount = chargedOf(record, config);
    const credits = creditsOf(record, config);
    if (record.reservation === 'reserved') {
      add(inFlight, amount, credits);
      continue;
    }
    add(counted, amount, credits);
    const model = record.request.model ?? config.defaultModel;
    const userKey = JSON.stringify([record.platform, record.userId]);
    const spaceKey = JSON.stringify([record.platform, record.spaceId]);
    if (!byModel.has(model)) byModel.set(model, { model, ...empty() });
    if (!byUser.has(userKey))
      byUser.set(userKey, { platform: record.platform, userId: record.userId, ...empty() });
    if (!bySpace.has(spaceKey))
      bySpace.set(spaceKey, { platform: record.platform, spaceId: record.spaceId, ...empty() });
    for (const tally of [byModel.get(model), byUser.get(userKey), bySpace.get(spaceKey)])
      if (tally) add(tally, amount, credits);
  }
  return {
    filter,
    unit: config.unit,
    period: config.period,
    window,
    counted,
    inFlight,
    refunded,
    byModel: ranked(byModel),
    byUser: ranked(byUser),
    bySpace: ranked(bySpace),
  };
}

export interface UsageServiceDeps {
  jobs: JobStore;
  config: QuotaConfig;
  ownerIds: readonly string[];
  logger: Logger;
  now?: () => number;
}

export type UsageService = ReturnType<typeof createUsageService>;

export function createUsageService(deps: UsageServiceDeps) {
  const now = deps.now ?? Date.now;
  const isAdmin = isAdminOf(deps.ownerIds);
  const isOwner = (actor: QuotaActor) => deps.ownerIds.includes(`${actor.platform}:${actor.userId}`);

  async function report(filter: UsageFilter): Promise<UsageReport> {
    const records = await deps.jobs.list(filter, Number.POSITIVE_INFINITY);
    return usageOf(records, filter, deps.config, now());
  }

  return {
    /** Any scope, no questions asked: for the operator, who holds the store. */
    report,

    /** A space's admins see it (everyone's or one user's); bot owners see the whole bot too. */
    async forActor(actor: QuotaActor, scope: UsageScope): Promise<UsageReport> {
      if (scope.kind === 'bot') {
        requireAdmin(
          isOwner,
          actor,
          {
            area: 'usage-bot',
            action: 'usage bot',
            userMessage: text('core.usage.ownerOnly'),
          },
          deps.logger,
        );
        return report({});
      }
      requireAdmin(
        isAdmin,
        actor,
        {
          area: 'usage',
          action: scope.kind === 'user' ? 'usage user' : 'usage',
          userMessage: text('core.usage.adminOnly'),
        },
        deps.logger,
      );
      return report({
        platform: actor.platform,
        spaceId: actor.spaceId,
        ...(scope.kind === 'user' ? { userId: scope.userId } : {}),
      });
    },
  };
}
