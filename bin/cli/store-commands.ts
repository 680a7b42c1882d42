import { parseArgs } from 'node:util';
import { z } from 'zod';
import { quotaCommand } from '../../commands/quota.js';
import { openApp } from '../../src/app.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { plainFormat } from '../../src/core/plain-format.js';
import type { Config } from '../../src/config.js';
import { InvalidInputError } from '../../src/errors.js';
import { JOB_STATUSES } from '../../src/jobs/job-store.js';
import type { Logger } from '../../src/log.js';
import { CHAT_PLATFORMS, chatPlatformSchema } from '../../src/platforms.js';
import type { Reply } from '../../src/port.js';

/** Operator commands over the store: the same rules as the chat commands, run as an owner. */

export const STORE_HELP = `  jobs [--status S] [--user ID] [--platform P] [--limit N]
                        list job records (S: running, ${JOB_STATUSES.join(', ')})
  quota show|set|reset|default --platform discord|slack --space ID [--user ID] [--limit N]
                        the /quota admin commands, for operators (STORE_URL decides which store)`;

export async function jobsCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      status: { type: 'string' },
      user: { type: 'string' },
      platform: { type: 'string' },
      limit: { type: 'string', default: '50' },
    },
  });
  const status = z
    .enum(['running', ...JOB_STATUSES])
    .optional()
    .safeParse(values.status);
  if (!status.success) {
    throw new InvalidInputError('status', `--status must be running or one of ${JOB_STATUSES.join(', ')}.`);
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new InvalidInputError('limit', '--limit must be a positive whole number.');
  const app = await openApp(config, logger, { needsGeneration: false });
  try {
    const pruned = await app.prune();
    if (pruned > 0) process.stderr.write(`removed ${pruned} job record(s) older than JOB_RETENTION_DAYS\n`);
    const records = await app.jobs.list(
      { status: status.data, userId: values.user, platform: values.platform },
      limit,
    );
    for (const r of records) {
      const when = new Date(r.createdAt).toISOString().slice(0, 19).replace('T', ' ');
      const prompt = r.request.prompt.length > 50 ? `${r.request.prompt.slice(0, 49)}…` : r.request.prompt;
      process.stdout.write(
        `${r.id}\t${when}\t${r.status}\t${r.reservation}\t${r.platform}:${r.spaceId}:${r.userId}\t${r.request.seconds}s ${r.request.aspectRatio} ${r.request.resolution}\t${prompt}\n`,
      );
    }
    process.stderr.write(`${records.length} job(s)\n`);
    return 0;
  } finally {
    await app.close();
  }
}

export async function quotaCliCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      platform: { type: 'string' },
      space: { type: 'string' },
      user: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const subcommand = positionals[0] ?? 'show';
  const platform = chatPlatformSchema.safeParse(values.platform);
  if (!platform.success) {
    throw new InvalidInputError('platform', `--platform must be ${CHAT_PLATFORMS.join(' or ')}.`);
  }
  if (!values.space)
    throw new InvalidInputError('space', '--space is required (a Discord guild id or Slack team id).');
  if (subcommand !== 'default' && !values.user) throw new InvalidInputError('user', '--user is required.');

  const app = await openApp(config, logger, { needsGeneration: false });
  let failed = false;
  const reply: Reply = {
    async text(message) {
      process.stdout.write(`${message}\n`);
    },
    async fail(error) {
      failed = true;
      process.stderr.write(`${error.userMessage}\n`);
    },
  };
  const handle = createDispatcher({
    registry: new Map([[quotaCommand.name, quotaCommand]]),
    firstSeen: app.firstSeen,
    draining: () => false,
    contextFor: () => ({
      quota: app.quota,
      settings: app.settings,
      jobs: app.jobs,
      runner: undefined,
      format: plainFormat,
      logger,
      generate: () => Promise.reject(new Error('the CLI does not generate through commands')),
      checkRequest: () => {
        throw new Error('the CLI does not generate through commands');
      },
    }),
    logger,
  });
  try {
    await handle(
      {
        platform: platform.data,
        spaceId: values.space,
        channelId: 'cli',
        userId: 'operator',
        // The operator runs the command with access to the store itself: an owner by definition.
        isSpaceAdmin: true,
        command: 'quota',
        subcommand,
        options: {
          user: values.user ? { id: values.user, inSpace: true } : undefined,
          limit: values.limit === undefined ? undefined : Number(values.limit),
        },
        images: [],
      },
      reply,
    );
    return failed ? 2 : 0;
  } finally {
    await app.close();
  }
}
