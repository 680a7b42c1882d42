import { formatElapsed, formatWait } from '../util/format.js';
import type { JobEvent } from '../jobs/events.js';

/** What every adapter shows while a job runs, in words and numbers; each renders it in its own markup. */
export interface ProgressView {
  headline: string;
  percent: number | undefined;
  elapsedText: string;
}

export function progressView(event: JobEvent): ProgressView {
  const elapsedText = 'elapsedMs' in event ? formatElapsed(event.elapsedMs) : '0:00';
  switch (event.type) {
    case 'waiting':
      return {
        headline:
          event.position === 0
            ? `Next in line · starts in about ${formatWait(event.etaMs)}`
            : `In line: ${event.position} ahead · starts in about ${formatWait(event.etaMs)}`,
        percent: undefined,
        elapsedText,
      };
    case 'starting':
      return { headline: 'Starting', percent: 0, elapsedText };
    case 'submitted':
      return { headline: 'Sent to the video service', percent: 0, elapsedText };
    case 'progress':
      return {
        headline: event.status === 'queued' ? 'Waiting in the video service’s queue' : 'Generating',
        percent: event.progress,
        elapsedText,
      };
    case 'delayed':
      return {
        headline: 'The video service is slow to answer; still waiting',
        percent: undefined,
        elapsedText,
      };
    case 'downloading':
    case 'completed':
      return { headline: 'Fetching the video', percent: 100, elapsedText };
  }
}

export function textBar(percent: number | undefined, width = 20): string {
  const filled = Math.round(((percent ?? 0) / 100) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** "6s · 16:9 · 720P · 2 images": the settings line under every job message. */
export function settingsLine(request: {
  seconds: number;
  aspectRatio: string;
  resolution: string;
  imageRefs: string[];
}): string {
  const n = request.imageRefs.length;
  const images = n ? ` · ${n} image${n > 1 ? 's' : ''}` : '';
  return `${request.seconds}s · ${request.aspectRatio} · ${request.resolution}${images}`;
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
