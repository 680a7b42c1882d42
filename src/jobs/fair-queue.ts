/**
 * Jobs waiting for an upstream slot, served round-robin by user: each user's jobs stay in their order, and
 * users take turns, so one person's burst of six cannot hold back someone else's single request.
 */
export interface QueueEntry {
  id: string;
  /** Whose turn this counts against: platform, space and user. */
  userKey: string;
}

export function createFairQueue<T extends QueueEntry>() {
  const byUser = new Map<string, T[]>();
  /** Users with waiting jobs, in turn order; `cursor` points at whose turn is next. */
  const order: string[] = [];
  let cursor = 0;
  let size = 0;

  return {
    get size(): number {
      return size;
    },

    push(entry: T): void {
      const list = byUser.get(entry.userKey);
      if (list) {
        list.push(entry);
      } else {
        byUser.set(entry.userKey, [entry]);
        // A newcomer takes the last turn of the current round, just before the cursor comes round again.
        order.splice(cursor, 0, entry.userKey);
        cursor = (cursor + 1) % order.length;
      }
      size++;
    },

    /** The next job: the front of the list of the user whose turn it is. */
    shift(): T | undefined {
      if (order.length === 0) return undefined;
      const userKey = order[cursor]!;
      const list = byUser.get(userKey)!;
      const entry = list.shift()!;
      size--;
      if (list.length === 0) {
        byUser.delete(userKey);
        order.splice(cursor, 1);
        if (cursor >= order.length) cursor = 0;
      } else {
        cursor = (cursor + 1) % order.length;
      }
      return entry;
    },

    remove(id: string): T | undefined {
      for (const [userKey, list] of byUser) {
        const index = list.findIndex((e) => e.id === id);
        if (index < 0) continue;
        const [entry] = list.splice(index, 1);
        size--;
        if (list.length === 0) {
          byUser.delete(userKey);
          const at = order.indexOf(userKey);
          order.splice(at, 1);
          if (at < cursor) cursor--;
          if (cursor >= order.length) cursor = 0;
        }
        return entry;
      }
      return undefined;
    },

    countFor(userKey: string): number {
      return byUser.get(userKey)?.length ?? 0;
    },

    /** How many jobs will start before each waiting job (0 = next), in one pass over the queue. */
    positions(): Map<string, number> {
      const result = new Map<string, number>();
      const turns = [...order.slice(cursor), ...order.slice(0, cursor)].map((u) => byUser.get(u)!);
      let position = 0;
      for (let round = 0; position < size; round++) {
        for (const list of turns) {
          const entry = list[round];
          if (entry) result.set(entry.id, position++);
        }
      }
      return result;
    },

    /** Every waiting job in the order it will start. */
    ordered(): T[] {
      const positions = this.positions();
      const all = [...byUser.values()].flat();
      return all.sort((a, b) => positions.get(a.id)! - positions.get(b.id)!);
    },
  };
}
export type FairQueue<T extends QueueEntry> = ReturnType<typeof createFairQueue<T>>;
