import type { Language } from '../i18n/languages.js';
import type { GenerationRequest } from '../generation/request.js';
import type { JobRunner } from '../jobs/types.js';
import type { GenerationReply, Invocation, OptionValue } from '../port.js';
import type { ChannelNamer, SpaceSettings, SpaceSettingsService } from '../settings/space-settings.js';

/**
 * The one way a video starts, whatever the command (slash command, mention, Animate, Again, Vary): the space's
 * rules first, then the runner, which takes the per-user cap, reserves quota, fetches and decodes images,
 * writes the record and starts the upstream job. A refusal is thrown and reaches the user through the
 * dispatcher's `reply.fail`; nothing is reserved or sent before the rules pass.
 */
export interface GenerateDeps {
  runner: JobRunner;
  settings: Pick<SpaceSettingsService, 'apply'>;
  /**
   * Takes the job's run once it is accepted (see `StartOptions.detach`), so the command returns then instead
   * of at the job's end; without it the command lasts as long as the job.
   */
  track?: (running: Promise<unknown>) => void;
}

/** Runs the generating steps for one invocation; `names` is the invoking platform's way to name channels. */
export type Generate = (
  invocation: Invocation,
  reply: GenerationReply,
  names?: ChannelNamer,
  language?: Language,
  /** The user's language, for a refusal the runner says before the job has a record. */
  privateLanguage?: Language,
) => Promise<void>;

export function optionText(value: OptionValue | undefined): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * The early half of a request's checks (see `CommandContext.checkRequest`): the model the space gives the
 * request (refused when the space does not allow the one named), then the invocation's own options, checked
 * by `validate` (the generation service's, the rules the runner applies again) for that model. A blank option
 * takes the configured default here and the space's later, both valid for the model by construction (a space
 * default the model cannot make gives way to the model's own), so this refuses only what `generate` would
 * refuse too, just sooner. `read` is the space's settings when the caller has just read them.
 */
export function createRequestCheck(
  validate: (request: GenerationRequest) => unknown,
  settings: Pick<SpaceSettingsService, 'modelFor'>,
): (invocation: Invocation, read?: SpaceSettings) => Promise<void> {
  return async (invocation, read) => {
    const model = await settings.modelFor(invocation, optionText(invocation.options.model), read);
    validate({
      prompt: optionText(invocation.options.prompt) ?? '',
      seconds: optionText(invocation.options.seconds),
      aspectRatio: optionText(invocation.options.aspect_ratio),
      resolution: optionText(invocation.options.resolution),
      model,
      images: invocation.images,
    });
  };
}

export function createGenerate(deps: GenerateDeps): Generate {
  return async function generate(invocation, reply, names, language, privateLanguage) {
    const prompt = optionText(invocation.options.prompt) ?? '';
    const applied = await deps.settings.apply(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        userId: invocation.userId,
        channelId: invocation.channelId,
        parentChannelId: invocation.parentChannelId,
        prompt,
        imageCount: invocation.images.length,
        seconds: optionText(invocation.options.seconds),
        aspectRatio: optionText(invocation.options.aspect_ratio),
        resolution: optionText(invocation.options.resolution),
        model: optionText(invocation.options.model),
      },
      names,
    );
    const sink = reply.forJob?.() ?? reply;
    await deps.runner.start(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        channelId: invocation.channelId,
        userId: invocation.userId,
        messageRef: sink.ref,
        imageRefs: invocation.images.map((image) => image.ref),
        language,
        ...(privateLanguage ? { privateLanguage } : {}),
      },
      {
        prompt,
        seconds: applied.seconds,
        aspectRatio: applied.aspectRatio,
        resolution: applied.resolution,
        model: applied.model,
        images: invocation.images,
      },
      sink,
      {
        fetchImage: sink.fetchImage?.bind(sink),
        ...(deps.track ? { detach: deps.track } : {}),
      },
    );
  };
}
