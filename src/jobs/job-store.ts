import { z } from 'zod';
import { platformSchema } from '../platforms.js';
import { LANGUAGES } from '../i18n/languages.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../store/state.js';

/**
 * One record per generation, written at submit and on every status change, so a restarted bot knows what was
 * running, whom to deliver to and what the user asked for. Never image bytes: only references an adapter can
 * fetch again.
 */

export const JOB_STATUSES = [
  /** Accepted and paid for (quota reserved), waiting in the bot's own fair queue for an upstream slot. */
  'waiting',
  'reserved',
  'submitted',
  'queued',
  'processing',
  'completed',
  'failed',
  'cancelled',
  'timeout',
] as const;
export type JobRecordStatus = (typeof JOB_STATUSES)[number];
/** Statuses a restart must pick up again. */
export const UNFINISHED_STATUSES: ReadonlySet<JobRecordStatus> = new Set([
  'waiting',
  'reserved',
  'submitted',
  'queued',
  'processing',
]);

/** One clip of an extended video, in order: which job made it, the provider's id for it, its nominal length. */
export const chainClipSchema = z.object({
  jobId: z.string().optional(),
  upstreamId: z.string().optional(),
  seconds: z.number(),
});
export type ChainClip = z.infer<typeof chainClipSchema>;

/**
 * An extension (Extend, or a reply to a video): the job whose video it continues and the clips that video is
 * made of. The job's own clip is generated from the last of them; its result is all of them joined with it.
 * Stored with the record so a restart joins the same clips.
 */
export const jobChainSchema = z.object({
  /** The job whose video this continues; absent when it continues a video the bot did not make. */
  parentId: z.string().optional(),
  clips: z.array(chainClipSchema).min(1),
  /** The platform's copy of the video continued (an attachment or file the adapter can fetch), if known. */
  source: z.object({ url: z.string(), name: z.string(), size: z.number().optional() }).optional(),
});
export type JobChain = z.infer<typeof jobChainSchema>;

const jobRecordSchema = z.object({
  id: z.string(),
  platform: platformSchema,
  spaceId: z.string(),
  channelId: z.string(),
  userId: z.string(),
  /** Whatever the adapter needs to edit its message or reply later; opaque to the core. */
  messageRef: z.unknown(),
  request: z.object({
    prompt: z.string(),
    seconds: z.number(),
    aspectRatio: z.string(),
    resolution: z.string(),
    /** Platform URLs or ids of the source images, so "Again" can fetch them again. */
    imageRefs: z.array(z.string()),
    /** So a resumed job or "Again" keeps its model; absent on records older than the model choice. */
    model: z.string().optional(),
  }),
  upstreamId: z.string().optional(),
  status: z.enum(JOB_STATUSES),
  progress: z.number().optional(),
  reservation: z.enum(['reserved', 'committed', 'refunded']),
  /**
   * What the job was charged, in the quota unit of the time (1 video, N seconds, or its price in credits).
   * Absent on records older than credits: they were charged 1 video or their seconds (see `chargedOf`).
   */
  charged: z.object({ amount: z.number(), unit: z.enum(['videos', 'seconds', 'credits']) }).optional(),
  createdAt: z.number(),
  submittedAt: z.number().optional(),
  updatedAt: z.number(),
  deliveredAt: z.number().optional(),
  error: z.string().optional(),
  chain: jobChainSchema.optional(),
  /** The space's language when the job was asked: its message stays in it. Absent on older records (en). */
  language: z.enum(LANGUAGES).optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export interface JobFilter {
  status?: JobRecordStatus | 'running';
  userId?: string;
  platform?: string;
  spaceId?: string;
}

export type JobStore = ReturnType<typeof createJobStore>;

export function createJobStore(state: StateStore, logger: Logger, now: () => number = Date.now) {
  /** `job:<id>`, the key keyv's `job` namespace wrote, so records from before read the same. */
  const keyOf = (id: string) => `job:${id}`;
  /** The last update queued per record in this process; see `update`. */
  const updating = new Map<string, Promise<void>>();

  async function all(): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const { value } of await state.list('job:')) {
      const parsed = jobRecordSchema.safeParse(value);
      if (parsed.success) out.push(parsed.data);
      else logger.warn({ issues: parsed.error.issues.length }, 'skipping a job record that does not parse');
    }
    return out;
  }

  return {
    async get(id: string): Promise<JobRecord | undefined> {
      const parsed = jobRecordSchema.safeParse(await state.get(keyOf(id)));
      return parsed.success ? parsed.data : undefined;
    },

    async put(record: JobRecord): Promise<void> {
      await state.set(keyOf(record.id), record);
    },

    /**
     * Read-modify-write of one record. Only the process driving a job writes its record, but two writers
     * in it can overlap (the job's progress and the reply's moved message ref): their updates take turns, or
     * one would write back a record read before the other's change (a lost message ref posts the job's
     * message twice after a restart).
     */
    update(id: string, change: Partial<Omit<JobRecord, 'id'>>): Promise<JobRecord | undefined> {
      const write = async () => {
        const current = await this.get(id);
        if (!current) return undefined;
        const next = { ...current, ...change, updatedAt: now() };
        await state.set(keyOf(id), next);
        return next;
      };
      const result = (updating.get(id) ?? Promise.resolve()).then(write, write);
      const turn = result.then(
        () => undefined,
        () => undefined,
      );
      updating.set(id, turn);
      void turn.then(() => {
        if (updating.get(id) === turn) updating.delete(id);
      });
      return result;
    },

    async list(filter: JobFilter = {}, limit = 50): Promise<JobRecord[]> {
      const out: JobRecord[] = [];
      for (const record of await all()) {
        if (filter.userId && record.userId !== filter.userId) continue;
        if (filter.platform && record.platform !== filter.platform) continue;
        if (filter.spaceId && record.spaceId !== filter.spaceId) continue;
        if (filter.status === 'running' && !UNFINISHED_STATUSES.has(record.status)) continue;
        if (filter.status && filter.status !== 'running' && record.status !== filter.status) continue;
        out.push(record);
      }
      return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    },

    async unfinished(): Promise<JobRecord[]> {
      const out: JobRecord[] = [];
      for (const record of await all()) if (UNFINISHED_STATUSES.has(record.status)) out.push(record);
      return out.sort((a, b) => a.createdAt - b.createdAt);
    },

    /** Removes finished records older than the retention period; returns how many. */
    async prune(retentionMs: number): Promise<number> {
      const cutoff = now() - retentionMs;
      let removed = 0;
      for (const record of await all()) {
        if (!UNFINISHED_STATUSES.has(record.status) && record.updatedAt < cutoff) {
          await state.delete(keyOf(record.id));
          removed++;
        }
      }
      return removed;
    },
  };
}
