import type { BotError } from '../errors.js';
import type { JobEvent } from '../jobs/events.js';
import type { JobRecord } from '../jobs/job-store.js';
import { formatCount, formatElapsed, formatWait } from '../util/format.js';

/**
 * What every adapter shows of a job, in words and numbers; each renders it in its own markup. The state
 * words are defined here once, so a job reads the same on every platform: Queued, Starting, Generating,
 * Uploading, then Done, Failed or Cancelled.
 */

export const STATE_WORDS = {
  /** In the bot's own line, with the place in it. */
  queued: 'Queued',
  /** Holding its place and quota, about to be (or just) sent to the video service. */
  starting: 'Starting',
  generating: 'Generating',
  /** The video service finished: the bot fetches the video and posts it. */
  uploading: 'Uploading',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
} as const;

export type JobState = keyof typeof STATE_WORDS;

export interface ProgressView {
  state: JobState;
  /** What the state word alone does not say: the place in line, the video service being slow. */
  detail?: string;
  /** For the progress bar; shown as a number while generating. */
  percent: number | undefined;
  elapsedText: string;
}

export function progressView(event: JobEvent): ProgressView {
  const elapsedText = 'elapsedMs' in event ? formatElapsed(event.elapsedMs) : '0:00';
  switch (event.type) {
    case 'waiting':
      return {
        state: 'queued',
        detail: `${event.position === 0 ? 'next in line' : `${event.position} ahead`} · starts in about ${formatWait(event.etaMs)}`,
        percent: undefined,
        elapsedText,
      };
    case 'starting':
    case 'submitted':
      return { state: 'starting', percent: 0, elapsedText };
    case 'progress':
      return event.status === 'queued'
        ? { state: 'starting', detail: 'in the video service’s queue', percent: 0, elapsedText }
        : { state: 'generating', percent: event.progress, elapsedText };
    case 'delayed':
      return {
        state: 'generating',
        detail: 'the video service is slow to answer; still waiting',
        percent: undefined,
        elapsedText,
      };
    case 'downloading':
    case 'completed':
      return { state: 'uploading', percent: 100, elapsedText };
  }
}

/**
 * The line a job's message opens with, the state word in the platform's emphasis and the rest after it:
 * "**Generating** · 40% · 0:12" on Discord, "*Generating* · 40% · 0:12" on Slack.
 */
export function stateLine(
  state: JobState,
  strong: (word: string) => string,
  parts: ReadonlyArray<string | undefined> = [],
): string {
  return [strong(STATE_WORDS[state]), ...parts.filter((p) => p !== undefined && p !== '')].join(' · ');
}

export function progressLine(view: ProgressView, strong: (word: string) => string): string {
  const percent = view.state === 'generating' && view.percent !== undefined ? `${view.percent}%` : undefined;
  return stateLine(view.state, strong, [view.detail, percent, view.elapsedText]);
}

/** Said of a job that ended without a video and whose quota was given back. */
export const NOT_COUNTED = 'It did not count against your quota.';

/** What a job's message says when it ended without a video. */
export interface EndView {
  state: 'failed' | 'cancelled';
  /** The reason, and whether it counted against the quota. */
  text: string;
  /** A failed job offers to run the same request again (a cancelled one was stopped on purpose). */
  tryAgain: boolean;
}

/**
 * `record` as settled: its `reservation` says whether the job was given back (`refunded`) or counts (a
 * cancel after the video service had it is charged, and its reason says so).
 */
export function endView(error: BotError, record: Pick<JobRecord, 'reservation'>): EndView {
  const cancelled = error.kind === 'job_cancelled';
  const refunded = record.reservation === 'refunded';
  // The provider's reason may come without a full stop ("…: Content policy violation").
  const reason = /[.!?…]$/.test(error.userMessage) ? error.userMessage : `${error.userMessage}.`;
  return {
    state: cancelled ? 'cancelled' : 'failed',
    text: refunded ? `${reason} ${NOT_COUNTED}` : reason,
    tryAgain: !cancelled,
  };
}

export function textBar(percent: number | undefined, width = 20): string {
  const filled = Math.round(((percent ?? 0) / 100) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/**
 * "6s · 16:9 · 720P · 2 images": the settings line under every job message. With `charged` in credits (a job
 * still running), its price: "10s · 16:9 · 720P · 30 credits"; a video or its seconds say nothing new. With
 * `chain` (an extension's earlier clips), how long the joined video is.
 */
export function settingsLine(
  request: {
    seconds: number;
    aspectRatio: string;
    resolution: string;
    imageRefs: string[];
  },
  extra: {
    charged?: JobRecord['charged'];
    chain?: { clips: ReadonlyArray<{ seconds: number }> };
  } = {},
): string {
  const { charged, chain } = extra;
  const n = request.imageRefs.length;
  const images = n ? ` · ${n} image${n > 1 ? 's' : ''}` : '';
  const price =
    charged?.unit === 'credits'
      ? ` · ${formatCount(charged.amount)} credit${charged.amount === 1 ? '' : 's'}`
      : '';
  const total = chain ? chain.clips.reduce((sum, clip) => sum + clip.seconds, request.seconds) : 0;
  const joined = chain ? ` · ⏩ ${chain.clips.length + 1} clips, ${Math.round(total * 10) / 10}s in all` : '';
  return `${request.seconds}s · ${request.aspectRatio} · ${request.resolution}${images}${joined}${price}`;
}

/** The prompt as a block quote, cut to `max` characters; every line quoted so it cannot break out. */
export function quotePrompt(
  prompt: string,
  max: number,
  escape: (text: string) => string = (t) => t,
): string {
  const shown = prompt.length > max ? `${prompt.slice(0, max - 1)}…` : prompt;
  return escape(shown)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
