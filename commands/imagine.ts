import { toBotError } from '../src/errors.js';
import { ASPECT_RATIO_PRESETS, RESOLUTIONS } from '../src/generation/options.js';
import type { JobRunner } from '../src/jobs/job-runner.js';
import type { SpaceSettingsService } from '../src/settings/space-settings.js';
import { sinkFromReply, type GenerationReply, type Invocation, type OptionValue } from '../src/port.js';
import type { CommandDefinition, OptionSpec } from './types.js';

/** `/imagine`: a prompt, optional settings and up to four images → a video in the conversation. */

export interface ImagineDeps {
  runner: JobRunner;
  /** The space's rules (/settings): checked here, before the runner reserves any quota, for every way in. */
  settings: Pick<SpaceSettingsService, 'apply'>;
}

export const IMAGE_OPTION_NAMES = ['image1', 'image2', 'image3', 'image4'] as const;

export const imagineOptions: readonly OptionSpec[] = [
  {
    name: 'prompt',
    type: 'string',
    description: 'Describe the video',
    required: true,
    maxLength: 4096,
    freeText: true,
  },
  {
    name: 'seconds',
    type: 'integer',
    description: 'Length in seconds',
    minValue: 1,
    maxValue: 15,
    aliases: ['s', 'sec'],
  },
  {
    name: 'aspect_ratio',
    type: 'string',
    description: 'Shape: 16:9, 9:16, 1:1, 4:3, 3:4, 21:9… or any w:h from 1:4 to 4:1',
    openChoices: true,
    aliases: ['ar', 'aspect'],
    choices: ASPECT_RATIO_PRESETS.map((r) => ({ name: r, value: r })),
  },
  {
    name: 'resolution',
    type: 'string',
    description: 'Resolution',
    aliases: ['res'],
    choices: RESOLUTIONS.map((r) => ({ name: r, value: r })),
  },
  ...IMAGE_OPTION_NAMES.map((name, i) => ({
    name,
    type: 'attachment' as const,
    description: i === 0 ? 'An image to animate' : 'Another reference image',
  })),
];

function text(value: OptionValue | undefined): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export const imagineCommand: CommandDefinition<ImagineDeps, GenerationReply> = {
  name: 'imagine',
  description: 'Generate a short video from a prompt (and images)',
  options: imagineOptions,

  async handle(invocation: Invocation, generation, deps): Promise<void> {
    const prompt = text(invocation.options.prompt) ?? '';
    let applied;
    try {
      // Slash command, mention, Animate, Again and Vary all pass here: channel, images, ban list, defaults.
      applied = await deps.settings.apply({
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        userId: invocation.userId,
        channelId: invocation.channelId,
        parentChannelId: invocation.parentChannelId,
        prompt,
        imageCount: invocation.images.length,
        seconds: text(invocation.options.seconds),
        aspectRatio: text(invocation.options.aspect_ratio),
        resolution: text(invocation.options.resolution),
      });
    } catch (error) {
      // Refused before anything is reserved or sent, shown like any other refusal of a request.
      await generation.jobFailed(toBotError(error), undefined);
      return;
    }
    await deps.runner.start(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        channelId: invocation.channelId,
        userId: invocation.userId,
        messageRef: generation.ref,
        imageRefs: invocation.images.map((image) => image.ref),
      },
      {
        prompt,
        seconds: applied.seconds,
        aspectRatio: applied.aspectRatio,
        resolution: applied.resolution,
        images: invocation.images,
      },
      sinkFromReply(generation),
      { fetchImage: generation.fetchImage?.bind(generation) },
    );
  },
};
