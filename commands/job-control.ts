import type { JobRecord, JobStore } from '../src/jobs/job-store.js';
import { UNFINISHED_STATUSES } from '../src/jobs/job-store.js';
import type { JobRunner } from '../src/jobs/job-runner.js';
import type { QuotaActor, QuotaService } from '../src/quota/quota.js';

/**
 * The Cancel and Delete buttons, platform-neutral: who may press them and what happens. Adapters render the
 * buttons, call these, and show `message` (ephemerally) when the answer is no.
 */

export interface JobControlDeps {
  jobs: JobStore;
  runner: JobRunner;
  quota: Pick<QuotaService, 'isAdmin'>;
}

export const NOT_YOURS = 'Only the requester or an admin can do that.';

export type JobControlResult = { ok: true; record: JobRecord } | { ok: false; message: string };

async function authorize(actor: QuotaActor, jobId: string, deps: JobControlDeps): Promise<JobControlResult> {
  const record = await deps.jobs.get(jobId);
  if (!record || record.spaceId !== actor.spaceId) {
    return { ok: false, message: 'That job is no longer known to the bot.' };
  }
  if (record.userId !== actor.userId && !deps.quota.isAdmin(actor)) return { ok: false, message: NOT_YOURS };
  return { ok: true, record };
}

/**
 * Cancels a waiting or running job for its requester or an admin. The job's own message then says who
 * cancelled it (`byLabel`, already safe for the platform's markup) and its quota is refunded.
 */
export async function cancelJob(
  actor: QuotaActor,
  jobId: string,
  byLabel: string,
  deps: JobControlDeps,
): Promise<JobControlResult> {
  const allowed = await authorize(actor, jobId, deps);
  if (!allowed.ok) return allowed;
  if (!UNFINISHED_STATUSES.has(allowed.record.status)) {
    return { ok: false, message: 'That job has already finished.' };
  }
  if (!(await deps.runner.cancel(jobId, `Cancelled by ${byLabel}. The quota it held was refunded.`))) {
    return { ok: false, message: 'That job is no longer running.' };
  }
  return allowed;
}

/** Whether the actor may delete a finished job's message (the adapter removes it and any file). */
export async function authorizeDelete(
  actor: QuotaActor,
  jobId: string,
  deps: JobControlDeps,
): Promise<JobControlResult> {
  return authorize(actor, jobId, deps);
}
