import { isGenerationReply } from '../src/core/command.js';
import { BotError } from '../src/errors.js';
import type { Translator } from '../src/port.js';
import { english } from './registration.js';
import type { CommandDefinition } from './types.js';

/**
 * Extend: continue a video with a new clip made from its last frame, posted as one joined video. Pressed as
 * the Extend button under a finished video (`job`, and a form with the prompt and seconds), or sent as a
 * reply to a message with an MP4 (the adapter puts the video in `invocation.video`).
 */

/** The form's title and the sentence under the Extend button's form field, the same on every platform. */
export function extendFormTexts(tr: Translator): { title: string; hint: string } {
  return { title: tr.t('commands.extend.form.title'), hint: tr.t('commands.extend.form.hint') };
}
/** English, for adapters that do not pass the presser's language yet: prefer `extendFormTexts(tr)`. */
export const EXTEND_FORM_TITLE = english('commands.extend.form.title');
export const EXTEND_PROMPT_HINT = english('commands.extend.form.hint');

export const extendAction: CommandDefinition = {
  name: 'extend',
  description: english('commands.extend.description'),
  surface: 'action',
  visibility: 'job',
  options: [
    { name: 'job', type: 'string', description: english('commands.extend.job.description') },
    {
      name: 'prompt',
      type: 'string',
      description: english('commands.extend.prompt.description'),
      required: true,
      maxLength: 4096,
    },
    {
      name: 'seconds',
      type: 'integer',
      description: english('commands.extend.seconds.description'),
      minValue: 1,
      maxValue: 15,
    },
  ],
  // The prompt and seconds are the user's own input: checked before the acknowledgement.
  precheck: (invocation, context) =>
    context.checkRequest({
      ...invocation,
      images: [],
      options: { prompt: invocation.options.prompt, seconds: invocation.options.seconds },
    }),
  async handle(invocation, reply, context) {
    if (!isGenerationReply(reply)) throw new BotError('internal', 'extend needs a generation reply');
    await context.extend(invocation, reply);
  },
};
