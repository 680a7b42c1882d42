import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryClaims } from '../../src/jobs/delivery-claim.js';
import { JobHandoff } from '../../src/jobs/job-lifecycle.js';
import { deleteRedisPrefix, ensureRedis, uniqueRedisPrefix } from '../helpers/redis.js';

/** The delivered marker on a real Redis: one poster at a time, `done` for good, a dead holder's claim lapses. */
let redis: Redis;
const prefix = uniqueRedisPrefix('claims');
beforeAll(() => {
  redis = new Redis(ensureRedis());
});
afterAll(async () => {
  await deleteRedisPrefix(prefix);
  await redis.quit();
});

describe('delivery claims', () => {
  it('lets one process post, makes another back off, and skips the post once done', async () => {
    const a = createDeliveryClaims(redis, prefix, { instanceId: 'a', leaseMs: 1000 });
    const b = createDeliveryClaims(redis, prefix, { instanceId: 'b', leaseMs: 1000 });
    expect(await a.claim('j1')).toBe('deliver');
    await expect(b.claim('j1')).rejects.toBeInstanceOf(JobHandoff);
    await a.done('j1');
    expect(await b.claim('j1')).toBe('done');
    expect(await a.claim('j1')).toBe('done');
  });

  it('frees the claim when posting failed, and lets a dead holder’s claim lapse with its lease', async () => {
    const a = createDeliveryClaims(redis, prefix, { instanceId: 'a', leaseMs: 300 });
    const b = createDeliveryClaims(redis, prefix, { instanceId: 'b', leaseMs: 300 });
    expect(await a.claim('j2')).toBe('deliver');
    await a.release('j2');
    expect(await b.claim('j2')).toBe('deliver');
    // b "dies": its renewals stop with its process; here, a raw key with the lease and no renewal.
    await redis.set(`${prefix}delivered:j3`, 'claim:dead', 'PX', 300);
    await expect(a.claim('j3')).rejects.toBeInstanceOf(JobHandoff);
    await new Promise((r) => setTimeout(r, 400));
    expect(await a.claim('j3')).toBe('deliver');
    await a.done('j3');
    await b.done('j2');
  });

  it('keeps a live holder’s claim past its lease by renewing it', async () => {
    const a = createDeliveryClaims(redis, prefix, { instanceId: 'a', leaseMs: 300 });
    const b = createDeliveryClaims(redis, prefix, { instanceId: 'b', leaseMs: 300 });
    expect(await a.claim('j4')).toBe('deliver');
    await new Promise((r) => setTimeout(r, 700));
    await expect(b.claim('j4')).rejects.toBeInstanceOf(JobHandoff);
    await a.done('j4');
  });
});
