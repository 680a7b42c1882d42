/**
 * When to poll next. Polls are cheap for us but not free for the provider, and every second between the
 * job finishing and us noticing is a second the user waits. So: poll quickly at first (to catch instant
 * failures), then sparsely, and aim the next poll at the moment the job is predicted to finish — from its
 * reported progress rate when it reports one, or from how long recent jobs took.
 */

export interface PollPolicy {
  /** Delays for the first few polls, then `maxIntervalMs`. */
  warmupDelaysMs: readonly number[];
  maxIntervalMs: number;
  /** Between polls once the predicted finish has passed. */
  overdueIntervalMs: number;
  /**
   * Aim this long after the predicted finish. Small: the prediction is already a finish the samples allow,
   * and its sample times (when answers arrived) run late by the answer's trip.
   */
  landingMarginMs: number;
  /**
   * Where the first poll aimed at the finish lands within the finishes a steady rate allows: 0 the earliest,
   * 1 the latest. The latest never lands early but is late by most of the window (up to a step of rounded-down
   * progress, ~1 % of the job); the true finish sits well inside it. A landing that finds the job running is
   * followed by one aimed at the latest (`missedLanding`), so the middle costs an early landing in ~3 jobs and
   * halves the lateness: with progress checks spread as in production, 148 ms (latest) → 100 (0.8) → 62 ms
   * (0.5) on average for 6.63 → 6.97 polls a job (test/generation/poll-schedule.test.ts); bench:poll's
   * median notice 0.10 → 0.07 s at 3.62 → 3.48 s of job time per poll.
   */
  landingAim: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  warmupDelaysMs: [1000, 2500],
  maxIntervalMs: 5000,
  overdueIntervalMs: 750,
  landingMarginMs: 20,
  landingAim: 0.5,
};

export interface ProgressSample {
  /** ms since submission, when the answer arrived */
  atMs: number;
  /** ms since submission, when its request went out (the provider read the progress in between); `atMs` if unknown */
  sentMs?: number;
  progress: number;
}

/** How many progress samples a job keeps: the first and the latest few, enough to pin a linear rate down. */
export const MAX_PROGRESS_SAMPLES = 6;

export interface PollState {
  elapsedMs: number;
  polls: number;
  /** Samples with a reported progress above 0, oldest first. */
  samples: readonly ProgressSample[];
  /** Typical job duration from history, when known. */
  expectedDurationMs?: number;
  /** The last poll was aimed at the predicted finish and found the job still running. */
  missedLanding?: boolean;
}

/**
 * The elapsed time (since submission) at which the job should reach 100 %, if it can be predicted: at `aim`
 * (0 the earliest, 1 the latest: the default) between the finishes a steady rate through all the samples
 * allows; without one, the latest finish two samples allow. Providers report whole percents rounded down, so a
 * reported p means somewhere in [p, p + 1): the slowest rate consistent with two samples runs from the top of
 * the first's step to the bottom of the last's. The schedule aims inside the window (`landingAim`) and at its
 * latest end only after a landing poll found the job still running, so a miss costs one poll, not an interval.
 */
export function predictFinishMs(state: PollState, aim = 1): number | undefined {
  const linear = linearFinishWindowMs(state.samples);
  if (linear !== undefined) return linear.earliest + aim * (linear.latest - linear.earliest);
  const last = state.samples.at(-1);
  if (last && last.progress > 0) {
    // Anchor at the first sample when there are two far enough apart, else at submission (progress 0).
    const first = state.samples[0];
    const anchor =
      first && last.atMs - first.atMs >= 500 && last.progress > first.progress + 1
        ? { atMs: first.atMs, progress: first.progress + 1 }
        : { atMs: 0, progress: 0 };
    const rate = (last.progress - anchor.progress) / (last.atMs - anchor.atMs);
    if (rate > 0 && Number.isFinite(rate)) return last.atMs + (100 - last.progress) / rate;
  }
  return state.expectedDurationMs;
}

/**
 * The earliest and the latest finish all the samples allow together, when progress grows at a steady rate:
 * each says the progress r·t + c was in [p, p + 1) at a moment between its request leaving and its answer
 * arriving, so r·arrival + c ≥ p and r·sent + c ≤ p + 1. Several samples pin the step's fraction down far better
 * than two (the first and the latest leave up to a whole percent of doubt, ~1 % of the job's length). The finish
 * (100 − c) / r is largest and smallest at corners of that region, so the corners are tried. Undefined when no
 * steady rate fits them all (a provider whose progress is not linear: the two-sample bound then applies) or too
 * few samples bound the rate from below.
 */
function linearFinishWindowMs(
  samples: readonly ProgressSample[],
): { earliest: number; latest: number } | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.progress <= first.progress + 1) return undefined;
  const sent = (sample: ProgressSample) => sample.sentMs ?? sample.atMs;
  if (sent(last) <= first.atMs) return undefined;
  // r·x + c ≥ y for a lower edge, ≤ y for an upper one.
  const edges = samples.flatMap((sample) => [
    { x: sample.atMs, y: sample.progress, lower: true },
    { x: sent(sample), y: sample.progress + 1, lower: false },
  ]);
  const slack = 1e-7;
  const fits = (r: number, c: number) =>
    r > 0 && edges.every((e) => (e.lower ? r * e.x + c >= e.y - slack : r * e.x + c <= e.y + slack));
  let window: { earliest: number; latest: number } | undefined;
  for (const [i, a] of edges.entries()) {
    for (const b of edges.slice(i + 1)) {
      if (a.x === b.x) continue;
      const r = (a.y - b.y) / (a.x - b.x);
      const c = a.y - r * a.x;
      if (!fits(r, c)) continue;
      const finish = (100 - c) / r;
      window = {
        earliest: Math.min(window?.earliest ?? finish, finish),
        latest: Math.max(window?.latest ?? finish, finish),
      };
    }
  }
  return window;
}

export function nextPollDelayMs(state: PollState, policy: PollPolicy = DEFAULT_POLL_POLICY): number {
  return nextPoll(state, policy).delayMs;
}

/**
 * The next poll: when, and whether it is aimed at the job's predicted finish (or the job is overdue), which
 * the poll rate cap serves before progress checks.
 */
export function nextPoll(
  state: PollState,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
): { delayMs: number; landing: boolean } {
  const base = policy.warmupDelaysMs[state.polls] ?? policy.maxIntervalMs;
  const finish = predictFinishMs(state, state.missedLanding ? 1 : policy.landingAim);
  if (finish === undefined) return { delayMs: base, landing: false };
  const untilFinish = finish - state.elapsedMs;
  if (untilFinish <= 0) return { delayMs: Math.min(base, policy.overdueIntervalMs), landing: true };
  const aimed = untilFinish + policy.landingMarginMs;
  return { delayMs: Math.max(100, Math.min(base, aimed)), landing: aimed <= base };
}

/** Remembers how long recent jobs took, so jobs that report no progress can still be polled on time. */
export function createDurationHistory(size = 20) {
  const durations: number[] = [];
  return {
    record(ms: number): void {
      durations.push(ms);
      if (durations.length > size) durations.shift();
    },
    /** The median of recent durations; undefined until one job has finished. */
    typicalMs(): number | undefined {
      if (durations.length === 0) return undefined;
      const sorted = [...durations].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    },
  };
}
export type DurationHistory = ReturnType<typeof createDurationHistory>;
