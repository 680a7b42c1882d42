/**
 * Jobs waiting for an upstream slot, served fairly by user: each user's jobs stay in their order, and when a
 * slot frees, the user served least recently goes first, so one person's burst of six cannot hold back
 * someone else's single request. Nobody is chosen as next before a slot frees: whoever joins meanwhile is
 * weighed too.
 */
export interface QueueEntry {
  id: string;
  /** Whose turn this counts against: platform, space and user. */
  userKey: string;
}

/** Never served (or forgotten) sorts before any serve; such users go in the order they joined. */
const NEVER = -1;

export function createFairQueue<T extends QueueEntry>() {
  /** Users with waiting jobs, in the order they joined the line (Map order breaks ties between them). */
  const byUser = new Map<string, T[]>();
  /** When each user last had a job started, as a serial (not a clock: ties would be ambiguous). */
  const lastServed = new Map<string, number>();
  let serial = 0;
  let size = 0;

  /** Users with waiting jobs, whose turn comes first first. */
  function turnOrder(): string[] {
    const served = (userKey: string) => lastServed.get(userKey) ?? NEVER;
    // Array.prototype.sort is stable, so equal serials keep their join order.
    return [...byUser.keys()].sort((a, b) => served(a) - served(b));
  }

  function markServed(userKey: string): void {
    lastServed.set(userKey, ++serial);
  }

  return {
    get size(): number {
      return size;
    },

    push(entry: T): void {
      const list = byUser.get(entry.userKey);
      if (list) list.push(entry);
      else byUser.set(entry.userKey, [entry]);
      size++;
    },

    /** A job of `userKey` took a slot without waiting in line (or was already upstream): it counts as a turn. */
    served: markServed,

    /** The user has nothing waiting or running any more: they count as never served when they come back. */
    forget(userKey: string): void {
      if (!byUser.has(userKey)) lastServed.delete(userKey);
    },

    /** The next job: the front of the list of the user served least recently. */
    shift(): T | undefined {
      const userKey = turnOrder()[0];
      if (userKey === undefined) return undefined;
      const list = byUser.get(userKey)!;
      const entry = list.shift()!;
      size--;
      if (list.length === 0) byUser.delete(userKey);
      markServed(userKey);
      return entry;
    },

    remove(id: string): T | undefined {
      for (const [userKey, list] of byUser) {
        const index = list.findIndex((e) => e.id === id);
        if (index < 0) continue;
        const [entry] = list.splice(index, 1);
        size--;
        if (list.length === 0) byUser.delete(userKey);
        return entry;
      }
      return undefined;
    },

    countFor(userKey: string): number {
      return byUser.get(userKey)?.length ?? 0;
    },

    /**
     * How many jobs will start before each waiting job (0 = next), if nobody else joins: each user served
     * goes to the back, so it is round by round through the users in turn order.
     */
    positions(): Map<string, number> {
      const result = new Map<string, number>();
      const turns = turnOrder().map((u) => byUser.get(u)!);
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
