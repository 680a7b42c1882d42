import type { Job } from 'bullmq';
import { z } from 'zod';
import { BotError } from '../../errors.js';
import type { Platform } from '../../platforms.js';
import { scopeKey } from '../../quota/scope.js';
import { UNFINISHED_STATUSES, type JobRecord, type JobStore } from '../job-store.js';
import { ACCEPT_IMAGES_DEADLINE_MS } from '../job-lifecycle.js';
import type { RedisFairQueue } from '../redis-fair-queue.js';

/**
 * What a process dying between two steps leaves behind, repaired by the survivors: a job dispatched but never
 * added to BullMQ, a place held by a job that is finished or never recorded, a free slot nobody dispatched, a
 * record out of line, and a job BullMQ gave up on (retries spent, or stalled too often). A job whose worker
 * died mid-run needs none of this: BullMQ's stalled-job check hands it to another worker.
 */

export const jobDataSchema = z.object({ id: z.string() });

export interface CrashSweepOptions {
  fair: RedisFairQueue;
  jobs: JobStore;
  now: () => number;
  /** A place younger than this may belong to a job being accepted right now; the sweep leaves it. */
  lockMs: number;
  /** How long accepting a job may take between its place and its record (see ACCEPT_IMAGES_DEADLINE_MS). */
  imagesDeadlineMs?: number;
  /** Whether BullMQ holds the job (waiting, active, delayed…). */
  isQueued(id: string, platform: Platform): Promise<boolean>;
  /** Adds a job that holds a slot to BullMQ, for a worker to take. */
  addRunning(id: string, platform: Platform): Promise<void>;
  /** Moves waiting jobs into free slots. */
  dispatch(): Promise<void>;
  refreshPositions(): Promise<void>;
  /** Settles a job as failed (refund, message) and frees its places. */
  settleFailed(record: JobRecord, error: BotError): Promise<void>;
}

export function createCrashSweep(options: CrashSweepOptions) {
  const { fair, jobs, now } = options;

  return {
    /** One pass over every admitted place, then a dispatch for slots a crash left free. */
    async sweep(): Promise<void> {
      const cutoff = now() - options.lockMs;
      // A place without a record may be a job still being accepted (its images being fetched): only one
      // older than acceptance can take is a crash's leftover.
      const acceptCutoff = cutoff - (options.imagesDeadlineMs ?? ACCEPT_IMAGES_DEADLINE_MS);
      for (const { id, userKey, since } of await fair.admitted()) {
        if (since > cutoff) continue;
        const record = await jobs.get(id);
        if (!record && since > acceptCutoff) continue;
        if (!record || !UNFINISHED_STATUSES.has(record.status)) {
          await fair.release(id, userKey, now());
          continue;
        }
        if ((await fair.isRunning(id)) && !(await options.isQueued(id, record.platform))) {
          const again = await jobs.get(id);
          if (again && UNFINISHED_STATUSES.has(again.status)) await options.addRunning(id, record.platform);
        }
      }
      await options.dispatch();
      await options.refreshPositions();
    },

    /**
     * Unfinished records that are neither in line nor in BullMQ (their process died between two steps) go
     * back where they belong: waiting ones in line, the others into a slot. Returns them.
     */
    async requeue(records: readonly JobRecord[]): Promise<JobRecord[]> {
      const requeued: JobRecord[] = [];
      const inLine = new Set(await fair.ordered());
      for (const record of records) {
        if (inLine.has(record.id) || (await options.isQueued(record.id, record.platform))) continue;
        const userKey = scopeKey(record);
        await fair.readmit(record.id, userKey, record.createdAt);
        if (record.status === 'waiting' && !(await fair.isRunning(record.id))) {
          await fair.enqueue(record.id, userKey);
        } else {
          await fair.markRunning(record.id, userKey, now());
          await options.addRunning(record.id, record.platform);
        }
        requeued.push(record);
      }
      return requeued;
    },

    /** A job BullMQ gave up on (retries spent, or stalled too often): settle it so its quota comes back. */
    async abandon(job: Job<{ id: string }, void> | undefined, error: Error): Promise<void> {
      if (!job || (await job.getState()) !== 'failed') return;
      const parsed = jobDataSchema.safeParse(job.data);
      if (!parsed.success) return;
      const record = await jobs.get(parsed.data.id);
      if (!record || !UNFINISHED_STATUSES.has(record.status)) return;
      const failure = new BotError('internal', `job abandoned by the queue: ${error.message}`, {
        cause: error,
      });
      await options.settleFailed(record, failure);
    },
  };
}
export type CrashSweep = ReturnType<typeof createCrashSweep>;
