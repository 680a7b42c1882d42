import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLL_POLICY,
  MAX_PROGRESS_SAMPLES,
  createDurationHistory,
  nextPoll,
  nextPollDelayMs,
  predictFinishMs,
  type ProgressSample,
} from '../../src/generation/poll-schedule.js';

/** A repeatable stand-in for Math.random (a linear congruential generator). */
function seeded(seed: number): () => number {
  let state = seed % 2147483648;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/**
 * Polls one job with the default policy against a provider that queues for the first 10 % of the job, then
 * reports progress as a whole percent rounded down (as the video-API emulator does), its answers reaching us
 * `latencyMs` after it computed them. How late the poll that saw the end came, and how many polls aimed at
 * the end found the job still running.
 */
function pollOnce(
  generationMs: number,
  latencyMs: number,
  policy = DEFAULT_POLL_POLICY,
  random = seeded(generationMs),
): { noticeMs: number; earlyLandings: number; polls: number } {
  const queuedMs = generationMs * 0.1;
  const reported = (atMs: number) =>
    atMs >= generationMs
      ? 100
      : atMs < queuedMs
        ? 0
        : Math.min(99, Math.floor(((atMs - queuedMs) / (generationMs - queuedMs)) * 100));
  const samples: ProgressSample[] = [];
  let elapsedMs = 0;
  let earlyLandings = 0;
  let missedLanding = false;
  for (let polls = 0; polls < 100; polls++) {
    const planned = nextPoll({ elapsedMs, polls, samples, missedLanding }, policy);
    // As src/generation/video-job.ts spreads progress checks (±10 %); polls aimed at the finish stay exact.
    elapsedMs += planned.landing ? planned.delayMs : planned.delayMs * (0.9 + 0.2 * random());
    const progress = reported(elapsedMs - latencyMs);
    if (progress === 100)
      return { noticeMs: elapsedMs - latencyMs - generationMs, earlyLandings, polls: polls + 1 };
    missedLanding = planned.landing;
    if (planned.landing) earlyLandings++;
    // As the job keeps them: the first and the latest few, each with when its request went out.
    if (progress > 0) samples.push({ atMs: elapsedMs, sentMs: elapsedMs - 2 * latencyMs, progress });
    if (samples.length > MAX_PROGRESS_SAMPLES) samples.splice(1, 1);
  }
  throw new Error('never noticed');
}

describe('poll schedule', () => {
  it('polls quickly at first, then no more often than the max interval', () => {
    // One poll at 1 s catches an instant refusal; the second, 2.5 s later, gives a progress rate to aim with.
    const delays = [0, 1, 2, 3, 4, 10].map((polls) => nextPollDelayMs({ elapsedMs: 0, polls, samples: [] }));
    expect(delays).toEqual([1000, 2500, 5000, 5000, 5000, 5000]);
  });

  it('predicts the latest finish the rounded-down progress allows', () => {
    const finish = predictFinishMs({
      elapsedMs: 10_000,
      polls: 5,
      samples: [
        { atMs: 4000, progress: 20 },
        { atMs: 10_000, progress: 50 },
      ],
    });
    // Slowest consistent rate: from 21 % (the top of the first step) at 4 s to 50 % at 10 s.
    expect(finish).toBeCloseTo(10_000 + (50 * 6000) / 29, 6);
  });

  it('pins the finish down with every sample, never before the true one', () => {
    // Progress 5 % a second after a 2 s queue: 100 % at 22 s. Each answer arrives 4 ms after its request. The
    // second sample (30.94 %) sits at the top of its step, which the first and the latest alone cannot know.
    const samples = [3300, 8190, 12_940, 17_710].map((atMs) => ({
      atMs,
      sentMs: atMs - 4,
      progress: Math.floor((atMs - 2 - 2000) / 200),
    }));
    const all = predictFinishMs({ elapsedMs: 17_700, polls: 6, samples })!;
    const firstAndLast = predictFinishMs({
      elapsedMs: 17_700,
      polls: 6,
      samples: [samples[0]!, samples[3]!],
    })!;
    expect(all).toBeGreaterThanOrEqual(22_000);
    expect(all).toBeLessThan(firstAndLast);
  });

  it('falls back to the first and latest samples when no steady rate fits them all', () => {
    const samples = [
      { atMs: 2000, progress: 10 },
      { atMs: 4000, progress: 50 },
      { atMs: 6000, progress: 55 },
    ];
    // From 11 % at 2 s to 55 % at 6 s.
    expect(predictFinishMs({ elapsedMs: 6000, polls: 4, samples })).toBeCloseTo(6000 + (45 * 4000) / 44, 6);
  });

  it('lands just after the predicted finish instead of waiting a full interval', () => {
    const state = {
      elapsedMs: 18_000,
      polls: 6,
      samples: [
        { atMs: 4000, progress: 20 },
        { atMs: 18_000, progress: 90 },
      ],
    };
    const finish = predictFinishMs(state, DEFAULT_POLL_POLICY.landingAim)!;
    expect(finish - state.elapsedMs).toBeLessThan(DEFAULT_POLL_POLICY.maxIntervalMs);
    expect(nextPollDelayMs(state)).toBe(finish - state.elapsedMs + DEFAULT_POLL_POLICY.landingMarginMs);
    // After a landing that found the job running: the latest finish the samples allow.
    const latest = predictFinishMs(state)!;
    expect(latest).toBeGreaterThan(finish);
    expect(nextPollDelayMs({ ...state, missedLanding: true })).toBe(
      latest - state.elapsedMs + DEFAULT_POLL_POLICY.landingMarginMs,
    );
  });

  it('lands soon after a job whose progress is rounded down, little later than aiming at the latest finish', () => {
    // Job lengths off the poll grid by varied amounts, so the last progress sample falls anywhere in a step.
    const grid = (policy = DEFAULT_POLL_POLICY) =>
      [8, 12, 16, 20, 24, 30, 36, 40].flatMap((seconds) =>
        [2, 8, 15, 30].map((latencyMs) => pollOnce(seconds * 1000 + latencyMs * 37, latencyMs, policy)),
      );
    const runs = grid();
    const latest = grid({ ...DEFAULT_POLL_POLICY, landingAim: 1 });
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const notice = (of: typeof runs) => mean(of.map((run) => run.noticeMs));
    const polls = (of: typeof runs) => mean(of.map((run) => run.polls));
    // Aimed at the latest finish the samples allow: never early, 148 ms late on average, 6.63 polls a job.
    expect(notice(latest)).toBeGreaterThan(140);
    expect(latest.every((run) => run.earlyLandings === 0)).toBe(true);
    // At the middle of the window: 62 ms, for an early landing in 12 jobs of 32 (each followed by one at the
    // latest): 6.97 polls a job. At 80 % (the aim before): 100 ms for 6.63, one early landing in 32.
    expect(notice(runs)).toBeLessThan(70);
    expect(polls(runs)).toBeLessThan(polls(latest) + 0.4);
    expect(notice(grid({ ...DEFAULT_POLL_POLICY, landingAim: 0.8 }))).toBeGreaterThan(notice(runs) + 25);
    for (const [i, run] of runs.entries()) {
      expect(run.earlyLandings).toBeLessThanOrEqual(1);
      // An early landing costs one poll and at most the latest aim's lateness, plus a little.
      expect(run.noticeMs).toBeLessThan((latest[i]?.noticeMs ?? 0) + 50);
    }
  });

  it('polls briskly once the predicted finish has passed', () => {
    expect(nextPollDelayMs({ elapsedMs: 30_000, polls: 8, samples: [], expectedDurationMs: 20_000 })).toBe(
      750,
    );
  });

  it('remembers the median of recent durations', () => {
    const history = createDurationHistory(3);
    expect(history.typicalMs()).toBeUndefined();
    for (const ms of [10, 50, 20, 30]) history.record(ms);
    expect(history.typicalMs()).toBe(30);
  });
});
