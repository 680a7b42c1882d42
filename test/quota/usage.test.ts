import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import { chargedOf, creditsOf, usageOf } from '../../src/quota/usage.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0);
let n = 0;

function record(
  overrides: Partial<JobRecord> & { model?: string; seconds?: number; resolution?: string },
): JobRecord {
  const { model, seconds = 10, resolution = '720P', ...rest } = overrides;
  n += 1;
  return {
    id: `job_${n}`,
    platform: 'discord',
    spaceId: 'g1',
    channelId: 'c1',
    userId: 'alice',
    messageRef: {},
    request: {
      prompt: 'p',
      seconds,
      aspectRatio: '16:9',
      resolution,
      imageRefs: [],
      ...(model === undefined ? {} : { model }),
    },
    status: 'completed',
    reservation: 'committed',
    createdAt: NOW - 60_000,
    updatedAt: NOW,
    ...rest,
  };
}

const PRICES = 'grok-imagine-video:1/s,grok-video-3:3/s,grok-video-3@1080P:50/video';

describe('usage report', () => {
  it('reads what a record was charged, and what older records without one were: 1 video or their seconds', () => {
    const videos = parseConfig({ PRICES }).quota;
    const seconds = parseConfig({ PRICES, QUOTA_UNIT: 'seconds' }).quota;
    const credits = parseConfig({ PRICES, QUOTA_UNIT: 'credits' }).quota;
    const old = record({ model: 'grok-video-3', seconds: 15 });
    expect(chargedOf(old, videos)).toBe(1);
    expect(chargedOf(old, seconds)).toBe(15);
    expect(chargedOf(old, credits)).toBe(45);
    // Older still: no model on the record, so the default model's price.
    expect(chargedOf(record({ seconds: 6 }), credits)).toBe(6);
    const charged = record({
      model: 'grok-video-3',
      seconds: 15,
      resolution: '1080P',
      charged: { amount: 40, unit: 'credits' },
    });
    // The charge stands even when PRICES changed since (today 50 a video).
    expect(chargedOf(charged, credits)).toBe(40);
    expect(creditsOf(charged, videos)).toBe(40);
    expect(creditsOf(record({ model: 'grok-video-3', seconds: 15, resolution: '1080P' }), videos)).toBe(50);
  });

  it('counts committed jobs of this period, shows reserved ones apart, and skips refunded and earlier ones', () => {
    const config = parseConfig({ PRICES, QUOTA_UNIT: 'credits', QUOTA_PERIOD: 'week' }).quota;
    const records = [
      record({ model: 'grok-video-3', charged: { amount: 30, unit: 'credits' } }),
      record({ userId: 'bob', seconds: 6, charged: { amount: 6, unit: 'credits' } }),
      record({ userId: 'bob', seconds: 4, charged: { amount: 4, unit: 'credits' } }),
      record({ reservation: 'reserved', status: 'processing', charged: { amount: 10, unit: 'credits' } }),
      record({ reservation: 'refunded', status: 'failed', charged: { amount: 10, unit: 'credits' } }),
      // Last week (the week starts on Monday 2026-11-23).
      record({ createdAt: Date.UTC(2026, 10, 22, 23, 59), charged: { amount: 99, unit: 'credits' } }),
    ];
    const report = usageOf(records, { platform: 'discord', spaceId: 'g1' }, config, NOW);
    expect(report.window).toMatchObject({ label: '2026-W48', startsAt: Date.UTC(2026, 10, 23) });
    expect(report.counted).toEqual({ jobs: 3, amount: 40, credits: 40 });
    expect(report.inFlight).toEqual({ jobs: 1, amount: 10, credits: 10 });
    expect(report.refunded).toBe(1);
    expect(report.byModel.map((m) => [m.model, m.jobs, m.amount])).toEqual([
      ['grok-video-3', 1, 30],
      ['grok-imagine-video', 2, 10],
    ]);
    expect(report.byUser.map((u) => [u.userId, u.amount])).toEqual([
      ['alice', 30],
      ['bob', 10],
    ]);
  });
});
