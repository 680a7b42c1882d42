import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { CancelRequest } from '../cancellation.js';

/**
 * Cancel across processes: a job may be polled by any process, or not yet taken by one. A request publishes
 * on a Redis channel (the process polling the job aborts it) and leaves a marker key (the process that takes
 * the job later settles it as cancelled instead of starting it).
 */

const cancelMessageSchema = z.object({ jobId: z.string(), by: z.string() });
/** Long enough for any job still in line to be taken and see it. */
const MARKER_MS = 86_400_000;

export interface CancelChannelOptions {
  redis: Redis;
  /** Key prefix, the fair queue's (one hash tag). */
  prefix: string;
  logger: Logger;
  /** Called in every process for every cancel request; the one driving `jobId` aborts it. */
  onCancel(jobId: string, request: CancelRequest): void;
}

export async function openCancelChannel(options: CancelChannelOptions) {
  const { redis, prefix, logger } = options;
  const channel = `${prefix}cancel`;
  const markerKey = (jobId: string) => `${prefix}cancel:${jobId}`;
  const subscriber = redis.duplicate();
  subscriber.on('error', (error: unknown) => logger.warn({ err: error }, 'cancel subscription: Redis error'));
  subscriber.on('message', (_channel: string, message: string) => {
    const parsed = cancelMessageSchema.safeParse(safeJson(message));
    if (!parsed.success) return;
    options.onCancel(parsed.data.jobId, new CancelRequest(parsed.data.by));
  });
  await subscriber.subscribe(channel);

  return {
    /** Cancels a job driven by another process, or about to be taken: it stops at its next poll, or on taking it. */
    async request(jobId: string, by: string): Promise<void> {
      await redis.set(markerKey(jobId), by, 'PX', MARKER_MS);
      await redis.publish(channel, JSON.stringify({ jobId, by }));
    },

    /** A cancel requested before this process took the job; null when none was. */
    async requested(jobId: string): Promise<CancelRequest | null> {
      const by = await redis.get(markerKey(jobId));
      return by === null ? null : new CancelRequest(by);
    },

    async close(): Promise<void> {
      await subscriber.quit();
    },
  };
}
export type CancelChannel = Awaited<ReturnType<typeof openCancelChannel>>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
