/**
 * Acknowledgements before follow-up work. Slack gives each request 3 s for its HTTP answer, and a burst of
 * slash commands shares one thread: a job's follow-up (its record, the first post, the upstream call) run
 * as soon as its own command is acknowledged takes the CPU from the commands still waiting for theirs, so
 * the last acks of a burst wait for the first jobs' work. Here, work after an acknowledgement waits until no
 * Slack request is waiting for its answer and none arrived for `quietMs` (a burst comes in over a while),
 * and never longer than `maxWaitMs`: a job starts a little later, its command is answered sooner. The cap is
 * below Slack's 3 s so that, however long a burst, no job waits longer than its own ack may take.
 */

/** What the gate needs of a response: node:http's ServerResponse says when it is written or dropped. */
export interface TrackedResponse {
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

export interface AckFirst {
  /** Counts a request from its arrival until its response is written (or its connection closes). */
  track(res: TrackedResponse): void;
  /** Resolves once no request waits for its acknowledgement (or after maxWaitMs). */
  afterAcks(): Promise<void>;
}

export const ACK_FIRST_QUIET_MS = 10;
export const ACK_FIRST_MAX_WAIT_MS = 2000;

export function createAckFirst(
  options: { quietMs?: number; maxWaitMs?: number; now?: () => number } = {},
): AckFirst {
  const quietMs = options.quietMs ?? ACK_FIRST_QUIET_MS;
  const maxWaitMs = options.maxWaitMs ?? ACK_FIRST_MAX_WAIT_MS;
  const now = options.now ?? Date.now;
  let unanswered = 0;
  let lastArrival = -Infinity;
  let waiters: (() => void)[] = [];
  let quietTimer: NodeJS.Timeout | undefined;

  const releaseAll = () => {
    const released = waiters;
    waiters = [];
    for (const release of released) release();
  };
  /** Releases the waiters once the receiver is idle: nothing unanswered, nothing new for quietMs. */
  const check = () => {
    if (unanswered > 0 || waiters.length === 0) return;
    clearTimeout(quietTimer);
    const left = lastArrival + quietMs - now();
    if (left <= 0) releaseAll();
    else quietTimer = setTimeout(check, left);
  };

  return {
    track(res) {
      unanswered += 1;
      lastArrival = now();
      clearTimeout(quietTimer);
      let open = true;
      const done = () => {
        if (!open) return;
        open = false;
        unanswered -= 1;
        check();
      };
      res.once('finish', done);
      res.once('close', done);
    },
    afterAcks() {
      return new Promise<void>((resolve) => {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          clearTimeout(deadline);
          resolve();
        };
        const deadline = setTimeout(() => {
          waiters = waiters.filter((w) => w !== release);
          release();
        }, maxWaitMs);
        waiters.push(release);
        // A turn of the event loop first: requests already read are parsed (and counted) before anything goes.
        setImmediate(check);
      });
    },
  };
}
