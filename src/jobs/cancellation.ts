import { text } from '../i18n/text.js';
import { BotError } from '../errors.js';
import type { JobRecord, JobRecordStatus } from './job-store.js';

/**
 * Cancel pressed by someone. The video API has no cancel call: a job the provider already has keeps
 * generating whatever the bot does, so it is paid for, or start-Cancel-repeat would buy unlimited videos on
 * any quota. Only the runner knows, when it settles the job, whether it got that far; so a cancel carries
 * who asked, and the message is written at settlement.
 */
export class CancelRequest extends BotError {
  readonly by: string;
  constructor(by: string) {
    super('job_cancelled', 'cancelled on request', { detail: { by } });
    this.name = 'CancelRequest';
    this.by = by;
  }
}

const UPSTREAM_STATUSES: ReadonlySet<JobRecordStatus> = new Set(['submitted', 'queued', 'processing']);

/** Whether the provider has this job (the API gave it an id): cancelling it then saves nothing. */
export function sentUpstream(record: JobRecord): boolean {
  return record.upstreamId !== undefined || UPSTREAM_STATUSES.has(record.status);
}

/**
 * What the job's message says once the cancel is settled: why a charged one counts; a refunded one is said
 * not to count by the job's message (src/generation/progress-view.ts `endView`), as every refunded end is.
 */
export function cancelledError(request: CancelRequest, charged: boolean): BotError {
  return new BotError(
    'job_cancelled',
    charged ? 'cancelled on request after submission; charged' : 'cancelled on request; refunded',
    {
      userMessage: text(charged ? 'core.jobs.cancelledCharged' : 'core.jobs.cancelled', { by: request.by }),
      detail: { by: request.by, charged },
    },
  );
}
