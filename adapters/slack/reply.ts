import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import type {
  BotError,
  DownloadedVideo,
  GenerationReply,
  JobEvent,
  JobRecord,
  Reply,
  ReplyTextOptions,
} from '../../src/port.js';
import { createCoalescingThrottle } from '../../src/util/coalescing-throttle.js';
import type { EditPacer } from '../../src/util/edit-pacer.js';
import {
  escapeSlack,
  finalText,
  progressBlocks,
  progressText,
  resultBlocks,
  resultButtons,
} from './render.js';
import { findShareTs, uploadFromDisk } from './upload.js';

/**
 * The Reply port on Slack: one message per job, posted at the first progress event (so a refused request
 * leaves only an ephemeral note) and updated at most every 2 s. The finished video is shared where the job
 * lives (the channel for a slash command, the thread for a mention in one) with its prompt as the share's
 * text, the buttons in a message right under it, and the progress message deleted: the result is the newest
 * thing where people look, not one click away in a thread.
 */

/** Slack's Tier 3 allows ~50 chat.update a minute per workspace; one every 2 s per message keeps far below. */
export const UPDATE_INTERVAL_MS = 2000;

export const slackMessageRefSchema = z.object({
  kind: z.literal('slack'),
  teamId: z.string(),
  channel: z.string(),
  userId: z.string(),
  /** The job's message once posted: its progress, then (once the video is shared) the buttons under it. */
  ts: z.string().optional(),
  /** Where the job lives: a thread for mentions, the channel for slash commands. */
  threadTs: z.string().optional(),
  /** The uploaded MP4, so Delete can remove the file as well as the message. */
  fileId: z.string().optional(),
  /** The message that shares the MP4 (with the prompt as its text), for Delete and for links to the video. */
  shareTs: z.string().optional(),
});
export type SlackMessageRef = z.infer<typeof slackMessageRefSchema>;

type WebClient = App['client'];

export interface SlackReplyDeps {
  client: WebClient;
  logger: Logger;
  /** Tells the core the job's message moved (posted, file uploaded), so a restart finds it. */
  refChanged(jobId: string, ref: SlackMessageRef): Promise<void>;
  maxUploadBytes: number;
  updateIntervalMs?: number;
  /** The workspace's shared chat.update budget: with many jobs at once, each updates less often. */
  pacerFor?: (teamId: string) => EditPacer;
  fetchImage?: GenerationReply['fetchImage'];
}

export function createSlackReply(ref: SlackMessageRef, deps: SlackReplyDeps): GenerationReply {
  const { client, logger } = deps;
  let posting: Promise<string> | undefined = ref.ts ? Promise.resolve(ref.ts) : undefined;

  /** Posts the job message once; later calls update it. The ts is saved so a restart edits the same message. */
  async function show(text: string, record: JobRecord | undefined, blocks?: unknown[]): Promise<string> {
    if (!posting) {
      posting = client.chat
        .postMessage({
          channel: ref.channel,
          thread_ts: ref.threadTs,
          text,
          blocks: blocks as never,
          unfurl_links: false,
        })
        .then(async (res) => {
          const ts = String(res.ts);
          ref.ts = ts;
          if (record) await deps.refChanged(record.id, ref);
          return ts;
        });
      return posting;
    }
    const ts = await posting;
    await client.chat.update({ channel: ref.channel, ts, text, blocks: (blocks ?? []) as never });
    return ts;
  }

  const saveRef = (record: JobRecord) =>
    deps.refChanged(record.id, ref).catch((error: unknown) => {
      logger.warn({ jobId: record.id, err: error }, 'could not save where the job’s messages are');
    });

  const pacer = deps.pacerFor?.(ref.teamId);
  const minInterval = deps.updateIntervalMs ?? UPDATE_INTERVAL_MS;
  let leavePacer: (() => void) | undefined;
  const stopUpdating = async () => {
    await updates.close();
    leavePacer?.();
  };
  const updates = createCoalescingThrottle<{ event: JobEvent; record: JobRecord }>(
    () => pacer?.intervalMs() ?? minInterval,
    async ({ event, record }) => {
      try {
        const text = progressText(event, record);
        await show(text, record, progressBlocks(record, text));
      } catch (error) {
        logger.warn({ jobId: record.id, err: error }, 'progress update failed');
      }
    },
  );

  async function ephemeral(text: string): Promise<void> {
    await client.chat.postEphemeral({
      channel: ref.channel,
      user: ref.userId,
      text,
      thread_ts: ref.threadTs,
    });
  }

  return {
    ref,
    fetchImage: deps.fetchImage,

    async text(message: string, options?: ReplyTextOptions) {
      const text = options?.formatted ? message : escapeSlack(message);
      if (options?.ephemeral) await ephemeral(text);
      else await show(text, undefined);
    },

    async ready(record) {
      // The first state is posted (and awaited) before the job goes upstream, so a channel the bot cannot
      // post in refuses the job before it is paid for.
      if (posting) return;
      const starting: JobEvent = { type: 'starting', elapsedMs: 0 };
      const text = progressText(starting, record);
      await show(text, record, progressBlocks(record, text));
      updates.markSent();
    },

    async progress(event, record) {
      // The throttle sends the first state at once (posting the message) and spaces out the rest.
      leavePacer ??= pacer?.join();
      updates.push({ event, record });
    },

    async deliver(video: DownloadedVideo, record: JobRecord) {
      await stopUpdating();
      if (video.bytes > deps.maxUploadBytes) {
        const ts = posting ? await posting : await show(finalText(record), record);
        const note = video.publicUrl
          ? `The video is too large to upload here; it is at ${video.publicUrl}`
          : 'The video is larger than Slack’s upload limit, and the video service gave no public link to share instead.';
        const text = finalText(record, note);
        await client.chat.update({
          channel: ref.channel,
          ts,
          text,
          blocks: resultBlocks(record, text) as never,
        });
        return;
      }
      // Each step is saved as it is done: a job resumed after a restart goes on from the first step not
      // done, so it never shares the video twice.
      if (!ref.fileId) {
        // Streamed from the downloaded file: a video up to MAX_VIDEO_BYTES is never whole in memory.
        ref.fileId = await uploadFromDisk(client, {
          path: video.path,
          bytes: video.bytes,
          filename: 'video.mp4',
          contentType: 'video/mp4',
          title: record.request.prompt.slice(0, 80),
          channel: ref.channel,
          threadTs: ref.threadTs,
          initialComment: finalText(record),
        });
        await saveRef(record);
      }
      // The buttons go under the video, so they wait until Slack shows the share.
      ref.shareTs ??= await findShareTs(client, {
        fileId: ref.fileId,
        channel: ref.channel,
        threadTs: ref.threadTs,
      }).catch(() => undefined);
      // The progress message has nothing left to say: the share carries the prompt, the next message the buttons.
      const progressTs = posting ? await posting : undefined;
      if (progressTs) {
        await client.chat.delete({ channel: ref.channel, ts: progressTs }).catch((error: unknown) => {
          logger.warn({ jobId: record.id, err: error }, 'could not delete the progress message');
        });
      }
      const buttons = resultButtons(record);
      const posted = await client.chat.postMessage({
        channel: ref.channel,
        thread_ts: ref.threadTs,
        text: buttons.text,
        blocks: buttons.blocks as never,
      });
      ref.ts = String(posted.ts);
      posting = Promise.resolve(ref.ts);
      await saveRef(record);
    },

    async notify(record: JobRecord) {
      // A new message in the job's thread: an edit that adds a mention notifies no one. Only the requester.
      const text = `<@${ref.userId}> your video is ready.`;
      const ts = posting ? await posting.catch(() => undefined) : undefined;
      try {
        // In the video's own thread when it was shared in the channel: a reply under the result, not a new post.
        await client.chat.postMessage({
          channel: ref.channel,
          thread_ts: ref.threadTs ?? ref.shareTs ?? ts,
          text,
        });
      } catch (error) {
        logger.warn(
          { jobId: record.id, err: error },
          'channel not writable for the notification; sending a DM',
        );
        await client.chat.postMessage({ channel: ref.userId, text });
      }
    },

    async fail(error: BotError, record?: JobRecord) {
      await stopUpdating();
      if (!record || !posting) {
        await ephemeral(`:warning: ${escapeSlack(error.userMessage)}`);
        return;
      }
      await show(`:x: ${escapeSlack(error.userMessage)}\n${finalText(record)}`, record);
    },
  };
}

export interface SlackActionTarget {
  channel: string;
  userId: string;
  /** The message the button is on, and its thread. */
  ts?: string;
  threadTs?: string;
}

/**
 * The Reply for a button pressed on a job's message (Cancel, Delete): refusals are an ephemeral note to the
 * presser beside the message; Delete removes the message and the uploaded file.
 */
export function createSlackActionReply(
  target: SlackActionTarget,
  deps: Pick<SlackReplyDeps, 'client'> & {
    /** An ephemeral note to one user (the adapter's; failures only logged). */
    tellUser(channel: string, user: string, text: string, threadTs?: string): Promise<void>;
  },
): Reply {
  const note = (text: string) => deps.tellUser(target.channel, target.userId, text, target.threadTs);
  return {
    text: (message, options) => note(options?.formatted ? message : escapeSlack(message)),
    fail: (error) => note(escapeSlack(error.userMessage)),
    async remove(record) {
      const ref = slackMessageRefSchema.safeParse(record.messageRef).data;
      const ts = target.ts ?? ref?.ts;
      const channel = target.channel || (ref?.channel ?? '');
      if (ref?.fileId) await deps.client.files.delete({ file: ref.fileId }).catch(() => undefined);
      // Deleting a file leaves the message that shared it (its text is the prompt): that goes too.
      if (ref?.shareTs && ref.shareTs !== ts) {
        await deps.client.chat.delete({ channel, ts: ref.shareTs }).catch(() => undefined);
      }
      if (ts) await deps.client.chat.delete({ channel, ts });
    },
  };
}
