import { progressView, quotePrompt, settingsLine, textBar } from '../../src/generation/progress-view.js';
import type { GenerationEvent } from '../../src/generation/runner.js';
import type { JobRecord } from '../../src/jobs/job-store.js';

/** Slack mrkdwn for a job's message. User text is escaped, so a prompt can never ping a channel or a person. */

export const AGAIN_ACTION = 'again';

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const quote = (prompt: string) => quotePrompt(prompt, 2500, escapeSlack);

export function progressText(event: GenerationEvent, record: JobRecord): string {
  const view = progressView(event);
  const percent = view.percent === undefined ? '' : ` · ${view.percent}%`;
  return `:clapper: *${view.headline}*${percent} · ${view.elapsedText}\n\`${textBar(view.percent)}\`\n${quote(record.request.prompt)}\n_${settingsLine(record.request)}_`;
}

export function finalText(record: JobRecord, note?: string): string {
  return `${quote(record.request.prompt)}\n_${settingsLine(record.request)}_${note ? `\n${note}` : ''}`;
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
