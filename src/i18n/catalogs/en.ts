/**
 * English, the source catalog: every key the bot uses is defined here first, in ICU MessageFormat
 * (https://formatjs.github.io/docs/core-concepts/icu-syntax). Other catalogs have exactly these keys and
 * placeholders (test/i18n/catalogs.test.ts). Keys name where the text is used, not what it says.
 */
export const en = {
  // The states every job's message goes through, on every platform (src/generation/progress-view.ts).
  'progress.state.queued': 'Queued',
  'progress.state.starting': 'Starting',
  'progress.state.generating': 'Generating',
  'progress.state.uploading': 'Uploading',
  'progress.state.done': 'Done',
  'progress.state.failed': 'Failed',
  'progress.state.cancelled': 'Cancelled',
  'progress.queue.next': 'next in line',
  'progress.queue.ahead': '{count, number} ahead',
  'progress.queue.startsIn': 'starts in about {wait}',
  'progress.upstreamQueue': 'in the video service’s queue',
  'progress.slow': 'the video service is slow to answer; still waiting',
  'progress.notCounted': 'It did not count against your quota.',
  // Rounded estimates ("40 s", "3 min").
  'time.aboutSeconds': '{seconds, number} s',
  'time.aboutMinutes': '{minutes, number} min',
} as const;

export type MessageKey = keyof typeof en;
