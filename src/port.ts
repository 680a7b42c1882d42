import type { BotError } from './errors.js';
import type { JobEvent } from './jobs/events.js';
import type { ImageSource } from './generation/request.js';
import type { JobRecord } from './jobs/job-store.js';
import type { JobSink } from './jobs/job-runner.js';
import type { Platform } from './quota/quota.js';
import type { DownloadedVideo } from './video-api/download.js';

/**
 * The port between adapters and commands. Adapters build an Invocation from a platform event and implement
 * Reply on top of their messages; commands and the core see only these types.
 */

export interface UserRef {
  id: string;
  /** False when the adapter could not find this user in the invocation's space. */
  inSpace: boolean;
  displayName?: string;
}

/** A channel picked as an option value (`/settings channel-add`). */
export interface ChannelRef {
  kind: 'channel';
  id: string;
  name?: string;
}

export type OptionValue = string | number | boolean | UserRef | ChannelRef;

export interface Invocation {
  platform: Exclude<Platform, 'cli'>;
  /** Discord guild id or `dm:<user id>`; Slack team id. */
  spaceId: string;
  channelId: string;
  /** The parent channel when `channelId` is a thread, where the platform has such a thing (Discord). */
  parentChannelId?: string;
  userId: string;
  isSpaceAdmin: boolean;
  command: string;
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
  /** Images the user attached or pointed at, with a reference string each so "Again" can fetch them again. */
  images: Array<ImageSource & { ref: string }>;
}

export interface ReplyTextOptions {
  /** Visible only to the invoking user, where the platform allows it. */
  ephemeral?: boolean;
}

export interface Reply {
  /** A plain answer: the whole response for commands that do not generate. */
  text(message: string, options?: ReplyTextOptions): Promise<void>;
  /** A specific, friendly failure; ephemeral where the platform allows it. */
  fail(userMessage: string): Promise<void>;
}

/** What a generating command needs beyond Reply: live progress, the final video, and a way back after a restart. */
export interface GenerationReply extends Reply {
  /** Serialisable: stored in the job record so a restarted bot can find this conversation again. */
  readonly ref: unknown;
  progress(event: JobEvent, record: JobRecord): Promise<void>;
  deliver(video: DownloadedVideo, record: JobRecord): Promise<void>;
  /** A failure of a job (after it was accepted), with the error's user message. */
  jobFailed(error: BotError, record: JobRecord | undefined): Promise<void>;
  /** Fetches an image the adapter referenced by URL (platform auth and host allowlist are the adapter's). */
  fetchImage?(source: ImageSource, maxBytes: number): Promise<Uint8Array>;
  /** Mentions the requester once, in a new message, that a long job's result is posted. */
  notify?(record: JobRecord): Promise<void>;
}

/** The job runner's view of a GenerationReply. */
export function sinkFromReply(reply: GenerationReply): JobSink {
  return {
    progress: (event, record) => reply.progress(event, record),
    deliver: (video, record) => reply.deliver(video, record),
    fail: (error, record) => reply.jobFailed(error, record),
    notify: reply.notify?.bind(reply),
    fetchImage: reply.fetchImage?.bind(reply),
  };
}
