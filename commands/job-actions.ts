import { isGenerationReply, type CommandContext, type CommandDefinition } from '../src/core/command.js';
import { BotError } from '../src/errors.js';
import { requestFromRecord } from '../src/jobs/job-lifecycle.js';
import { UNFINISHED_STATUSES, type JobRecord } from '../src/jobs/job-store.js';
import type { Invocation, OptionSpec } from '../src/port.js';
import { optionText } from '../src/core/generate.js';
import { english } from './registration.js';

/**
 * The buttons on a job's message, platform-neutral: Again and Vary start a new job from an old one's
 * settings and images (on the presser's quota), Cancel stops a waiting or running job, Delete removes a
 * result. Who may press Cancel and Delete (the requester or an admin) is decided here for every platform.
 */

const jobOption: OptionSpec = {
  name: 'job',
  type: 'string',
  description: english('commands.job.option.job.description'),
  required: true,
};

/** The pressed job's record; gone (expired or deleted): refused as too old to repeat. */
async function recordOf(invocation: Invocation, context: CommandContext): Promise<JobRecord> {
  const record = await context.jobs.get(optionText(invocation.options.job) ?? '');
  if (!record) {
    throw new BotError('invalid_input', 'job record not found', {
      userMessage: context.tr.t('commands.job.tooOld'),
    });
  }
  return record;
}

/** The record, when the presser is its requester or an admin of the space it ran in. */
async function authorized(invocation: Invocation, context: CommandContext): Promise<JobRecord> {
  const record = await context.jobs.get(optionText(invocation.options.job) ?? '');
  if (!record || record.spaceId !== invocation.spaceId) {
    throw new BotError('invalid_input', 'job record not found in this space', {
      userMessage: context.tr.t('commands.job.gone'),
    });
  }
  if (record.userId !== invocation.userId && !context.quota.isAdmin(invocation)) {
    throw new BotError('forbidden', 'not the requester nor an admin', {
      userMessage: context.tr.t('commands.job.notYours'),
    });
  }
  return record;
}

/** An old job's settings and images as a new /imagine invocation by the presser; `prompt` replaces its prompt. */
function imagineFrom(invocation: Invocation, record: JobRecord, prompt?: string): Invocation {
  const request = requestFromRecord(record);
  return {
    ...invocation,
    command: 'imagine',
    options: {
      prompt: prompt ?? request.prompt,
      seconds: request.seconds,
      aspect_ratio: request.aspectRatio,
      resolution: request.resolution,
      // A record without one ran on the default model, which a blank option picks again.
      ...(request.model === undefined ? {} : { model: request.model }),
    },
    images: (request.images ?? []).map((image) => ({ ...image, ref: image.url ?? '' })),
  };
}

/**
 * An extension's Again (and Try again): the same continuation of the same video, a new clip joined on again,
 * not a video of the last clip's prompt alone.
 */
function extendFrom(invocation: Invocation, record: JobRecord, prompt?: string): Invocation {
  const chain = record.chain;
  const source = chain?.source;
  return {
    ...invocation,
    command: 'extend',
    options: {
      ...(chain?.parentId === undefined ? {} : { job: chain.parentId }),
      prompt: prompt ?? record.request.prompt,
      seconds: record.request.seconds,
    },
    images: [],
    ...(source ? { video: { url: source.url, name: source.name, size: source.size, ref: source.url } } : {}),
  };
}

/** Again and Vary: a new job from an old one's settings and images, on the presser's quota. */
async function repeat(
  invocation: Invocation,
  reply: Parameters<CommandDefinition['handle']>[1],
  context: CommandContext,
  prompt?: string,
): Promise<void> {
  if (!isGenerationReply(reply))
    throw new BotError('internal', `${invocation.command} needs a generation reply`);
  const record = await recordOf(invocation, context);
  if (record.chain) await context.extend(extendFrom(invocation, record, prompt), reply);
  else await context.generate(imagineFrom(invocation, record, prompt), reply);
}

/**
 * The repeated request as the space's rules stand now (a model disallowed since, a size the model lacks),
 * refused before the acknowledgement; a record that is gone is answered by `handle`.
 */
async function checkRepeat(invocation: Invocation, context: CommandContext, prompt?: string): Promise<void> {
  const record = await context.jobs.get(optionText(invocation.options.job) ?? '');
  if (record) await context.checkRequest(imagineFrom(invocation, record, prompt));
  else if (prompt !== undefined) await context.checkRequest({ ...invocation, options: { prompt } });
}

export const againAction: CommandDefinition = {
  name: 'again',
  description: english('commands.again.description'),
  surface: 'action',
  visibility: 'job',
  options: [jobOption],
  precheck: (invocation, context) => checkRepeat(invocation, context),
  handle: (invocation, reply, context) => repeat(invocation, reply, context),
};

export const varyAction: CommandDefinition = {
  name: 'vary',
  description: english('commands.vary.description'),
  surface: 'action',
  visibility: 'job',
  options: [
    jobOption,
    {
      name: 'prompt',
      type: 'string',
      description: english('commands.vary.prompt.description'),
      required: true,
    },
  ],
  // The new prompt with the old job's settings and model, checked before the acknowledgement.
  precheck: (invocation, context) => checkRepeat(invocation, context, optionText(invocation.options.prompt)),
  handle: (invocation, reply, context) =>
    repeat(invocation, reply, context, optionText(invocation.options.prompt)),
};

export const cancelAction: CommandDefinition = {
  name: 'cancel',
  description: english('commands.cancel.description'),
  surface: 'action',
  visibility: 'update',
  options: [jobOption],
  async handle(invocation, _reply, context) {
    const record = await authorized(invocation, context);
    if (!UNFINISHED_STATUSES.has(record.status)) {
      throw new BotError('invalid_input', 'cancel pressed on a finished job', {
        userMessage: context.tr.t('commands.job.finished'),
      });
    }
    // The runner settles the job and its message says who cancelled it and whether it counts (only the
    // runner knows whether the provider already had it); the press needs no answer.
    const by = context.format.actor(invocation);
    if (!context.runner) throw new BotError('internal', 'cancel without a job runner');
    if (!(await context.runner.cancel(record.id, { by }))) {
      throw new BotError('invalid_input', 'cancel pressed on a job no longer running', {
        userMessage: context.tr.t('commands.job.notRunning'),
      });
    }
  },
};

export const deleteAction: CommandDefinition = {
  name: 'delete',
  description: english('commands.delete.description'),
  surface: 'action',
  visibility: 'update',
  options: [jobOption],
  async handle(invocation, reply, context) {
    const record = await authorized(invocation, context);
    if (!reply.remove) throw new BotError('internal', 'this reply cannot remove messages');
    await reply.remove(record);
    context.logger.info({ jobId: record.id, userId: invocation.userId }, 'result deleted on request');
  },
};
