import { text } from '../i18n/text.js';
import { translator, type Translator } from '../i18n/translate.js';
import { listIn, orListIn } from '../util/format.js';
import { z } from 'zod';
import type { GenerationLimits } from '../config.js';
import { BotError, InvalidInputError } from '../errors.js';
import type { ModelChoice } from '../generation/request.js';
import { describeModel } from '../video-api/models.js';

/**
 * A space's models (`/settings models`): the default model of a request that names none, and the models
 * allowed there, a subset of what the bot offers (VIDEO_MODELS). What is stored is read against VIDEO_MODELS
 * every time, so an operator who stops offering a model never leaves a space with none: a stored list with
 * no model still offered means every offered model, a stored default no longer allowed means the bot's
 * default (VIDEO_MODEL) or else the first allowed model. Also the space's default length and size as the
 * chosen model can make them (a 6 s default means nothing to a model of 10 s and 15 s tiers).
 */

export const MAX_SPACE_MODELS = 20;

export const spaceModelsSchema = z.object({
  default: z.string().min(1).optional(),
  /** Absent: every model the bot offers. */
  allowed: z.array(z.string().min(1)).max(MAX_SPACE_MODELS).optional(),
});
export type SpaceModels = z.infer<typeof spaceModelsSchema>;

/** What a space may use right now, its default first in nothing but name (the list keeps VIDEO_MODELS' order). */
export interface SpaceModelView {
  models: string[];
  defaultModel: string;
}

/** A change by `/settings models`: names as typed; `all` allows every offered model again. */
export interface SpaceModelsInput {
  defaultModel?: string;
  allowed?: readonly string[] | 'all';
}

export function allowedModels(stored: SpaceModels, models: ModelChoice): string[] {
  const listed = models.offered.filter((m) => stored.allowed?.includes(m));
  return stored.allowed === undefined || listed.length === 0 ? [...models.offered] : listed;
}

export function spaceModelView(stored: SpaceModels, models: ModelChoice): SpaceModelView {
  const allowed = allowedModels(stored, models);
  const defaultModel =
    [stored.default, models.defaultModel].find((m) => m !== undefined && allowed.includes(m)) ??
    allowed[0] ??
    models.defaultModel;
  return { models: allowed, defaultModel };
}

function notOffered(name: string, models: ModelChoice): InvalidInputError {
  return new InvalidInputError(
    'model',
    text('core.generation.modelNotOffered', { model: name, offered: orListIn(models.offered) }),
    {
      model: name,
    },
  );
}

/**
 * The model a request runs on: the one it names, if the space allows it, or the space's default. A name the
 * bot does not offer at all is passed on, for the request's validation to name what the bot offers.
 */
export function chooseModel(requested: string | undefined, stored: SpaceModels, models: ModelChoice): string {
  const name = requested?.trim() ?? '';
  const view = spaceModelView(stored, models);
  if (name === '') return view.defaultModel;
  if (!models.offered.includes(name) || view.models.includes(name)) return name;
  const allowed = view.models;
  throw new BotError('forbidden', `model ${name} not allowed by space settings`, {
    userMessage: text('core.settings.modelNotAllowed', {
      model: name,
      count: allowed.length,
      allowed: listIn(allowed),
    }),
    detail: { model: name, allowed },
  });
}

/** Validates a change against what the bot offers and the space's current models; returns what to store. */
export function changeSpaceModels(
  current: SpaceModels,
  input: SpaceModelsInput | 'clear',
  models: ModelChoice,
): SpaceModels {
  if (input === 'clear') return {};
  const names = (list: readonly string[]) => [...new Set(list.map((m) => m.trim()).filter((m) => m !== ''))];
  const defaultModel = input.defaultModel?.trim() || undefined;
  const listed = input.allowed === undefined || input.allowed === 'all' ? undefined : names(input.allowed);
  for (const name of [...(defaultModel === undefined ? [] : [defaultModel]), ...(listed ?? [])]) {
    if (!models.offered.includes(name)) throw notOffered(name, models);
  }
  if (listed !== undefined && listed.length === 0) {
    throw new InvalidInputError(
      'allowed',
      text('core.settings.modelsEmpty', { offered: orListIn(models.offered) }),
    );
  }
  const next: SpaceModels = {
    default: defaultModel ?? current.default,
    allowed: input.allowed === 'all' ? undefined : (listed ?? current.allowed),
  };
  const allowed = allowedModels(next, models);
  if (defaultModel !== undefined && !allowed.includes(defaultModel)) {
    throw new InvalidInputError(
      'default',
      text('core.settings.defaultNotAllowed', {
        model: defaultModel,
        count: allowed.length,
        allowed: listIn(allowed),
      }),
    );
  }
  const previousDefault = spaceModelView(current, models).defaultModel;
  if (defaultModel === undefined && !allowed.includes(previousDefault)) {
    throw new InvalidInputError('allowed', text('core.settings.defaultLeftOut', { model: previousDefault }));
  }
  return spaceModelsSchema.parse(next);
}

/**
 * The space's default length and size for this model, where the user gave none: a default the model cannot
 * make is left out (the model's own default applies: its first tier, the bot's default size), so a space
 * default never makes a request fail. A length over the limit for several reference images is clamped.
 */
export function modelDefaults(
  modelName: string,
  defaults: { seconds?: number; resolution?: string },
  imageCount: number,
  limits: Pick<GenerationLimits, 'maxSeconds' | 'maxSecondsWithReferences'>,
): { seconds?: string; resolution?: string } {
  const model = describeModel(modelName);
  const out: { seconds?: string; resolution?: string } = {};
  const wanted = defaults.seconds;
  if (wanted !== undefined) {
    if (model.lengths.kind === 'tiers') {
      if (model.lengths.tiers.some((t) => t.seconds === wanted)) out.seconds = String(wanted);
    } else {
      const max =
        imageCount > 1
          ? Math.min(model.lengths.maxWithReferences, limits.maxSecondsWithReferences)
          : Math.min(model.lengths.max, limits.maxSeconds);
      out.seconds = String(Math.min(wanted, max));
    }
  }
  const size = defaults.resolution;
  if (size !== undefined && model.sizes.some((s) => s === size)) out.resolution = size;
  return out;
}

/** The `/settings show` line: the allowed models, the default marked. */
export function describeSpaceModels(view: SpaceModelView, tr: Translator = translator('en')): string {
  const models = view.models.map((m) =>
    m === view.defaultModel ? tr.t('core.settings.show.defaultModel', { model: m }) : m,
  );
  return tr.t('core.settings.show.models', { models: models.join(tr.t('core.format.separator')) });
}
