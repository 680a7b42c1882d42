import type { ErrorKind } from '../errors.js';
import type { BuildRequestDeps, GenerationRequest } from '../generation/request.js';
import type { GenerationService } from '../generation/service.js';
import type { Logger } from '../log.js';
import type { Language } from '../i18n/languages.js';
import type { Platform } from '../platforms.js';
import type { QuotaLedger } from '../quota/ledger.js';
import type { QuotaLimitKind, QuotaService } from '../quota/quota.js';
import type { GenerationReply } from '../port.js';
import type { JobChain, JobRecord, JobRecordStatus, JobStore } from './job-store.js';
import type { SchedulerLimits } from './scheduler.js';

/**
 * What the job runners share with their callers and with the job lifecycle: the `JobRunner` interface
 * (in-process in src/jobs/job-runner.ts, BullMQ in src/jobs/bullmq/runner.ts), its dependencies, and the reply
 * each adapter gives a job's output to.
 */

/** What happened to jobs, for metrics; observers must not throw or block. */
export type JobObservation =
  | { type: 'accepted'; platform: JobRecord['platform'] }
  | {
      type: 'refused';
      platform: JobRecord['platform'];
      kind: ErrorKind;
      /** For quota refusals: which limit refused (the user here, everywhere, or the bot's budget). */
      quotaLimit?: QuotaLimitKind;
    }
  | { type: 'driving'; delta: 1 | -1 }
  /** Cancel pressed; `charged` when the provider already had the job (its quota is spent, not refunded). */
  | { type: 'cancelled'; platform: JobRecord['platform']; charged: boolean }
  | {
      type: 'settled';
      platform: JobRecord['platform'];
      status: JobRecordStatus;
      kind?: ErrorKind;
      /** From the request to the end (waiting included). */
      durationMs: number;
    };
export type JobObserver = (observation: JobObservation) => void;

export interface JobContext {
  platform: Platform;
  spaceId: string;
  channelId: string;
  userId: string;
  messageRef: unknown;
  imageRefs: string[];
  /** Set for an extension: the video it continues (its reference image is that video's last frame). */
  chain?: JobChain;
  /** The space's language, kept in the record for the job's public messages. */
  language?: Language;
  /** The invoking user's language: refusals before the job has a record are said privately in it. */
  privateLanguage?: Language;
}

export interface JobRunnerDeps {
  service: GenerationService;
  quota: QuotaService;
  ledger: QuotaLedger;
  jobs: JobStore;
  logger: Logger;
  now?: () => number;
  newId?: () => string;
  /** A reservation with no job record older than this is refunded by `startWorkers` (crash between the two). */
  orphanAfterMs?: number;
  /**
   * How long accepting a job may spend on its images (fetch, wait for a decode slot, decode) before it is
   * refused and everything it held given back. Default ACCEPT_IMAGES_DEADLINE_MS.
   */
  imagesDeadlineMs?: number;
  /** Upstream jobs at once and jobs per user; unlimited when absent (tests of other things). */
  limits?: SchedulerLimits;
  /** Jobs that took at least this long call `sink.notify` after delivery; never when absent. */
  notifyAfterMs?: number;
  /** The requester's own choice (/settings notify off); notify when absent. */
  notifyEnabled?: (record: JobRecord) => Promise<boolean>;
  /** Told of every acceptance, refusal and settlement (metrics). */
  observe?: JobObserver;
}

export interface CancelOptions {
  /** Who pressed Cancel, as the platform shows them. */
  by: string;
}

export interface StartOptions {
  signal?: AbortSignal;
  fetchImage?: BuildRequestDeps['fetchImage'];
  /**
   * In-process: resolve once the job is accepted (its record written) and hand the rest of its run here, so
   * the caller's frames (the platform event, the dispatcher, the command) end instead of staying suspended,
   * with all they hold, for the whole generation. Its promise settles when the job does and never rejects.
   */
  detach?: (running: Promise<unknown>) => void;
}

/** Finds the reply of a job this process did not start (after a restart, or accepted by another process). */
export type ReplyFor = (record: JobRecord) => GenerationReply | undefined;

export interface ResumeOptions {
  /** The platforms this process runs adapters for (default: all); it takes only their jobs. */
  platforms?: readonly Platform[];
  /**
   * In-process runner: which unfinished records are this process's to resume (a Discord shard process: its
   * own guilds'). With BullMQ any process may take any job of its platforms, so this is not consulted.
   */
  owns?: (record: JobRecord) => boolean;
  signal?: AbortSignal;
}

export interface JobRunner {
  /**
   * Accepts one request. Invalid input, a full per-user cap and an exhausted quota are reported through
   * `sink.fail` before anything is reserved or sent (undefined). Resolves when this process no longer holds
   * the job: at its end in-process (once accepted with `detach`); once it is queued with BullMQ.
   */
  start(
    context: JobContext,
    request: GenerationRequest,
    sink: GenerationReply,
    options?: StartOptions,
  ): Promise<JobRecord | undefined>;
  /**
   * Cancels a waiting or running job: it leaves the line or stops being polled. The API has no cancel call,
   * so a job the provider already has is charged; one still in the bot's line is refunded. The job's message
   * says which, and who cancelled (`by`, as the platform shows them). False when no process has it.
   */
  cancel(jobId: string, request: CancelOptions): Promise<boolean>;
  /**
   * Starts working: finishes what earlier processes left unfinished and, with BullMQ, takes jobs accepted
   * by any process. `replyFor` gives the reply of a job this process did not start (undefined: a platform this
   * process does not run). Resolves with the jobs resumed here once they are settled (in-process) or handed
   * to the queue (BullMQ).
   */
  startWorkers(replyFor: ReplyFor, options?: ResumeOptions): Promise<JobRecord[]>;
  /**
   * Stops every running job where it stands (no refund, no failure message): its record stays unfinished
   * so the next start, or another process, resumes it.
   */
  shutdown(graceMs?: number): Promise<void>;
}
