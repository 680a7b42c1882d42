import { isGenerationReply } from '../src/core/command.js';
import { BotError } from '../src/errors.js';
import { ASPECT_RATIO_PRESETS } from '../src/generation/options.js';
import { ALL_SIZES } from '../src/video-api/models.js';
import type { CommandDefinition, OptionSpec } from './types.js';
import { english } from './registration.js';

/** `/imagine`: a prompt, optional settings and up to four images → a video in the conversation. */

export const IMAGE_OPTION_NAMES = ['image1', 'image2', 'image3', 'image4'] as const;

export const imagineOptions: readonly OptionSpec[] = [
  {
    name: 'prompt',
    type: 'string',
    description: english('commands.imagine.prompt.description'),
    required: true,
    maxLength: 4096,
    freeText: true,
  },
  {
    name: 'seconds',
    type: 'integer',
    description: english('commands.imagine.seconds.description'),
    minValue: 1,
    maxValue: 15,
    aliases: ['s', 'sec'],
  },
  {
    name: 'aspect_ratio',
    type: 'string',
    description: english('commands.imagine.aspect_ratio.description'),
    openChoices: true,
    aliases: ['ar', 'aspect'],
    choices: ASPECT_RATIO_PRESETS.map((r) => ({ name: r, value: r })),
  },
  {
    // Every size of the family: which ones the chosen model makes is checked with the request, by its rules.
    name: 'resolution',
    type: 'string',
    description: english('commands.imagine.resolution.description'),
    aliases: ['res'],
    choices: ALL_SIZES.map((r) => ({ name: r, value: r })),
  },
  {
    // No choices here: the offered models are configuration (VIDEO_MODELS), see `imagineCommandOffering`.
    name: 'model',
    type: 'string',
    description: english('commands.imagine.model.description'),
  },
  ...IMAGE_OPTION_NAMES.map((name) => ({
    name,
    type: 'attachment' as const,
    description: english(`commands.imagine.${name}.description`),
  })),
];

export const imagineCommand: CommandDefinition = {
  name: 'imagine',
  description: english('commands.imagine.description'),
  surface: 'slash',
  visibility: 'job',
  options: imagineOptions,
  usageHint: 'a fox running through snow --ar 9:16 --seconds 8 --res 720P',
  // A length, shape, prompt or file that can never work is refused before anything public appears.
  precheck: (invocation, context) => context.checkRequest(invocation),

  async handle(invocation, reply, context) {
    if (!isGenerationReply(reply)) throw new BotError('internal', 'imagine needs a generation reply');
    // Slash command, mention, Animate, Again and Vary all pass here.
    await context.generate(invocation, reply);
  },
};

/**
 * /imagine as registered with a platform that shows choices (Discord): the model option lists the models this
 * bot offers, and disappears when it offers only one. The request is still checked against the offered list,
 * since a registration can outlive a change of VIDEO_MODELS.
 */
export function imagineCommandOffering(models: readonly string[]): CommandDefinition {
  const options = imagineOptions.flatMap((spec): OptionSpec[] => {
    if (spec.name !== 'model') return [spec];
    if (models.length <= 1) return [];
    return [{ ...spec, choices: models.map((m) => ({ name: m, value: m })) }];
  });
  return { ...imagineCommand, options };
}
