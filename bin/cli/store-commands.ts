import { parseArgs } from 'node:util';
import { z } from 'zod';
import { quotaCommand } from '../../commands/quota.js';
import { describeUsage, usageHeading } from '../../commands/usage.js';
import { openApp } from '../../src/app.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { plainFormat } from '../../src/core/plain-format.js';
import { translator } from '../../src/i18n/translate.js';
import type { Config } from '../../src/config.js';
import { InvalidInputError } from '../../src/errors.js';
import { JOB_STATUSES } from '../../src/jobs/job-store.js';
import type { Logger } from '../../src/log.js';
import { CHAT_PLATFORMS, chatPlatformSchema } from '../../src/platforms.js';
import type { Invocation, Reply } from '../../src/port.js';
import type { UsageFilter, UsageReport, UsageTally } from '../../src/quota/usage.js';

/** Operator commands over the store: the same rules as the chat commands, run as an owner. */

export const STORE_HELP = `  jobs [--status S] [--user ID] [--platform P] [--limit N]
                        list job records (S: running, ${JOB_STATUSES.join(', ')})
  quota show|set|reset|default --platform discord|slack --space ID [--user ID] [--limit N]
                        the /quota admin commands, for operators (STORE_URL decides which store)
  quota global show|set|reset discord:<user id>|slack:<user id> [N]
                        a user's limit across every server and workspace, as a bot owner
  usage [--csv] [--platform discord|slack [--space ID]] [--user ID]
                        this quota period's use (the whole bot, a platform, a space or a user):
                        total, by model, by user and space, and its cost in credits (PRICES)`;

/** Who the operator is to the quota rules: a bot owner, under an id no platform gives anyone. */
const OPERATOR_ID = 'operator';

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
  if (positionals[0] === 'global')
    return quotaGlobalCommand(positionals.slice(1), values.limit, config, logger);
  const subcommand = positionals[0] ?? 'show';
  const platform = chatPlatformSchema.safeParse(values.platform);
  if (!platform.success) {
    throw new InvalidInputError('platform', `--platform must be ${CHAT_PLATFORMS.join(' or ')}.`);
  }
  if (!values.space)
    throw new InvalidInputError('space', '--space is required (a Discord guild id or Slack team id).');
  if (subcommand !== 'default' && !values.user) throw new InvalidInputError('user', '--user is required.');
  return runQuotaCommand(config, logger, {
    platform: platform.data,
    spaceId: values.space,
    subcommand,
    options: {
      user: values.user ? { id: values.user, inSpace: true } : undefined,
      limit: values.limit === undefined ? undefined : Number(values.limit),
    },
  });
}

/** `discord:123` → the platform and the user id, as the operator names a user anywhere. */
const globalTargetSchema = z
  .string()
  .regex(/^(discord|slack):[\w-]+$/)
  .transform((text) => {
    const colon = text.indexOf(':');
    return { platform: chatPlatformSchema.parse(text.slice(0, colon)), userId: text.slice(colon + 1) };
  });

/** `quota global show|set|reset <platform>:<user id> [N]`: a user's limit across every space. */
async function quotaGlobalCommand(
  positionals: string[],
  limitFlag: string | undefined,
  config: Config,
  logger: Logger,
): Promise<number> {
  const [subcommand = 'show', target, limit = limitFlag] = positionals;
  const parsed = globalTargetSchema.safeParse(target);
  if (!parsed.success) {
    throw new InvalidInputError(
      'user',
      `Name the user as discord:<user id> or slack:<user id>, e.g. \`quota global ${subcommand} discord:123456789012345678${subcommand === 'set' ? ' 10' : ''}\`.`,
    );
  }
  return runQuotaCommand(config, logger, {
    platform: parsed.data.platform,
    spaceId: 'cli',
    subcommandGroup: 'global',
    subcommand,
    options: {
      user: { id: parsed.data.userId, inSpace: true },
      limit: limit === undefined ? undefined : Number(limit),
    },
  });
}

/** Runs /quota through the core's dispatcher, as the operator: answers on stdout, refusals on stderr (exit 2). */
async function runQuotaCommand(
  config: Config,
  logger: Logger,
  command: Pick<Invocation, 'platform' | 'spaceId' | 'subcommandGroup' | 'subcommand' | 'options'>,
): Promise<number> {
  // The operator runs the command with access to the store itself: an owner by definition.
  const asOwner = { ...config, ownerIds: [...config.ownerIds, `${command.platform}:${OPERATOR_ID}`] };
  const app = await openApp(asOwner, logger, { needsGeneration: false });
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
      usage: app.usage,
      runner: undefined,
      format: plainFormat,
      // The operator's CLI speaks English.
      tr: translator('en'),
      spaceTr: translator('en'),
      defaultLanguage: 'en',
      logger,
      generate: () => Promise.reject(new Error('the CLI does not generate through commands')),
      extend: () => Promise.reject(new Error('the CLI does not generate through commands')),
      checkRequest: () => {
        throw new Error('the CLI does not generate through commands');
      },
    }),
    logger,
  });
  try {
    await handle(
      {
        ...command,
        channelId: 'cli',
        userId: OPERATOR_ID,
        isSpaceAdmin: true,
        command: 'quota',
        images: [],
      },
      reply,
    );
    return failed ? 2 : 0;
  } finally {
    await app.close();
  }
}

/** One CSV field, quoted when it must be (RFC 4180). */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = ['period', 'kind', 'name', 'jobs', 'amount', 'unit', 'credits'];

/** Every row of a report: the total, each model, user and space, and the jobs still in flight. */
function usageCsv(report: UsageReport): string {
  const row = (kind: string, name: string, t: UsageTally) =>
    [report.window.label, kind, name, t.jobs, t.amount, report.unit, t.credits].map(csvField).join(',');
  const rows = [
    CSV_HEADER.join(','),
    row('total', '', report.counted),
    ...report.byModel.map((m) => row('model', m.model, m)),
    ...report.byUser.map((u) => row('user', `${u.platform}:${u.userId}`, u)),
    ...report.bySpace.map((s) => row('space', `${s.platform}:${s.spaceId}`, s)),
    row('in_flight', '', report.inFlight),
  ];
  return `${rows.join('\n')}\n`;
}

/** `usage [--csv] [--platform P [--space ID]] [--user ID]`: the /usage report for operators, any scope. */
export async function usageCliCommand(args: string[], config: Config, logger: Logger): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      csv: { type: 'boolean', default: false },
      platform: { type: 'string' },
      space: { type: 'string' },
      user: { type: 'string' },
    },
  });
  const platform = chatPlatformSchema.optional().safeParse(values.platform);
  if (!platform.success) {
    throw new InvalidInputError('platform', `--platform must be ${CHAT_PLATFORMS.join(' or ')}.`);
  }
  if (values.space !== undefined && platform.data === undefined)
    throw new InvalidInputError('platform', '--space needs --platform (discord or slack).');
  const filter: UsageFilter = {
    ...(platform.data === undefined ? {} : { platform: platform.data }),
    ...(values.space === undefined ? {} : { spaceId: values.space }),
    ...(values.user === undefined ? {} : { userId: values.user }),
  };
  const app = await openApp(config, logger, { needsGeneration: false });
  try {
    const report = await app.usage.report(filter);
    process.stdout.write(
      values.csv
        ? usageCsv(report)
        : `${describeUsage(report, plainFormat, {
            heading: usageHeading(filter),
            withCredits: true,
            oneUser: filter.userId !== undefined,
          })}\n`,
    );
    return 0;
  } finally {
    await app.close();
  }
}
