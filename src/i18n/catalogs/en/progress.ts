/**
 * The job's message on every platform (src/generation/progress-view.ts): its states, what the state word
 * alone does not say, and how a wait is estimated. Public: written in the space's language.
 */
export const progress = {
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
  'progress.wait.seconds': '{seconds, number} s',
  'progress.wait.minutes': '{minutes, number} min',
  // The settings line under a job's message (settingsLine): "6s · 16:9 · 720P · 2 images · 30 credits".
  'progress.settings.seconds': '{seconds}s',
  'progress.settings.images': '{count, plural, one {# image} other {# images}}',
  'progress.settings.joined': '{clips, number} clips, {seconds}s in all',
  'progress.settings.credits': '{count, plural, one {# credit} other {# credits}}',
} as const;
