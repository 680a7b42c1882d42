import type { App } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import {
  BotError,
  pickLanguage,
  recordTranslator,
  translator,
  type DownloadedVideo,
  type GenerationReply,
  type ImageSource,
  type JobEvent,
  type Language,
  type JobRecord,
  type Reply,
  type ReplyTextOptions,
  type Translator,
} from '../../src/port.js';
import { createCoalescingThrottle } from '../../src/util/coalescing-throttle.js';
import type { EditPacer } from '../../src/util/edit-pacer.js';
import {
  slackErrorCode,
  type CommandAck,
  type PrivateAnswers,
  type PrivateTarget,
} from './private-answer.js';
import {
  endBlocks,
  endText,
  escapeSlack,
  finalText,
  progressBlocks,
  progressText,
  resultBlocks,
  resultButtons,
} from './render.js';
import { findOwnPost, ownPostMetadata, tsBefore } from './own-posts.js';
import { findShareTs, uploadFromDisk } from './upload.js';

/**
 * The Reply port on Slack: one message per job, posted when the job is about to start (so a refused request
 * leaves only a private note) and updated at most every 2 s. Where the bot is not a member it joins a public
 * channel; anywhere else it cannot post, the job is refused as `unreachable` before it goes upstream and the
 * user is told, privately, how to invite the bot. The finished video is shared where the job lives (the
 * channel for a slash command, the thread for a mention in one) with its prompt as the share's text, the
 * buttons in a message right under it, and the progress message deleted: the result is the newest thing where
 * people look, not one click away in a thread.
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
  /**
   * The command's (or button's, or shortcut's) response_url: private answers reach the user through it
   * wherever they typed, for 30 minutes. A credential to post to that person: never logged.
   */
  responseUrl: z.object({ url: z.string(), issuedAt: z.number() }).optional(),
  /** The message that shares the MP4 (with the prompt as its text), for Delete and for links to the video. */
  shareTs: z.string().optional(),
  /**
   * Saved just before the job's first post (a Slack ts a little before it): a process killed between Slack
   * taking the post and the ts being saved leaves this without `ts`, and the next one looks for that post.
   */
  postingSince: z.string().optional(),
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
  /** The adapter's fetchers; `tr` is the language of their refusals (the job's). */
  fetchImage?: (source: ImageSource, maxBytes: number, tr?: Translator) => Promise<Uint8Array>;
  fetchFile?: (source: ImageSource, maxBytes: number, path: string, tr?: Translator) => Promise<number>;
  /** Answers only the user sees: ack body, response_url, ephemeral or DM, whichever still reaches them. */
  answers: PrivateAnswers;
  /** The bot's name as people see it, for "/invite @…". */
  botName: () => Promise<string>;
  /** Resolves when the acks other requests wait for have gone out (ack-first.ts); at once when absent. */
  afterAcks?: () => Promise<void>;
}

/** What only the live request has (not kept in the ref): a slash command's pending acknowledgement. */
export interface SlackReplyOptions {
  ack?: CommandAck;
  /**
   * Acknowledge the command when the core acknowledges it as a job (Slack's "sending" state clears at once);
   * false while an answer is expected (usage), so that answer rides in the ack body.
   */
  settleOnJob?: boolean;
  /**
   * The user's Slack locale (users.info), for the answers only they see that the adapter writes itself (how
   * to invite the bot): in it when the bot speaks it, else in the job's language.
   */
  locale?: string;
  /** The job's language, for a job resumed from its record. */
  language?: Language;
}

const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found']);

export function createSlackReply(
  ref: SlackMessageRef,
  deps: SlackReplyDeps,
  options: SlackReplyOptions = {},
): GenerationReply {
  const { client, logger, fetchImage, fetchFile } = deps;
  /** The job's language: the space's as the core acknowledged the job, or its record's once resumed. */
  let jobLanguage: Language | undefined = options.language;
  const jobTr = () => translator(jobLanguage);
  let posting: Promise<string> | undefined = ref.ts ? Promise.resolve(ref.ts) : undefined;
  /** The user's own language when the bot speaks it, else the job's (docs/i18n.md: private answers). */
  const privateTr = (record: JobRecord | undefined) =>
    translator(pickLanguage([options.locale], record?.language ?? 'en'));

  /** Joins the public channel the job was asked in; false when Slack refuses (then the user is told). */
  async function join(): Promise<boolean> {
    try {
      await client.conversations.join({ channel: ref.channel });
      logger.info({ channel: ref.channel }, 'joined a public channel to show a job there');
      return true;
    } catch (error) {
      logger.info({ channel: ref.channel, code: slackErrorCode(error) }, 'could not join the channel');
      return false;
    }
  }

  /** A post Slack refused because the bot is not in the conversation, as the core's typed refusal. */
  async function unreachable(error: unknown, record: JobRecord | undefined): Promise<unknown> {
    const code = slackErrorCode(error);
    if (code === undefined || !CANNOT_POST.has(code)) return error;
    const tr = privateTr(record);
    // A DM between other people cannot take an invitation; a channel can.
    const advice = ref.channel.startsWith('D')
      ? tr.t('slack.unreachable.otherPeople')
      : tr.t('slack.unreachable.notInChannel', { bot: await deps.botName() });
    return new BotError('unreachable', `cannot post in ${ref.channel}: ${code}`, {
      userMessage: advice,
      detail: { channel: ref.channel, code },
      cause: error,
    });
  }

  /**
   * The job message's first post: in a public channel the bot has not joined, it joins and posts again. A job
   * resumed after its process died mid-post adopts the message that post left instead of posting a second.
   */
  async function postFirst(text: string, record: JobRecord | undefined, blocks?: unknown[]): Promise<string> {
    if (record && ref.postingSince !== undefined) {
      const where = { channel: ref.channel, threadTs: ref.threadTs, since: ref.postingSince };
      const earlier = await findOwnPost(client, where, 'progress', record.id);
      if (earlier !== undefined) {
        logger.info({ jobId: record.id }, 'found the job’s message posted before a restart; using it');
        ref.ts = earlier;
        await deps.refChanged(record.id, ref);
        await client.chat.update({
          channel: ref.channel,
          ts: earlier,
          text,
          blocks: (blocks ?? []) as never,
        });
        return earlier;
      }
    }
    if (record) {
      ref.postingSince = tsBefore(Date.now());
      await deps.refChanged(record.id, ref);
    }
    const post = () =>
      client.chat.postMessage({
        channel: ref.channel,
        thread_ts: ref.threadTs,
        text,
        blocks: blocks as never,
        unfurl_links: false,
        ...(record ? { metadata: ownPostMetadata('progress', record.id) } : {}),
      });
    let res: Awaited<ReturnType<typeof post>>;
    try {
      res = await post();
    } catch (error) {
      if (slackErrorCode(error) !== 'not_in_channel' || !(await join())) {
        throw await unreachable(error, record);
      }
      res = await post().catch(async (again: unknown) => {
        throw await unreachable(again, record);
      });
    }
    const ts = String(res.ts);
    ref.ts = ts;
    if (record) await deps.refChanged(record.id, ref);
    return ts;
  }

  /** Posts the job message once; later calls update it. The ts is saved so a restart edits the same message. */
  async function show(text: string, record: JobRecord | undefined, blocks?: unknown[]): Promise<string> {
    if (!posting) {
      const first = postFirst(text, record, blocks);
      posting = first;
      // A post that failed is tried again by the next call (ready() after a refused "waiting" update).
      first.catch(() => {
        if (posting === first) posting = undefined;
      });
      return first;
    }
    const ts = await posting;
    await client.chat.update({ channel: ref.channel, ts, text, blocks: (blocks ?? []) as never });
    return ts;
  }

  /** The job message's ts when it exists; a failed post counts as none. */
  async function postedTs(): Promise<string | undefined> {
    const current = posting;
    if (!current) return undefined;
    try {
      return await current;
    } catch {
      if (posting === current) posting = undefined;
      return undefined;
    }
  }

  const target: PrivateTarget = {
    channel: ref.channel,
    userId: ref.userId,
    threadTs: ref.threadTs,
    responseUrl: ref.responseUrl,
    ack: options.ack,
    language: pickLanguage([options.locale]),
  };
  const tellPrivately = async (text: string) => {
    await deps.answers.tell(target, text);
  };
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

  return {
    ref,
    fetchImage: fetchImage && ((source, maxBytes) => fetchImage(source, maxBytes, jobTr())),
    fetchFile: fetchFile && ((source, maxBytes, path) => fetchFile(source, maxBytes, path, jobTr())),

    async acknowledge(visibility, language) {
      // The user's language when the bot speaks it, else the space's, for the route's own words.
      target.language = pickLanguage([options.locale], language);
      jobLanguage = language;
      if (visibility !== 'private' && (options.settleOnJob ?? true) && options.ack) {
        await options.ack.settle();
        // The job's own work (record, post, upstream) yields to the commands still waiting for their ack.
        await deps.afterAcks?.();
      }
    },

    async text(message: string, textOptions?: ReplyTextOptions) {
      const text = textOptions?.formatted ? message : escapeSlack(message);
      if (textOptions?.ephemeral) await tellPrivately(text);
      else await show(text, undefined);
    },

    async ready(record) {
      jobLanguage = record.language ?? 'en';
      // The first state is posted (and awaited) before the job goes upstream, so a channel the bot cannot
      // post in refuses the job (`unreachable`) before it is paid for.
      if ((await postedTs()) !== undefined) return;
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
      // An earlier attempt got as far as the upload: it may have posted the buttons too before it died.
      const resumedDelivery = ref.fileId !== undefined;
      if (video.bytes > deps.maxUploadBytes) {
        const ts = posting ? await posting : await show(finalText(record), record);
        const tr = recordTranslator(record);
        const note = video.publicUrl
          ? tr.t('slack.upload.tooLargeLink', { url: video.publicUrl })
          : tr.t('slack.upload.tooLargeNoLink');
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
      const since = ref.shareTs ?? ref.postingSince;
      const earlierButtons =
        resumedDelivery && since !== undefined
          ? await findOwnPost(
              client,
              { channel: ref.channel, threadTs: ref.threadTs, since },
              'buttons',
              record.id,
            )
          : undefined;
      // The progress message has nothing left to say: the share carries the prompt, the next message the buttons.
      const progressTs = await postedTs();
      if (progressTs && progressTs !== earlierButtons) {
        await client.chat.delete({ channel: ref.channel, ts: progressTs }).catch((error: unknown) => {
          logger.warn({ jobId: record.id, err: error }, 'could not delete the progress message');
        });
      }
      if (earlierButtons !== undefined) {
        ref.ts = earlierButtons;
      } else {
        const buttons = resultButtons(record);
        const posted = await client.chat.postMessage({
          channel: ref.channel,
          thread_ts: ref.threadTs,
          text: buttons.text,
          blocks: buttons.blocks as never,
          metadata: ownPostMetadata('buttons', record.id),
        });
        ref.ts = String(posted.ts);
      }
      posting = Promise.resolve(ref.ts);
      await saveRef(record);
    },

    async notify(record: JobRecord) {
      // A new message in the job's thread: an edit that adds a mention notifies no one. Only the requester.
      const text = recordTranslator(record).t('slack.notify', { user: `<@${ref.userId}>` });
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
      const note = escapeSlack(error.userMessage);
      if (!record || (await postedTs()) === undefined) {
        await tellPrivately(`:warning: ${note}`);
        return;
      }
      const text = endText(error, record);
      try {
        await show(text, record, endBlocks(error, record, text));
      } catch (editError) {
        // The job's message can no longer be edited (the bot was removed from the channel): say it privately.
        logger.warn({ jobId: record.id, code: slackErrorCode(editError) }, 'could not edit the job message');
        await tellPrivately(`:x: ${note}`);
      }
    },
  };
}

export interface SlackActionTarget {
  channel: string;
  userId: string;
  /** The message the button is on, and its thread. */
  ts?: string;
  threadTs?: string;
  /** The press's response_url: the presser's private answers, wherever the message is. */
  responseUrl?: PrivateTarget['responseUrl'];
}

/**
 * The Reply for a button pressed on a job's message (Cancel, Delete): refusals are a private note to the
 * presser (through the press's response_url); Delete removes the message and the uploaded file.
 */
export function createSlackActionReply(
  target: SlackActionTarget,
  deps: Pick<SlackReplyDeps, 'client' | 'answers'>,
): Reply {
  const note = async (text: string) => {
    await deps.answers.tell(target, text);
  };
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
