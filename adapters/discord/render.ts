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
  endView,
  progressLine,
  progressView,
  quotePrompt,
  recordTranslator,
  settingsLine,
  stateLine,
  textBar,
  type BotError,
  type JobEvent,
  type JobRecord,
  type Translator,
} from '../../src/port.js';

/** Discord markup for a job's message: progress while it runs, the caption and buttons when it is done. */

/** Nothing the bot posts pings anyone, whatever the prompt contains. */
export const NO_MENTIONS = { parse: [] as never[] };

export const AGAIN_PREFIX = 'again:';
export const VARY_PREFIX = 'vary:';
export const CANCEL_PREFIX = 'cancel:';
export const DELETE_PREFIX = 'delete:';
export const EXTEND_PREFIX = 'extend:';

/** Under a job that is waiting or running: only Cancel (the requester or an admin may press it). */
export function progressButtons(record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  const tr = recordTranslator(record);
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: tr.t('discord.button.cancel'),
          emoji: { name: '✖️' },
          custom_id: `${CANCEL_PREFIX}${record.id}`,
        },
      ],
    },
  ];
}

const quote = (prompt: string) => quotePrompt(prompt, 1500);
const strong = (word: string) => `**${word}**`;

export function progressContent(event: JobEvent, record: JobRecord): string {
  const tr = recordTranslator(record);
  const view = progressView(event, tr);
  return `🎬 ${progressLine(view, strong, tr)}\n\`${textBar(view.percent)}\`\n${quote(record.request.prompt)}\n-# ${settingsLine(record.request, { charged: record.charged, chain: record.chain }, tr)}`;
}

/** A mention's placeholder, posted before the job has a record: the first state, in the same words. */
export function startingContent(tr: Translator): string {
  return `🎬 ${stateLine('starting', strong, tr)}`;
}

/** The prompt and settings under every finished job. */
function caption(record: JobRecord): string {
  const by = recordTranslator(record).t('discord.caption.by', { user: `<@${record.userId}>` });
  return `${quote(record.request.prompt)}\n-# ${settingsLine(record.request, { chain: record.chain }, recordTranslator(record))} · ${by}`;
}

/** The delivered job: Done, an optional note (a link instead of a file too large), the caption. */
export function finalContent(record: JobRecord, note?: string): string {
  return `✅ ${stateLine('done', strong, recordTranslator(record))}${note ? `\n${note}` : ''}\n${caption(record)}`;
}

/** A job that ended without a video: Failed or Cancelled, the reason and whether it counted, the caption. */
export function endContent(error: BotError, record: JobRecord): string {
  const tr = recordTranslator(record);
  const view = endView(error, record, tr);
  return `${view.state === 'cancelled' ? '🚫' : '❌'} ${stateLine(view.state, strong, tr)}\n${view.text}\n${caption(record)}`;
}

/** Under a failed job: Try again, the Again action (the same request, on the presser's quota). */
export function endButtons(error: BotError, record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  const tr = recordTranslator(record);
  if (!endView(error, record, tr).tryAgain) return [];
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Primary,
          label: tr.t('discord.button.tryAgain'),
          emoji: { name: '🔁' },
          custom_id: `${AGAIN_PREFIX}${record.id}`,
        },
      ],
    },
  ];
}

export function resultButtons(record: JobRecord): APIActionRowComponent<APIButtonComponent>[] {
  const tr = recordTranslator(record);
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: tr.t('discord.button.again'),
          emoji: { name: '🔁' },
          custom_id: `${AGAIN_PREFIX}${record.id}`,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: tr.t('discord.button.vary'),
          emoji: { name: '✏️' },
          custom_id: `${VARY_PREFIX}${record.id}`,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Primary,
          label: tr.t('discord.button.extend'),
          emoji: { name: '⏩' },
          custom_id: `${EXTEND_PREFIX}${record.id}`,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Danger,
          label: tr.t('discord.button.delete'),
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
export const MODEL_FIELD = 'model';
export const ANIMATE_MODAL_PREFIX = 'animate:';
export const VARY_MODAL_PREFIX = 'varied:';
/** `extended:<job id>:<button interaction id>`: the interaction id keys what the Extend press remembered. */
export const EXTEND_MODAL_PREFIX = 'extended:';
export const SECONDS_FIELD = 'seconds';

/**
 * A modal asking for the prompt, prefilled; a note above the field says when the prefill was shortened. With
 * `models` (more than one to choose from), a model picker under it, the default selected: a string select
 * in a Label, which Discord modals take since Labels came (discord.js reads it with getStringSelectValues).
 */
export function promptModal(
  tr: Translator,
  customId: string,
  title: string,
  prefill: ModalPrefill,
  models?: { models: readonly string[]; defaultModel: string },
): APIModalInteractionResponseCallbackData {
  const components: APIModalInteractionResponseCallbackData['components'] = [];
  if (prefill.note) components.push({ type: ComponentType.TextDisplay, content: `-# ${prefill.note}` });
  components.push({
    type: ComponentType.Label,
    label: tr.t('discord.form.prompt'),
    description: tr.t('discord.form.promptDescription'),
    component: {
      type: ComponentType.TextInput,
      custom_id: PROMPT_FIELD,
      style: TextInputStyle.Paragraph,
      required: true,
      max_length: MODAL_PROMPT_LIMIT,
      value: prefill.value,
    },
  });
  if (models && models.models.length > 1) {
    components.push({
      type: ComponentType.Label,
      label: tr.t('discord.form.model'),
      component: {
        type: ComponentType.StringSelect,
        custom_id: MODEL_FIELD,
        required: false,
        // Discord's limit for a select's options.
        options: models.models.slice(0, 25).map((m) => ({
          label: m,
          value: m,
          ...(m === models.defaultModel ? { default: true } : {}),
        })),
      },
    });
  }
  return { custom_id: customId, title, components };
}

/** Extend's form: the prompt (prefilled with the video's) and the new clip's seconds. */
export function extendModal(
  tr: Translator,
  customId: string,
  prefill: ModalPrefill,
  seconds: number,
): APIModalInteractionResponseCallbackData {
  const modal = promptModal(tr, customId, tr.t('discord.form.extendTitle'), prefill);
  const hint = tr.t('discord.form.extendHint');
  const components = [...modal.components];
  const last = components.at(-1);
  if (last && last.type === ComponentType.Label)
    components[components.length - 1] = { ...last, description: hint };
  components.push({
    type: ComponentType.Label,
    label: tr.t('discord.form.seconds'),
    description: tr.t('discord.form.secondsDescription'),
    component: {
      type: ComponentType.TextInput,
      custom_id: SECONDS_FIELD,
      style: TextInputStyle.Short,
      required: false,
      max_length: 2,
      value: String(seconds),
    },
  });
  return { ...modal, components };
}
