import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import type { ModalPrefill } from '../../commands/animate.js';
import {
  progressView,
  quotePrompt,
  settingsLine,
  textBar,
  type JobEvent,
  type JobRecord,
} from '../../src/port.js';

/** Discord markup for a job's message: progress while it runs, the caption and buttons when it is done. */

/** Nothing the bot posts pings anyone, whatever the prompt contains. */
export const NO_MENTIONS = { parse: [] as never[] };

export const AGAIN_PREFIX = 'again:';
export const VARY_PREFIX = 'vary:';
export const CANCEL_PREFIX = 'cancel:';
export const DELETE_PREFIX = 'delete:';

/** Under a job that is waiting or running: only Cancel (the requester or an admin may press it). */
export function progressButtons(record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: 'Cancel',
          emoji: { name: '✖️' },
          custom_id: `${CANCEL_PREFIX}${record.id}`,
        },
      ],
    },
  ];
}

const quote = (prompt: string) => quotePrompt(prompt, 1500);

export function progressContent(event: JobEvent, record: JobRecord): string {
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
        {
          type: ComponentType.Button,
          style: ButtonStyle.Danger,
          label: 'Delete',
          emoji: { name: '🗑️' },
          custom_id: `${DELETE_PREFIX}${record.id}`,
        },
      ],
    },
  ];
}

/** Discord modal text inputs hold at most 4,000 characters, fewer than /imagine's 4,096. */
export const MODAL_PROMPT_LIMIT = 4000;
export const PROMPT_FIELD = 'prompt';
export const ANIMATE_MODAL_PREFIX = 'animate:';
export const VARY_MODAL_PREFIX = 'varied:';

/** A modal asking for the prompt, prefilled; a note above the field says when the prefill was shortened. */
export function promptModal(
  customId: string,
  title: string,
  prefill: ModalPrefill,
): APIModalInteractionResponseCallbackData {
  const components: APIModalInteractionResponseCallbackData['components'] = [];
  if (prefill.note) components.push({ type: ComponentType.TextDisplay, content: `-# ${prefill.note}` });
  components.push({
    type: ComponentType.Label,
    label: 'Prompt',
    description: 'What should happen in the video?',
    component: {
      type: ComponentType.TextInput,
      custom_id: PROMPT_FIELD,
      style: TextInputStyle.Paragraph,
      required: true,
      max_length: MODAL_PROMPT_LIMIT,
      value: prefill.value,
    },
  });
  return { custom_id: customId, title, components };
}
