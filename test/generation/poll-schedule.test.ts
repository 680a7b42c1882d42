import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLL_POLICY,
  createDurationHistory,
  nextPollDelayMs,
  predictFinishMs,
} from '../../src/generation/poll-schedule.js';

describe('poll schedule', () => {
  it('polls quickly at first, then no more often than the max interval', () => {
    // One poll at 1 s catches an instant refusal; the second, 2.5 s later, gives a progress rate to aim with.
    const delays = [0, 1, 2, 3, 4, 10].map((polls) => nextPollDelayMs({ elapsedMs: 0, polls, samples: [] }));
    expect(delays).toEqual([1000, 2500, 5000, 5000, 5000, 5000]);
  });

  it('predicts the finish from the progress rate', () => {
    const finish = predictFinishMs({
      elapsedMs: 10_000,
      polls: 5,
      samples: [
        { atMs: 4000, progress: 20 },
        { atMs: 10_000, progress: 50 },
      ],
    });
    expect(finish).toBeCloseTo(20_000, -1);
  });

  it('lands just after the predicted finish instead of waiting a full interval', () => {
    const delay = nextPollDelayMs({
      elapsedMs: 18_000,
      polls: 6,
      samples: [
        { atMs: 4000, progress: 20 },
        { atMs: 18_000, progress: 90 },
      ],
    });
    expect(delay).toBe(2000 + DEFAULT_POLL_POLICY.landingMarginMs);
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
