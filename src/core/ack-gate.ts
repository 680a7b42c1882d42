/**
 * Holds the work that follows an acknowledgement until the platform has the other acknowledgements too. During a
 * burst, each command's work after its ack (settings and rules, quota reservation, the job record, the upstream
 * submission, the first progress edit) ran on the same main thread, and queued on the same SQLite file, as the
 * later commands' way to their ack, which the platform times (3 s on Discord and Slack) and the user watches. The
 * work that can wait therefore waits until no invocation is on its way to its acknowledgement, or `maxWaitMs`
 * at most, so a steady stream of commands cannot hold it back for good.
 */
export interface AckGate {
  /** An invocation on its way to its acknowledgement; call what it returns once it is acknowledged or answered. */
  arrive(): () => void;
  /** Resolves once no invocation is on its way to its acknowledgement, or after `maxWaitMs`. */
  afterAcks(): Promise<void>;
  /** Invocations on their way to their acknowledgement right now. */
  readonly pending: number;
}

/** Longer than a 500-command burst takes to be acknowledged here, well short of anything a user would notice. */
export const AFTER_ACKS_MAX_WAIT_MS = 1000;

const RELEASE_PER_TURN = 16;

export function createAckGate(options: { maxWaitMs?: number } = {}): AckGate {
  const maxWaitMs = options.maxWaitMs ?? AFTER_ACKS_MAX_WAIT_MS;
  let pending = 0;
  /** Oldest first; all share one wait, so the first is always the first due. */
  const waiting: Array<{ release: () => void; dueAt: number }> = [];
  let turnScheduled = false;
  let timer: NodeJS.Timeout | undefined;

  const releasable = (now: number) =>
    waiting.length > 0 && (pending === 0 || (waiting[0]?.dueAt ?? Infinity) <= now);

  // One turn of the event loop first: interactions already received in the same read of the socket are
  // dispatched before the held work resumes, so they count as pending.
  function scheduleTurn(): void {
    if (turnScheduled || waiting.length === 0) return;
    turnScheduled = true;
    setImmediate(() => {
      turnScheduled = false;
      // A few at a time, a turn of the loop apart, whether released by the last ack or by the wait running
      // out: a burst's held work released at once ran for hundreds of milliseconds without a break, and the
      // invocations arriving meanwhile waited for all of it.
      for (let n = 0; n < RELEASE_PER_TURN && releasable(Date.now()); n++) waiting.shift()?.release();
      if (releasable(Date.now())) scheduleTurn();
      else armTimer();
    });
  }

  function armTimer(): void {
    clearTimeout(timer);
    timer = undefined;
    const first = waiting[0];
    if (!first) return;
    timer = setTimeout(scheduleTurn, Math.max(0, first.dueAt - Date.now()));
  }

  return {
    arrive() {
      pending++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        pending--;
        if (pending === 0) scheduleTurn();
      };
    },
    afterAcks() {
      return new Promise<void>((resolve) => {
        waiting.push({ release: resolve, dueAt: Date.now() + maxWaitMs });
        if (pending === 0) scheduleTurn();
        else if (waiting.length === 1) armTimer();
      });
    },
    get pending() {
      return pending;
    },
  };
}
