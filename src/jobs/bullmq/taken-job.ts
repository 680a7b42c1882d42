import type { JobStart } from '../../generation/video-job.js';
import type { Logger } from '../../log.js';
import type { DriveResult, JobLifecycle } from '../job-lifecycle.js';
import type { JobRecord, JobStore } from '../job-store.js';
import { RESTARTED_BEFORE_SUBMIT, resumePlan } from '../resume-plan.js';
import type { GenerationReply } from '../../port.js';
import type { CancelChannel } from './cancel-channel.js';

export interface TakerDeps {
  life: JobLifecycle;
  cancels: CancelChannel;
  jobs: JobStore;
  logger: Logger;
}

/**
 * What a worker drives for a job it just took, from the job's record: submit it (with the request built at
 * accept time when this process has it, else built again), resume polling, or nothing (cancelled before it
 * was taken, delivered but not committed, or lost between two steps); then the result instead of a start.
 */
export async function planTakenJob(
  deps: TakerDeps,
  record: JobRecord,
  sink: GenerationReply,
  body: Extract<JobStart, { body: unknown }>['body'] | undefined,
  attempt: number,
): Promise<{ record: JobRecord; start: JobStart } | DriveResult> {
  const { life } = deps;
  const cancel = await deps.cancels.requested(record.id);
  if (cancel !== null) {
    // Charged when the record shows the provider already had it (a job resumed after a crash).
    await life.settleFailure(record, cancel, sink);
    return { record, settled: true };
  }
  const plan = resumePlan(record);
  switch (plan.kind) {
    case 'commit':
      return { record: await life.finishDelivered(record, undefined), settled: true };
    case 'ambiguous':
      // A process died between marking the job started and learning the provider's id.
      await life.settleFailure(record, RESTARTED_BEFORE_SUBMIT(), sink);
      return { record, settled: true };
    case 'poll':
      deps.logger.info({ jobId: record.id, upstreamId: record.upstreamId, attempt }, 'resuming job');
      return { record, start: plan.start };
    case 'build': {
      const reserved = (await deps.jobs.update(record.id, { status: 'reserved' })) ?? record;
      try {
        return { record: reserved, start: body ? { body } : await life.rebuild(reserved, sink) };
      } catch (error) {
        await life.settleFailure(reserved, error, sink);
        return { record: reserved, settled: true };
      }
    }
  }
}
