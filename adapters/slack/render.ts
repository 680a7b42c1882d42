import { progressView, textBar } from '../../src/generation/progress-view.js';
import type { GenerationEvent } from '../../src/generation/runner.js';
import type { JobRecord } from '../../src/jobs/job-store.js';

/** Slack mrkdwn for a job's message. User text is escaped, so a prompt can never ping a channel or a person. */

export const AGAIN_ACTION = 'again';

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function quote(prompt: string, max = 2500): string {
  const shown = prompt.length > max ? `${prompt.slice(0, max - 1)}…` : prompt;
  return escapeSlack(shown)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function settingsLine(record: JobRecord): string {
  const r = record.request;
  const images = r.imageRefs.length
    ? ` · ${r.imageRefs.length} image${r.imageRefs.length > 1 ? 's' : ''}`
    : '';
  return `${r.seconds}s · ${r.aspectRatio} · ${r.resolution}${images}`;
}

export function progressText(event: GenerationEvent, record: JobRecord): string {
  const view = progressView(event);
  const percent = view.percent === undefined ? '' : ` · ${view.percent}%`;
  return `:clapper: *${view.headline}*${percent} · ${view.elapsedText}\n\`${textBar(view.percent)}\`\n${quote(record.request.prompt)}\n_${settingsLine(record)}_`;
}

export function finalText(record: JobRecord, note?: string): string {
  return `${quote(record.request.prompt)}\n_${settingsLine(record)}_${note ? `\n${note}` : ''}`;
}

/** Blocks for the finished message: the caption and an "Again" button carrying the job id. */
export function resultBlocks(record: JobRecord, text: string): unknown[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: AGAIN_ACTION,
          text: { type: 'plain_text', text: 'Again' },
          value: record.id,
        },
      ],
    },
  ];
}
