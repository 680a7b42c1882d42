import { text } from '../i18n/text.js';
import { BotError } from '../errors.js';
import type { JobStart } from '../generation/video-job.js';
import type { JobRecord } from './job-store.js';

/** What a restarted or other process must do with an unfinished record. */
export type ResumePlan =
  | { kind: 'build' } // never sent upstream: build the request again and submit it
  | { kind: 'commit' } // delivered, not yet committed
  | { kind: 'ambiguous' } // the POST may or may not have reached the provider
  | { kind: 'poll'; start: JobStart };

export function resumePlan(record: JobRecord): ResumePlan {
  if (record.status === 'waiting') return { kind: 'build' };
  if (record.deliveredAt !== undefined) return { kind: 'commit' };
  if (!record.upstreamId || record.submittedAt === undefined) return { kind: 'ambiguous' };
  return { kind: 'poll', start: { jobId: record.upstreamId, startedAt: record.submittedAt } };
}

export const RESTARTED_BEFORE_SUBMIT = () =>
  new BotError('internal', 'bot restarted before the job was submitted', {
    userMessage: text('core.jobs.restartedBeforeSubmit'),
  });
