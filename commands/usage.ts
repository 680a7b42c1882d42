import { z } from 'zod';
import { BotError, InvalidInputError } from '../src/errors.js';
import type { Formatter, Invocation } from '../src/port.js';
import { formatQuotaAmount, PERIOD_WORDS } from '../src/quota/quota.js';
import type { UsageReport, UsageScope, UsageTally } from '../src/quota/usage.js';
import { formatResetTime } from '../src/util/format.js';
import { actorOf } from './admin-only.js';
import { english } from './registration.js';
import type { CommandDefinition } from './types.js';

/**
 * `/usage [user] [scope]`: who used how much in the current quota period, for a space's admins (everyone's
 * here, or one member's) and bot owners (`scope: bot`, every space). Read from the job records: delivered
 * jobs count, jobs still running are shown apart, refunded ones cost nothing. Everyone else is pointed to
 * /quota show, which tells them their own.
 */

/** How many users (and spaces) a report lists, most used first. */
export const USAGE_TOP = 5;

const userRefSchema = z.object({ id: z.string().min(1) });
const scopeSchema = z.enum(['space', 'bot']);

function videos(n: number): string {
  return formatQuotaAmount(n, 'videos');
}

/** "60 credits (2 videos)", or "2 videos" when the unit is videos. */
function tally(t: UsageTally, unit: UsageReport['unit']): string {
  return unit === 'videos' ? videos(t.jobs) : `${formatQuotaAmount(t.amount, unit)} (${videos(t.jobs)})`;
}

export interface DescribeUsageOptions {
  /** What the report covers, as the heading says it: "in this server", "alice’s in this server", "of the whole bot". */
  heading: string;
  /** Whose platform renders the users: others' users and spaces are written `platform:id`. */
  platform?: string;
  /** The operator's report adds what the counted jobs cost in credits (PRICES), whatever the unit. */
  withCredits?: boolean;
  /** One user's report lists no top users. */
  oneUser?: boolean;
}

/** The report as text, in the platform's markup (`format`). */
export function describeUsage(report: UsageReport, format: Formatter, options: DescribeUsageOptions): string {
  const { unit } = report;
  const when = PERIOD_WORDS[report.period];
  const reset =
    report.window.resetsAt === undefined ? '' : ` (it resets at ${formatResetTime(report.window.resetsAt)})`;
  const lines: string[] = [];
  lines.push(
    report.counted.jobs === 0
      ? `Usage ${options.heading} ${when}${reset}: nothing yet.`
      : `Usage ${options.heading} ${when}${reset}: ${tally(report.counted, unit)}.`,
  );
  if (options.withCredits) lines.push(`Cost: ${formatQuotaAmount(report.counted.credits, 'credits')}.`);
  const bullet = (name: string, t: UsageTally) =>
    `• ${name}: ${tally(t, unit)}${options.withCredits && unit !== 'credits' ? `, ${formatQuotaAmount(t.credits, 'credits')}` : ''}`;
  if (report.byModel.length > 0) {
    lines.push('By model:');
    for (const m of report.byModel) lines.push(bullet(format.escape(m.model), m));
  }
  const here = (platform: string) => options.platform === undefined || platform === options.platform;
  if (!options.oneUser && report.byUser.length > 0) {
    lines.push(report.byUser.length > USAGE_TOP ? `Top ${USAGE_TOP} users:` : 'Users:');
    for (const u of report.byUser.slice(0, USAGE_TOP)) {
      const name =
        here(u.platform) && options.platform !== undefined
          ? format.user(u.userId)
          : `${u.platform}:${u.userId}`;
      lines.push(bullet(name, u));
    }
  }
  if (report.filter.spaceId === undefined && report.bySpace.length > 0) {
    lines.push(
      report.bySpace.length > USAGE_TOP
        ? `Top ${USAGE_TOP} ${format.words.spaces}:`
        : `By ${format.words.space}:`,
    );
    for (const s of report.bySpace.slice(0, USAGE_TOP)) lines.push(bullet(`${s.platform}:${s.spaceId}`, s));
  }
  const after: string[] = [];
  if (report.inFlight.jobs > 0)
    after.push(`Still running, not counted yet: ${tally(report.inFlight, unit)}.`);
  if (report.refunded > 0)
    after.push(`Given back (failed or cancelled in time): ${videos(report.refunded)}.`);
  if (after.length > 0) lines.push(after.join(' '));
  return lines.join('\n');
}

function scopeOf(invocation: Invocation): UsageScope {
  const scope = scopeSchema.safeParse(invocation.options.scope ?? 'space');
  if (!scope.success) throw new InvalidInputError('scope', 'The scope must be “space” or “bot”.');
  const user = invocation.options.user;
  if (user !== undefined) {
    const parsed = userRefSchema.safeParse(user);
    if (!parsed.success) throw new InvalidInputError('user', 'Please name a user.');
    if (scope.data === 'bot')
      throw new InvalidInputError('user', 'Ask for one user’s usage here, or for the whole bot, not both.');
    return { kind: 'user', userId: parsed.data.id };
  }
  return scope.data === 'bot' ? { kind: 'bot' } : { kind: 'space' };
}

export const usageCommand: CommandDefinition = {
  name: 'usage',
  description: english('commands.usage.description'),
  surface: 'slash',
  visibility: 'private',
  usageHint: '[@user] [--scope bot]',
  options: [
    { name: 'user', type: 'user', description: english('commands.usage.user.description') },
    {
      name: 'scope',
      type: 'string',
      description: english('commands.usage.scope.description'),
      choices: [
        { name: english('commands.usage.scope.choice.space'), value: 'space' },
        { name: english('commands.usage.scope.choice.bot'), value: 'bot' },
      ],
    },
  ],

  async handle(invocation, reply, context) {
    const { format, quota, usage } = context;
    const actor = actorOf(invocation);
    const scope = scopeOf(invocation);
    // Refused in the platform's words first; the usage service checks again for every other front end.
    if (scope.kind === 'bot' && !quota.isOwner(actor)) {
      throw new BotError('forbidden', 'non-owner asked for the whole bot’s usage', {
        userMessage: context.tr.t('commands.usage.refused.notOwner'),
      });
    }
    if (scope.kind !== 'bot' && !quota.isAdmin(actor)) {
      context.logger.warn(
        { platform: actor.platform, spaceId: actor.spaceId, userId: actor.userId, action: 'usage' },
        'non-admin asked for usage',
      );
      throw new BotError('forbidden', 'non-admin asked for usage', {
        userMessage: context.tr.t('commands.usage.refused.notAdmin', { admins: format.words.admins }),
      });
    }
    const report = await usage.forActor(actor, scope);
    const heading =
      scope.kind === 'bot'
        ? 'of the whole bot'
        : scope.kind === 'user'
          ? `of ${format.user(scope.userId)} in this ${format.words.space}`
          : `in this ${format.words.space}`;
    let text = describeUsage(report, format, {
      heading,
      platform: invocation.platform,
      oneUser: scope.kind === 'user',
    });
    const max = format.maxChars;
    if (max !== undefined && text.length > max) text = `${text.slice(0, max - 1)}…`;
    await reply.text(text, { ephemeral: true, formatted: true });
  },
};

/** For the operator's report: what a heading says of a filter ("of U1 in slack:T1", "on discord"). */
export function usageHeading(filter: UsageReport['filter']): string {
  const who = filter.userId === undefined ? '' : `of ${filter.userId} `;
  if (filter.spaceId !== undefined) return `${who}in ${filter.platform ?? ''}:${filter.spaceId}`;
  if (filter.platform !== undefined) return `${who}on ${filter.platform}`;
  return who === '' ? 'of the whole bot' : who.trimEnd();
}
