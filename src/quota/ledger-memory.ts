import {
  counterKey,
  RESERVATION_RETENTION_MS,
  validateReserveRequest,
  type QuotaLedger,
  type ReservationRecord,
  type ReservationState,
  type ReserveRequest,
  type ReserveResult,
} from './ledger.js';

/**
 * The ledger in a Map, for tests and single-process runs. Every method does its work synchronously
 * before its first await, so each operation is atomic within the process. Nothing survives a restart.
 */

interface Usage {
  used: number;
  /** Bumped by every reset; a refund only gives back to the epoch its reservation was charged in. */
  epoch: number;
  expiresAt: number;
}

interface Reservation {
  /** Each counter charged, with the epoch it was charged in. */
  charges: Array<{ scope: string; window: string; epoch: number }>;
  cost: number;
  state: ReservationState;
  createdAt: number;
  retainUntil: number;
}

const PRUNE_INTERVAL_MS = 60_000;

/**
 * `clock` decides when counters expire, as `createMemoryState`'s does for its entries. A test that drives the
 * quota service with its own clock passes the same one: counters expire a week after their window resets, so
 * against the wall clock a test pinned to a past date would find its counters already gone.
 */
export function createMemoryLedger(clock: () => number = Date.now): QuotaLedger {
  /** Keyed by `counterKey(scope, window)`. */
  const usage = new Map<string, Usage>();
  const reservations = new Map<string, Reservation>();
  let lastPrune = clock();
  let closed = false;

  function check(): number {
    if (closed) throw new Error('quota ledger is closed');
    const now = clock();
    if (now - lastPrune >= PRUNE_INTERVAL_MS) {
      lastPrune = now;
      for (const [key, entry] of usage) if (entry.expiresAt <= now) usage.delete(key);
      for (const [id, entry] of reservations) if (entry.retainUntil <= now) reservations.delete(id);
    }
    return now;
  }

  function liveUsage(scope: string, window: string, now: number): Usage | undefined {
    const entry = usage.get(counterKey(scope, window));
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  }

  function toRecord(reservationId: string, r: Reservation): ReservationRecord {
    return {
      reservationId,
      charges: r.charges.map(({ scope, window }) => ({ scope, window })),
      cost: r.cost,
      state: r.state,
      createdAt: r.createdAt,
    };
  }

  return {
    async reserve(request: ReserveRequest): Promise<ReserveResult> {
      validateReserveRequest(request);
      const now = check();
      const { reservationId, charges, cost, expiresAt } = request;
      const existing = reservations.get(reservationId);
      const live = charges.map((c) => liveUsage(c.scope, c.window, now));
      const current = live.map((entry) => entry?.used ?? 0);
      if (existing !== undefined) return { ok: existing.state !== 'refunded', used: current };
      // Every counter is checked before any is charged: all or none.
      if (charges.some((c, i) => (current[i] ?? 0) + cost > c.limit)) return { ok: false, used: current };

      const charged = charges.map(({ scope, window }, i) => {
        let entry = live[i];
        if (entry === undefined) {
          const stale = usage.get(counterKey(scope, window));
          entry = { used: 0, epoch: Math.max(now, (stale?.epoch ?? 0) + 1), expiresAt };
          usage.set(counterKey(scope, window), entry);
        }
        entry.used += cost;
        entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
        return { scope, window, epoch: entry.epoch, used: entry.used };
      });
      reservations.set(reservationId, {
        charges: charged.map(({ scope, window, epoch }) => ({ scope, window, epoch })),
        cost,
        state: 'reserved',
        createdAt: now,
        retainUntil: expiresAt + RESERVATION_RETENTION_MS,
      });
      return { ok: true, used: charged.map((c) => c.used) };
    },

    async commit(reservationId: string): Promise<boolean> {
      check();
      const r = reservations.get(reservationId);
      if (r === undefined || r.state !== 'reserved') return false;
      r.state = 'committed';
      return true;
    },

    async refund(reservationId: string): Promise<boolean> {
      const now = check();
      const r = reservations.get(reservationId);
      if (r === undefined || r.state !== 'reserved') return false;
      r.state = 'refunded';
      for (const charge of r.charges) {
        const entry = liveUsage(charge.scope, charge.window, now);
        if (entry !== undefined && entry.epoch === charge.epoch)
          entry.used = Math.max(0, entry.used - r.cost);
      }
      return true;
    },

    async get(reservationId: string): Promise<ReservationRecord | undefined> {
      check();
      const r = reservations.get(reservationId);
      return r === undefined ? undefined : toRecord(reservationId, r);
    },

    async used(scope: string, window: string): Promise<number> {
      const now = check();
      return liveUsage(scope, window, now)?.used ?? 0;
    },

    async reset(scope: string, window: string): Promise<void> {
      const now = check();
      const entry = liveUsage(scope, window, now);
      if (entry === undefined) return;
      entry.used = 0;
      entry.epoch += 1;
    },

    async pending(): Promise<ReservationRecord[]> {
      check();
      const out: ReservationRecord[] = [];
      for (const [id, r] of reservations) if (r.state === 'reserved') out.push(toRecord(id, r));
      // Map order is insertion order, and Array.prototype.sort is stable, so ties keep reservation order.
      return out.sort((a, b) => a.createdAt - b.createdAt);
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
