import type { BotError } from '../errors.js';
import type { JobEvent } from '../jobs/events.js';
import type { JobRecord } from '../jobs/job-store.js';
import type { MessageKey } from '../i18n/catalogs/en/index.js';
import { translator, type Translator } from '../i18n/translate.js';
import { formatElapsed } from '../util/format.js';

/**
 * What every adapter shows of a job, in words and numbers; each renders it in its own markup. The state
 * words come from the catalogs (src/i18n/catalogs/<language>/progress.ts) once, so a job reads the same on every
 * platform: Queued, Starting, Generating, Uploading, then Done, Failed or Cancelled — in the language of the
 * job's record (`recordTranslator`), the space's when the job was asked.
 */

const STATE_KEYS = {
  /** In the bot's own line, with the place in it. */
  queued: 'progress.state.queued',
  /** Holding its place and quota, about to be (or just) sent to the video service. */
  starting: 'progress.state.starting',
  generating: 'progress.state.generating',
  /** The video service finished: the bot fetches the video and posts it. */
  uploading: 'progress.state.uploading',
  done: 'progress.state.done',
  failed: 'progress.state.failed',
  cancelled: 'progress.state.cancelled',
} as const satisfies Record<string, MessageKey>;

export type JobState = keyof typeof STATE_KEYS;

/** The word for a state in `tr`'s language ("Generating", "生成中"). */
export function stateWord(state: JobState, tr: Translator): string {
  return tr.t(STATE_KEYS[state]);
}

/** The translator of a job's public messages: its record's language (English for records older than it). */
export function recordTranslator(record: Pick<JobRecord, 'language'>): Translator {
  return translator(record.language ?? 'en');
}

/** "40 s", "3 min": an estimate, so rounded to what a person would say. */
function waitText(ms: number, tr: Translator): string {
  const seconds = Math.max(5, Math.round(ms / 5000) * 5);
  return seconds < 90
    ? tr.t('progress.wait.seconds', { seconds })
    : tr.t('progress.wait.minutes', { minutes: Math.round(seconds / 60) });
}

export interface ProgressView {
  state: JobState;
  /** What the state word alone does not say: the place in line, the video service being slow. */
  detail?: string;
  /** For the progress bar; shown as a number while generating. */
  percent: number | undefined;
  elapsedText: string;
}

export function progressView(event: JobEvent, tr: Translator): ProgressView {
  const elapsedText = 'elapsedMs' in event ? formatElapsed(event.elapsedMs) : '0:00';
  switch (event.type) {
    case 'waiting':
      return {
        state: 'queued',
        detail: `${event.position === 0 ? tr.t('progress.queue.next') : tr.t('progress.queue.ahead', { count: event.position })} · ${tr.t('progress.queue.startsIn', { wait: waitText(event.etaMs, tr) })}`,
        percent: undefined,
        elapsedText,
      };
    case 'starting':
    case 'submitted':
      return { state: 'starting', percent: 0, elapsedText };
    case 'progress':
      return event.status === 'queued'
        ? { state: 'starting', detail: tr.t('progress.upstreamQueue'), percent: 0, elapsedText }
        : { state: 'generating', percent: event.progress, elapsedText };
    case 'delayed':
      return {
        state: 'generating',
        detail: tr.t('progress.slow'),
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
  tr: Translator,
  parts: ReadonlyArray<string | undefined> = [],
): string {
  return [strong(stateWord(state, tr)), ...parts.filter((p) => p !== undefined && p !== '')].join(' · ');
}

export function progressLine(view: ProgressView, strong: (word: string) => string, tr: Translator): string {
  const percent = view.state === 'generating' && view.percent !== undefined ? `${view.percent}%` : undefined;
  return stateLine(view.state, strong, tr, [view.detail, percent, view.elapsedText]);
}

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
export function endView(error: BotError, record: Pick<JobRecord, 'reservation'>, tr: Translator): EndView {
  const cancelled = error.kind === 'job_cancelled';
  const refunded = record.reservation === 'refunded';
  // The provider's reason may come without a full stop ("…: Content policy violation").
  const said = error.userMessageIn(tr);
  const reason = /[.!?…。！？]$/.test(said) ? said : `${said}${tr.t('core.format.fullStop')}`;
  return {
    state: cancelled ? 'cancelled' : 'failed',
    // Said of a job that ended without a video and whose quota was given back.
    text: refunded ? `${reason} ${tr.t('progress.notCounted')}` : reason,
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
  tr: Translator = translator('en'),
): string {
  const { charged, chain } = extra;
  const n = request.imageRefs.length;
  const parts = [
    tr.t('progress.settings.seconds', { seconds: request.seconds }),
    request.aspectRatio,
    request.resolution,
  ];
  if (n) parts.push(tr.t('progress.settings.images', { count: n }));
  if (chain) {
    const total = chain.clips.reduce((sum, clip) => sum + clip.seconds, request.seconds);
    parts.push(
      `⏩ ${tr.t('progress.settings.joined', { clips: chain.clips.length + 1, seconds: Math.round(total * 10) / 10 })}`,
    );
  }
  if (charged?.unit === 'credits') parts.push(tr.t('progress.settings.credits', { count: charged.amount }));
  return parts.join(' · ');
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
