import type { Redis } from 'ioredis';
import { parseStoreUrl } from '../store/store-url.js';
import type { Logger } from '../log.js';

/**
 * The quota ledger: atomic per-(scope, window) usage counters plus a record of every reservation, kept in
 * the same store as the rest of the bot (the state store's SQLite file, or the same Redis). The state
 * interface has no atomic increment, so each backend uses its own primitives: SQLite `BEGIN IMMEDIATE` transactions,
 * Redis Lua scripts, or plain synchronous Map updates for the in-memory test backend.
 *
 * Life of a reservation: `reserve` charges the window and records the reservation as 'reserved'; when the
 * job delivers, `commit` makes it final; when it fails, `refund` gives the cost back. Both transitions
 * happen at most once, across processes.
 */

export interface ReserveRequest {
  /** Chosen by the caller (the job id), unique. */
  reservationId: string;
  /** e.g. 'discord:guild123:user456' — opaque to the ledger. */
  scope: string;
  /** e.g. '2026-11-25' (day), '2026-W48', '2026-11', 'lifetime' — opaque to the ledger. */
  window: string;
  /** Positive integer (1 video, or N seconds). */
  cost: number;
  /** Integer ≥ 0; reserve succeeds only if used + cost <= limit. */
  limit: number;
  /**
   * Epoch ms after which the window's counters may be garbage-collected (backend TTL). Once past, the
   * window counts as empty again. Reservation records are kept until 30 days after it.
   */
  expiresAt: number;
}

export type ReserveResult =
  { ok: true; /** after reserving */ used: number } | { ok: false; /** current */ used: number };

export type ReservationState = 'reserved' | 'committed' | 'refunded';

export interface ReservationRecord {
  reservationId: string;
  scope: string;
  window: string;
  cost: number;
  state: ReservationState;
  createdAt: number;
}

export interface QuotaLedger {
  /**
   * Charges `cost` to (scope, window) if it fits under `limit`, atomically across processes.
   * Calling it again with a reservationId that already exists charges nothing: it answers ok (with the
   * window's current usage) while that reservation is reserved or committed, and not ok once refunded.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** reserved → committed. Returns true if this call made the transition, false if it was already committed/refunded or unknown. */
  commit(reservationId: string): Promise<boolean>;
  /** reserved → refunded, giving the cost back to its window. Exactly once, even when called concurrently from several processes: only one caller ever gets true. Refunding a committed reservation is refused (false). */
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

/** Rejects requests no backend should store: a bad one would corrupt a counter for good. */
export function validateReserveRequest(request: ReserveRequest): void {
  const { reservationId, scope, window, cost, limit, expiresAt } = request;
  if (typeof reservationId !== 'string' || reservationId === '')
    throw new RangeError('reserve: reservationId must be a non-empty string');
  if (typeof scope !== 'string' || scope === '')
    throw new RangeError('reserve: scope must be a non-empty string');
  if (typeof window !== 'string' || window === '')
    throw new RangeError('reserve: window must be a non-empty string');
  if (!Number.isSafeInteger(cost) || cost <= 0)
    throw new RangeError(`reserve: cost must be a positive integer (got ${cost})`);
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`reserve: limit must be an integer ≥ 0 (got ${limit})`);
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= 0)
    throw new RangeError(`reserve: expiresAt must be an epoch time in ms (got ${expiresAt})`);
}
