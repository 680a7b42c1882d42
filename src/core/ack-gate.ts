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
  const waiting = new Set<() => void>();
  let checkScheduled = false;

  // One turn of the event loop first: interactions already received in the same read of the socket are
  // dispatched before the held work resumes, so they count as pending.
  function scheduleCheck(): void {
    if (checkScheduled || waiting.size === 0) return;
    checkScheduled = true;
    setImmediate(() => {
      checkScheduled = false;
      if (pending > 0) return;
      // A few at a time, a turn of the loop apart: a burst's held work released at once ran for hundreds of
      // milliseconds without a break, and an invocation arriving meanwhile waited for all of it.
      for (const release of [...waiting].slice(0, RELEASE_PER_TURN)) release();
      scheduleCheck();
    });
  }

  return {
    arrive() {
      pending++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        pending--;
        if (pending === 0) scheduleCheck();
      };
    },
    afterAcks() {
      return new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer);
          waiting.delete(release);
          resolve();
        };
        const timer = setTimeout(release, maxWaitMs);
        waiting.add(release);
        if (pending === 0) scheduleCheck();
      });
    },
    get pending() {
      return pending;
    },
  };
}
