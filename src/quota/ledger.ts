import type { Redis } from 'ioredis';
import { parseStoreUrl } from '../store/store-url.js';
import type { Logger } from '../log.js';

/**
 * The quota ledger: atomic per-(scope, window) usage counters plus a record of every reservation, kept in
 * the same store as the rest of the bot (the state store's SQLite file, or the same Redis). The state
 * interface has no atomic increment, so each backend uses its own primitives: SQLite `BEGIN IMMEDIATE` transactions,
 * Redis Lua scripts, or plain synchronous Map updates for the in-memory test backend.
 *
 * Life of a reservation: `reserve` charges its counters (all or none) and records the reservation as
 * 'reserved'; when the job delivers, `commit` makes it final; when it fails, `refund` gives the cost back to
 * every counter. Both transitions happen at most once, across processes.
 */

/** One counter a reservation charges: (scope, window) must stay at or under `limit`. */
export interface LedgerCharge {
  /** e.g. 'discord:guild123:user456', 'global:discord:user456', 'budget' — opaque to the ledger. */
  scope: string;
  /** e.g. '2026-11-25' (day), '2026-W48', '2026-11', 'lifetime' — opaque to the ledger. */
  window: string;
  /** Integer ≥ 0; the charge fits only if used + cost <= limit. */
  limit: number;
}

export interface ReserveRequest {
  /** Chosen by the caller (the job id), unique. */
  reservationId: string;
  /**
   * Every counter this reservation charges (the user in this space, the user everywhere, the whole bot):
   * all of them, or none when any one would go over its limit. Distinct (scope, window) pairs, at least one.
   */
  charges: readonly LedgerCharge[];
  /** Positive integer (1 video, or N seconds), charged to each counter. */
  cost: number;
  /**
   * Epoch ms after which the counters may be garbage-collected (backend TTL). Once past, a window counts as
   * empty again. Reservation records are kept until 30 days after it.
   */
  expiresAt: number;
}

/** `used`: each charge's usage in request order, after reserving when ok, as it stands when not. */
export type ReserveResult = { ok: boolean; used: number[] };

export type ReservationState = 'reserved' | 'committed' | 'refunded';

export interface ReservationRecord {
  reservationId: string;
  /** The counters it charged, in the order it was reserved with. */
  charges: Array<{ scope: string; window: string }>;
  cost: number;
  state: ReservationState;
  createdAt: number;
}

export interface QuotaLedger {
  /**
   * Charges `cost` to every (scope, window) of the request if each fits under its limit, else to none: one
   * atomic step across processes. Calling it again with a reservationId that already exists charges nothing:
   * it answers ok (with the counters' current usage) while that reservation is reserved or committed, and not
   * ok once refunded.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** reserved → committed. Returns true if this call made the transition, false if it was already committed/refunded or unknown. */
  commit(reservationId: string): Promise<boolean>;
  /** reserved → refunded, giving the cost back to every counter it charged. Exactly once, even when called concurrently from several processes: only one caller ever gets true. Refunding a committed reservation is refused (false). */
  refund(reservationId: string): Promise<boolean>;
  get(reservationId: string): Promise<ReservationRecord | undefined>;
  used(scope: string, window: string): Promise<number>;
  /**
   * Sets the window's usage to 0 (admin reset). Later refunds of earlier reservations must not push usage
   * below 0: a refund of a reservation made before the reset still succeeds (state → refunded) but gives
   * nothing back, because the reset already did.
   */
  reset(scope: string, window: string): Promise<void>;
  /** Reservations still in state 'reserved' (for crash recovery), oldest first. */
  pending(): Promise<ReservationRecord[]>;
  close(): Promise<void>;
}

export interface QuotaLedgerOptions {
  /** Redis only: prefix of every key the ledger writes. Default `quota:`. */
  redisPrefix?: string;
  /** Redis only: the process's client, shared rather than a connection of the ledger's own; its owner closes it. */
  redis?: Redis;
  /** Connection trouble (Redis reconnects, SQLite busy retries) is logged here. Default: silent. */
  logger?: Logger;
}

/** How long reservation records outlive their window: long enough to answer late commits and refunds. */
export const RESERVATION_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Opens the ledger for a store URL:
 * - `sqlite://./data/bot.sqlite` (relative to the working directory, or `sqlite:///abs/path`); the
 *   directory is created;
 * - `redis://host:port[/db]` (or `rediss://` for TLS);
 * - `memory://` (one process only; for tests).
 */
export async function createQuotaLedger(
  storeUrl: string,
  options: QuotaLedgerOptions = {},
): Promise<QuotaLedger> {
  const location = parseStoreUrl(storeUrl.trim());
  switch (location.kind) {
    case 'sqlite': {
      const { openSqliteLedger } = await import('./ledger-sqlite.js');
      return openSqliteLedger(location.path, options);
    }
    case 'redis': {
      const { openRedisLedger } = await import('./ledger-redis.js');
      return openRedisLedger(location.url, options);
    }
    case 'memory': {
      const { createMemoryLedger } = await import('./ledger-memory.js');
      return createMemoryLedger();
    }
  }
}

/** The most counters one reservation may charge: a handful by design, and a bound on each backend's work. */
export const MAX_CHARGES = 8;

/** A counter's identity as one string: no (scope, window) pair can collide with another (`a:b`,`c` vs `a`,`b:c`). */
export const counterKey = (scope: string, window: string): string => JSON.stringify([scope, window]);

/** Rejects requests no backend should store: a bad one would corrupt a counter for good. */
export function validateReserveRequest(request: ReserveRequest): void {
  const { reservationId, charges, cost, expiresAt } = request;
  if (typeof reservationId !== 'string' || reservationId === '')
    throw new RangeError('reserve: reservationId must be a non-empty string');
  if (!Array.isArray(charges) || charges.length === 0 || charges.length > MAX_CHARGES)
    throw new RangeError(`reserve: charges must list 1 to ${MAX_CHARGES} counters`);
  const seen = new Set<string>();
  for (const { scope, window, limit } of charges) {
    if (typeof scope !== 'string' || scope === '')
      throw new RangeError('reserve: scope must be a non-empty string');
    if (typeof window !== 'string' || window === '')
      throw new RangeError('reserve: window must be a non-empty string');
    if (!Number.isSafeInteger(limit) || limit < 0)
      throw new RangeError(`reserve: limit must be an integer ≥ 0 (got ${limit})`);
    // Checked before any is charged: the same counter twice would be checked against one cost, charged two.
    const key = counterKey(scope, window);
    if (seen.has(key)) throw new RangeError(`reserve: the counter (${scope}, ${window}) is charged twice`);
    seen.add(key);
  }
  if (!Number.isSafeInteger(cost) || cost <= 0)
    throw new RangeError(`reserve: cost must be a positive integer (got ${cost})`);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= 0)
    throw new RangeError(`reserve: expiresAt must be an epoch time in ms (got ${expiresAt})`);
}

/** Which charges of a refused request did not fit (their indexes), from the usage `reserve` answered. */
export function overLimit(
  request: Pick<ReserveRequest, 'charges' | 'cost'>,
  used: readonly number[],
): number[] {
  return request.charges.flatMap((c, i) => ((used[i] ?? 0) + request.cost > c.limit ? [i] : []));
}
