import type { Redis } from 'ioredis';
import { JobHandoff, type DeliveryGuard } from './job-lifecycle.js';

/**
 * The per-job delivered marker that makes delivery idempotent when BullMQ runs a job twice (a worker thought
 * stalled while still alive, or a retry after a crash). Before posting, a process claims the job's key with
 * SET NX and a lease it renews while it uploads; after posting it sets `done`. A second attempt that finds
 * `done` skips the post; one that finds a live claim backs off (another process is posting right now); a
 * claim whose holder died expires with its lease, and the next attempt posts.
 *
 * What remains: a process killed after the platform accepted the upload but before the one SET that follows
 * leaves a claim that expires, and the video is posted again. That window is one Redis round trip.
 */

const RELEASE_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
const RENEW_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const DONE_KEPT_MS = 7 * 86_400_000;

export function createDeliveryClaims(
  redis: Redis,
  prefix: string,
  options: { instanceId: string; leaseMs: number },
): DeliveryGuard {
  const claimValue = `claim:${options.instanceId}`;
  const renewals = new Map<string, NodeJS.Timeout>();
  const keyOf = (jobId: string) => `${prefix}delivered:${jobId}`;

  function stopRenewing(jobId: string): void {
    clearInterval(renewals.get(jobId));
    renewals.delete(jobId);
  }

  return {
    async claim(jobId) {
      const key = keyOf(jobId);
      if ((await redis.set(key, claimValue, 'PX', options.leaseMs, 'NX')) === 'OK') {
        const timer = setInterval(
          () => void redis.eval(RENEW_IF_OURS, 1, key, claimValue, options.leaseMs).catch(() => undefined),
          Math.max(100, Math.floor(options.leaseMs / 3)),
        );
        timer.unref();
        renewals.set(jobId, timer);
        return 'deliver';
      }
      const holder = await redis.get(key);
      if (holder === 'done') return 'done';
      // Our own claim (a retry in this process after a failed post released nothing): post again.
      if (holder === claimValue) return 'deliver';
      throw new JobHandoff(`another process (${holder ?? 'unknown'}) is delivering this job`);
    },
    async done(jobId) {
      stopRenewing(jobId);
      await redis.set(keyOf(jobId), 'done', 'PX', DONE_KEPT_MS);
    },
    async release(jobId) {
      stopRenewing(jobId);
      await redis.eval(RELEASE_IF_OURS, 1, keyOf(jobId), claimValue);
    },
  };
}
