import type { App } from '@slack/bolt';
import { z } from 'zod';

/**
 * A process killed between Slack accepting a post and the store saving its ts leaves a message the next
 * process does not know about, and it would post a second one. Slack has no idempotency key for
 * chat.postMessage, so each post of a job carries message metadata naming the job and what the post is; a
 * resumed job looks for it (conversations.history or .replies with `include_all_metadata`, which Slack
 * requires before it returns metadata) and adopts it instead of posting again. Only a resumed job looks: a job
 * on its first attempt has nothing to find and pays no extra call.
 */

type WebClient = App['client'];

/** What a job's post is: its progress message, or the buttons message under the shared video. */
export type OwnPostKind = 'progress' | 'buttons';

const EVENT_TYPE: Record<OwnPostKind, string> = {
  progress: 'video_job_progress',
  buttons: 'video_job_buttons',
};

/** The `metadata` argument of chat.postMessage for a job's post. */
export function ownPostMetadata(kind: OwnPostKind, jobId: string) {
  return { event_type: EVENT_TYPE[kind], event_payload: { job_id: jobId } };
}

const pageSchema = z.object({
  messages: z
    .array(
      z.object({
        ts: z.string(),
        metadata: z
          .object({ event_type: z.string(), event_payload: z.record(z.string(), z.unknown()).optional() })
          .optional(),
      }),
    )
    .optional(),
});

/** How many recent messages are looked through: a resumed job's post is among the channel's newest. */
const LOOK_BACK = 200;

/**
 * The ts of the job's earlier post of this kind at or after `since` (a Slack ts), where the job lives: its
 * thread, or the channel. Undefined when there is none, or when Slack cannot say (then posting again is the
 * lesser harm: a duplicate beats a user told nothing).
 */
export async function findOwnPost(
  client: WebClient,
  where: { channel: string; threadTs?: string; since: string },
  kind: OwnPostKind,
  jobId: string,
): Promise<string | undefined> {
  const answer = await (
    where.threadTs === undefined
      ? client.conversations.history({
          channel: where.channel,
          oldest: where.since,
          inclusive: true,
          limit: LOOK_BACK,
          include_all_metadata: true,
        })
      : client.conversations.replies({
          channel: where.channel,
          ts: where.threadTs,
          oldest: where.since,
          inclusive: true,
          limit: LOOK_BACK,
          include_all_metadata: true,
        })
  ).catch(() => undefined);
  const messages = pageSchema.safeParse(answer).data?.messages ?? [];
  const found = messages.find(
    (m) =>
      Number(m.ts) >= Number(where.since) &&
      m.metadata?.event_type === EVENT_TYPE[kind] &&
      m.metadata.event_payload?.job_id === jobId,
  );
  return found?.ts;
}

/** A Slack-style ts for "a little before now", as the earliest a post about to be made can carry. */
export function tsBefore(nowMs: number, marginMs = 60_000): string {
  return ((nowMs - marginMs) / 1000).toFixed(6);
}
