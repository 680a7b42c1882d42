import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { progressView, quotePrompt, settingsLine, textBar } from '../../src/generation/progress-view.js';
import type { GenerationEvent } from '../../src/generation/runner.js';
import type { JobRecord } from '../../src/jobs/job-store.js';

/** Discord markup for a job's message: progress while it runs, the caption and buttons when it is done. */

/** Nothing the bot posts pings anyone, whatever the prompt contains. */
export const NO_MENTIONS = { parse: [] as never[] };

export const AGAIN_PREFIX = 'again:';
export const VARY_PREFIX = 'vary:';

const quote = (prompt: string) => quotePrompt(prompt, 1500);

export function progressContent(event: GenerationEvent, record: JobRecord): string {
  const view = progressView(event);
  const percent = view.percent === undefined ? '' : ` · ${view.percent}%`;
  return `🎬 **${view.headline}**${percent} · ${view.elapsedText}\n\`${textBar(view.percent)}\`\n${quote(record.request.prompt)}\n-# ${settingsLine(record.request)}`;
}

export function finalContent(record: JobRecord, note?: string): string {
  return `${quote(record.request.prompt)}\n-# ${settingsLine(record.request)} · by <@${record.userId}>${note ? `\n${note}` : ''}`;
}

export function resultButtons(record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: 'Again',
          emoji: { name: '🔁' },
          custom_id: `${AGAIN_PREFIX}${record.id}`,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: 'Vary',
          emoji: { name: '✏️' },
          custom_id: `${VARY_PREFIX}${record.id}`,
        },
      ],
    },
  ];
}
