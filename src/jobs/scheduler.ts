import { text } from '../i18n/text.js';
import type { Translator } from '../i18n/translate.js';
import { BotError } from '../errors.js';
import { createDurationHistory } from '../generation/poll-schedule.js';
import { createFairQueue, type QueueEntry } from './fair-queue.js';

/**
 * Who may run now. At most `maxConcurrent` jobs are upstream at once for the whole bot, and each user has at
 * most `maxPerUser` jobs admitted (waiting or running). The rest wait in a fair queue and are told their
 * position and an estimate whenever the line moves. Who is next is decided only when a slot frees (see
 * src/jobs/fair-queue.ts); a job that starts at once still counts as its user's turn.
 */

export interface SchedulerLimits {
  maxConcurrent: number;
  maxPerUser: number;
}

export interface WaitingUpdate {
  /** Jobs that start before this one (0 = next). */
  position: number;
  /** Estimated time until this job starts, from recent job durations. */
  etaMs: number;
}

interface Admitted {
  userKey: string;
  prompt: string;
  state: 'admitted' | 'waiting' | 'running';
  startedAt?: number;
}

interface Waiting extends QueueEntry {
  resolve(): void;
  reject(error: unknown): void;
  onUpdate(update: WaitingUpdate): void;
}

/** The refusal past MAX_JOBS_PER_USER, naming the cap and the user's jobs (by their prompts). */
/** `prompts`: the user's jobs in progress; `undefined` for one being accepted elsewhere this instant. */
export function tooManyJobs(
  userKey: string,
  prompts: ReadonlyArray<string | undefined>,
  maxPerUser: number,
): BotError {
  const quoted = (prompt: string) => `“${prompt.slice(0, 40)}${prompt.length > 40 ? '…' : ''}”`;
  const list = (tr: Translator) =>
    prompts.map((prompt) => (prompt === undefined ? tr.t('core.jobs.justSent') : quoted(prompt)));
  const n = prompts.length;
  return new BotError('too_many_jobs', `user has ${n} jobs admitted`, {
    userMessage: text('core.jobs.tooMany', {
      count: n,
      max: maxPerUser,
      prompts: (tr) => list(tr).join(tr.t('core.format.separator')),
    }),
    detail: { userKey, admitted: n, maxPerUser },
  });
}

/** Before any job has finished, guess a minute: the order of magnitude of a short video. */
const DEFAULT_DURATION_MS = 60_000;

/** When the job at `position` should start: once all slots are busy, one frees about every typical/slots ms. */
export function estimateWaitMs(position: number, typicalMs: number | undefined, slots: number): number {
  return Math.round(((position + 1) * (typicalMs ?? DEFAULT_DURATION_MS)) / slots);
}

export function createScheduler(limits: SchedulerLimits, now: () => number = Date.now) {
  const admitted = new Map<string, Admitted>();
  const queue = createFairQueue<Waiting>();
  let running = 0;
  /** How long recent jobs held their slot, for the wait estimate. */
  const durations = createDurationHistory();
  let updateScheduled = false;

  /** Batched: a burst of changes in one tick costs one pass over the queue. */
  function scheduleUpdates(): void {
    if (updateScheduled || queue.size === 0) return;
    updateScheduled = true;
    setImmediate(() => {
      updateScheduled = false;
      const typical = durations.typicalMs();
      for (const [position, entry] of queue.ordered().entries()) {
        entry.onUpdate({ position, etaMs: estimateWaitMs(position, typical, limits.maxConcurrent) });
      }
    });
  }

  /** A user with nothing admitted any more leaves the record of who was served. */
  function forgetIfIdle(userKey: string): void {
    for (const job of admitted.values()) if (job.userKey === userKey) return;
    queue.forget(userKey);
  }

  function startNext(): void {
    while (running < limits.maxConcurrent && queue.size > 0) {
      const next = queue.shift()!;
      const job = admitted.get(next.id);
      if (!job) continue;
      job.state = 'running';
      job.startedAt = now();
      running++;
      next.resolve();
    }
    scheduleUpdates();
  }

  return {
    /**
     * Takes a place for a new job, or refuses when the user is at their cap. Synchronous, so two requests
     * racing each other cannot both take the last place.
     */
    admit(id: string, userKey: string, prompt: string): void {
      const mine = [...admitted.values()].filter((job) => job.userKey === userKey);
      if (mine.length >= limits.maxPerUser) {
        throw tooManyJobs(
          userKey,
          mine.map((job) => job.prompt),
          limits.maxPerUser,
        );
      }
      admitted.set(id, { userKey, prompt, state: 'admitted' });
    },

    /** For a job resumed after a restart: it was admitted by the previous process, so no cap applies. */
    readmit(id: string, userKey: string, prompt: string): void {
      admitted.set(id, { userKey, prompt, state: 'admitted' });
    },

    /** True when the job may start at once (a slot is free and nobody is waiting); it is then running. */
    tryStart(id: string): boolean {
      const job = admitted.get(id);
      if (!job || running >= limits.maxConcurrent || queue.size > 0) return false;
      job.state = 'running';
      job.startedAt = now();
      running++;
      queue.served(job.userKey);
      return true;
    },

    /** A job already upstream (resumed after a restart) takes a slot even above the limit. */
    markRunning(id: string): void {
      const job = admitted.get(id);
      if (!job || job.state === 'running') return;
      job.state = 'running';
      job.startedAt = now();
      running++;
      queue.served(job.userKey);
    },

    /** Waits in the fair queue until a slot is free; rejects with the reason given to `cancel`. */
    waitForSlot(id: string, onUpdate: (update: WaitingUpdate) => void): Promise<void> {
      const job = admitted.get(id);
      if (!job) return Promise.reject(new BotError('internal', `job ${id} was not admitted`));
      return new Promise<void>((resolve, reject) => {
        job.state = 'waiting';
        queue.push({ id, userKey: job.userKey, resolve, reject, onUpdate });
        startNext();
      });
    },

    /** Frees the job's place (and its slot when it ran); the next in line starts. */
    release(id: string): void {
      const job = admitted.get(id);
      if (!job) return;
      admitted.delete(id);
      if (job.state === 'waiting') queue.remove(id);
      if (job.state === 'running') {
        running--;
        if (job.startedAt !== undefined) durations.record(now() - job.startedAt);
      }
      forgetIfIdle(job.userKey);
      startNext();
    },

    /** Takes a waiting job out of the line; its `waitForSlot` rejects with `reason`. False if not waiting. */
    cancelWaiting(id: string, reason: unknown): boolean {
      const entry = queue.remove(id);
      if (!entry) return false;
      admitted.delete(id);
      forgetIfIdle(entry.userKey);
      entry.reject(reason);
      scheduleUpdates();
      return true;
    },
  };
}
export type Scheduler = ReturnType<typeof createScheduler>;
