import type { ModalPrefill } from '../../commands/animate.js';
import type { OptionSpec } from '../../commands/types.js';
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

/** Slack mrkdwn for a job's message. User text is escaped, so a prompt can never ping a channel or a person. */

export const AGAIN_ACTION = 'again';
export const CANCEL_ACTION = 'cancel_job';
export const DELETE_ACTION = 'delete_job';
export const EXTEND_ACTION = 'extend_job';
/** Extend's form: its callback id. */
export const EXTEND_VIEW = 'extend_modal';

export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const quote = (prompt: string) => quotePrompt(prompt, 2500, escapeSlack);
const strong = (word: string) => `*${word}*`;

export function progressText(event: JobEvent, record: JobRecord): string {
  const tr = recordTranslator(record);
  const view = progressView(event, tr);
  return `:clapper: ${progressLine(view, strong, tr)}\n\`${textBar(view.percent)}\`\n${quote(record.request.prompt)}\n_${settingsLine(record.request, { charged: record.charged, chain: record.chain }, tr)}_`;
}

/** The prompt and settings under every finished job. */
function caption(record: JobRecord): string {
  return `${quote(record.request.prompt)}\n_${settingsLine(record.request, { chain: record.chain }, recordTranslator(record))}_`;
}

/** The delivered job: Done, an optional note (where the video is, or why it is not here), the caption. */
export function finalText(record: JobRecord, note?: string): string {
  return `:white_check_mark: ${stateLine('done', strong, recordTranslator(record))}${note ? `\n${note}` : ''}\n${caption(record)}`;
}

/** A job that ended without a video: Failed or Cancelled, the reason and whether it counted, the caption. */
export function endText(error: BotError, record: JobRecord): string {
  const tr = recordTranslator(record);
  const view = endView(error, record, tr);
  return `${view.state === 'cancelled' ? ':no_entry_sign:' : ':x:'} ${stateLine(view.state, strong, tr)}\n${escapeSlack(view.text)}\n${caption(record)}`;
}

/** Blocks for a job that ended without a video: the text and, when it failed, Try again (the Again action). */
export function endBlocks(error: BotError, record: JobRecord, text: string): unknown[] {
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  const tr = recordTranslator(record);
  if (endView(error, record, tr).tryAgain) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: AGAIN_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: tr.t('slack.button.tryAgain') },
          value: record.id,
        },
      ],
    });
  }
  return blocks;
}

/** Blocks while a job waits or runs: the progress text and a Cancel button carrying the job id. */
export function progressBlocks(record: JobRecord, text: string): unknown[] {
  const tr = recordTranslator(record);
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: CANCEL_ACTION,
          text: { type: 'plain_text', text: tr.t('slack.button.cancel') },
          value: record.id,
        },
      ],
    },
  ];
}

/** Blocks for a finished message without the video (too large to upload): the caption and the buttons. */
export function resultBlocks(record: JobRecord, text: string): unknown[] {
  return [{ type: 'section', text: { type: 'mrkdwn', text } }, resultActions(record)];
}

/**
 * The message posted right under the shared video: only its buttons. A file share cannot carry interactive
 * blocks, and the share's own text already is the caption, so this message adds nothing else to read.
 */
export function resultButtons(record: JobRecord): { text: string; blocks: unknown[] } {
  return { text: recordTranslator(record).t('slack.buttons.text'), blocks: [resultActions(record)] };
}

/** "Again" and "Delete" buttons carrying the job id. */
function resultActions(record: JobRecord): unknown {
  const tr = recordTranslator(record);
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: AGAIN_ACTION,
        text: { type: 'plain_text', text: tr.t('slack.button.again') },
        value: record.id,
      },
      {
        type: 'button',
        action_id: EXTEND_ACTION,
        text: { type: 'plain_text', text: tr.t('slack.button.extend') },
        value: record.id,
      },
      {
        type: 'button',
        action_id: DELETE_ACTION,
        style: 'danger',
        text: { type: 'plain_text', text: tr.t('slack.button.delete') },
        value: record.id,
      },
    ],
  };
}

/** The message shortcut's callback id (adapters/slack/manifest.yml) and the modal it opens. */
export const ANIMATE_SHORTCUT = 'animate';
export const ANIMATE_VIEW = 'animate_modal';
/** Slack's limit for a plain_text_input (and for private_metadata). */
export const SLACK_MODAL_TEXT_LIMIT = 3000;

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/**
 * The selects of the Animate modal, built from the command's option data (choices, or an integer range);
 * `initial` preselects one of them (the workspace's default model).
 */
function optionSelect(tr: Translator, spec: OptionSpec, initial?: string): unknown | undefined {
  let values: string[] | undefined;
  if (spec.choices && spec.choices.length > 0) values = spec.choices.map((c) => String(c.value));
  else if (spec.type === 'integer' && spec.minValue !== undefined && spec.maxValue !== undefined) {
    values = [];
    for (let n = spec.minValue; n <= spec.maxValue && values.length < 100; n++) values.push(String(n));
  }
  if (!values) return undefined;
  const label = spec.description.split(/[:…]/)[0]?.trim() ?? spec.name;
  const option = (v: string) => ({ text: plain(v), value: v });
  return {
    type: 'input',
    block_id: spec.name,
    optional: true,
    label: plain(label),
    element: {
      type: 'static_select',
      action_id: spec.name,
      placeholder: plain(tr.t('slack.form.default')),
      options: values.slice(0, 100).map(option),
      ...(initial !== undefined && values.includes(initial) ? { initial_option: option(initial) } : {}),
    },
  };
}

/** A form's prompt field, prefilled, and the note saying when the prefill was shortened. */
function promptBlocks(tr: Translator, prefill: ModalPrefill): unknown[] {
  const field = {
    type: 'input',
    block_id: 'prompt',
    label: plain(tr.t('slack.form.prompt')),
    element: {
      type: 'plain_text_input',
      action_id: 'prompt',
      multiline: true,
      max_length: SLACK_MODAL_TEXT_LIMIT,
      initial_value: prefill.value,
    },
  };
  if (!prefill.note) return [field];
  return [
    field,
    { type: 'context', elements: [{ type: 'mrkdwn', text: `:scissors: ${escapeSlack(prefill.note)}` }] },
  ];
}

/** The Animate modal: prompt (prefilled, with the truncation note when it was cut) and the settings. */
export function animateModal(
  tr: Translator,
  prefill: ModalPrefill,
  privateMetadata: string,
  imageCount: number,
  specs: readonly OptionSpec[],
  initial: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const blocks: unknown[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: tr.t('slack.form.animating', { count: imageCount }),
        },
      ],
    },
    ...promptBlocks(tr, prefill),
  ];
  for (const spec of specs) {
    if (spec.freeText || spec.type === 'attachment' || spec.type === 'user') continue;
    const block = optionSelect(tr, spec, initial[spec.name]);
    if (block) blocks.push(block);
  }
  return {
    type: 'modal',
    callback_id: ANIMATE_VIEW,
    title: plain(tr.t('slack.form.animateTitle')),
    submit: plain(tr.t('slack.form.animateSubmit')),
    close: plain(tr.t('slack.form.cancel')),
    private_metadata: privateMetadata,
    blocks,
  };
}

/** Extend's modal: the prompt (prefilled with the video's) and the new clip's seconds (preselected). */
export function extendModal(
  tr: Translator,
  prefill: ModalPrefill,
  seconds: number,
  privateMetadata: string,
): Record<string, unknown> {
  const title = tr.t('slack.form.extendTitle');
  const hint = tr.t('slack.form.extendHint');
  const choices: string[] = [];
  for (let n = 1; n <= 15; n++) choices.push(String(n));
  const option = (v: string) => ({ text: plain(v), value: v });
  const blocks: unknown[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(hint) }] },
    ...promptBlocks(tr, prefill),
  ];
  blocks.push({
    type: 'input',
    block_id: 'seconds',
    optional: true,
    label: plain(tr.t('slack.form.extendSeconds')),
    element: {
      type: 'static_select',
      action_id: 'seconds',
      options: choices.map(option),
      ...(choices.includes(String(seconds)) ? { initial_option: option(String(seconds)) } : {}),
    },
  });
  return {
    type: 'modal',
    callback_id: EXTEND_VIEW,
    title: plain(title.slice(0, 24)),
    submit: plain(tr.t('slack.form.extendSubmit')),
    close: plain(tr.t('slack.form.cancel')),
    private_metadata: privateMetadata,
    blocks,
  };
}
