import { z } from 'zod';

/**
 * The provider's wire format, parsed tolerantly: relays add fields freely and sometimes invent statuses,
 * so unknown fields are dropped, unknown statuses become "running", and progress is clamped.
 */

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

const STATUS_ALIASES: Record<string, JobStatus> = {
  queued: 'queued',
  pending: 'queued',
  processing: 'processing',
  in_progress: 'processing',
  running: 'processing',
  completed: 'completed',
  succeeded: 'completed',
  success: 'completed',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

export interface VideoJob {
  id: string;
  status: JobStatus;
  /** The status as the provider spelled it, kept so an unknown one can be logged. */
  rawStatus: string;
  statusKnown: boolean;
  /** 0..100, or undefined when the provider did not say. */
  progress: number | undefined;
  videoUrl: string | undefined;
  createdAt: number | undefined;
  errorMessage: string | undefined;
}

const progressSchema = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined || value === '') return undefined;
    const n = typeof value === 'number' ? value : Number(String(value).replace(/%$/, ''));
    if (!Number.isFinite(n)) return undefined;
    return Math.min(100, Math.max(0, Math.round(n)));
  });

const errorField = z
  .union([
    z.string(),
    z.object({ message: z.string().nullish(), code: z.union([z.string(), z.number()]).nullish() }).loose(),
  ])
  .nullish()
  .transform((value) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value || undefined;
    return (
      value.message ?? (value.code !== null && value.code !== undefined ? String(value.code) : undefined)
    );
  });

export const videoJobSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    status: z.string().nullish(),
    progress: progressSchema,
    video_url: z.string().nullish(),
    url: z.string().nullish(),
    created_at: z.union([z.number(), z.string()]).nullish(),
    error: errorField,
    fail_reason: z.string().nullish(),
  })
  .transform((raw): VideoJob => {
    const rawStatus = (raw.status ?? '').trim();
    const known = STATUS_ALIASES[rawStatus.toLowerCase()];
    const videoUrl = raw.video_url || raw.url || undefined;
    const createdAt =
      raw.created_at === null || raw.created_at === undefined ? undefined : Number(raw.created_at);
    return {
      id: raw.id,
      status: known ?? 'processing',
      rawStatus,
      statusKnown: known !== undefined,
      progress: known === 'completed' ? 100 : raw.progress,
      videoUrl,
      createdAt: Number.isFinite(createdAt) ? createdAt : undefined,
      errorMessage: raw.error ?? raw.fail_reason ?? undefined,
    };
  });

export const errorEnvelopeSchema = z.object({
  error: z
    .object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      param: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    })
    .loose(),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/**
 * A submission to POST /videos in grok-imagine-video's JSON names; `encodeCreateBody` (models.ts) sends it
 * as is or turns it into the multipart form a sibling model takes (`resolution` as `size`, the image as the
 * file `input_reference`).
 */
export interface CreateVideoBody {
  model: string;
  prompt: string;
  seconds: string;
  aspect_ratio: string;
  /** The size, whichever field the model's wire names it with. */
  resolution: string;
  image?: string;
  images?: string[];
}
