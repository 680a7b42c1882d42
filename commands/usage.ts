import { z } from 'zod';
import { BotError, InvalidInputError } from '../src/errors.js';
import { translator, type Formatter, type Invocation, type Translator } from '../src/port.js';
import type { UsageReport, UsageScope, UsageTally } from '../src/quota/usage.js';
import { formatResetTime } from '../src/util/format.js';
import { actorOf } from './admin-only.js';
import { quotaAmount } from './quota.js';
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

/** "60 credits (2 videos)", or "2 videos" when the unit is videos. */
function tally(tr: Translator, t: UsageTally, unit: UsageReport['unit']): string {
  const videos = quotaAmount(tr, t.jobs, 'videos');
  return unit === 'videos'
    ? videos
    : tr.t('commands.usage.tally', { amount: quotaAmount(tr, t.amount, unit), videos });
}

export interface DescribeUsageOptions {
  /**
   * What the report covers, as the heading says it (`commands.usage.heading.*`): "in this server", "of alice
   * in this server", "of the whole bot".
   */
  heading: string;
  /** Whose platform renders the users: others' users and spaces are written `platform:id`. */
  platform?: string;
  /** The operator's report adds what the counted jobs cost in credits (PRICES), whatever the unit. */
  withCredits?: boolean;
  /** One user's report lists no top users. */
  oneUser?: boolean;
  /** The reader's language; the operator's report is English. */
  tr?: Translator;
}

/** The report as text, in the platform's markup (`format`). */
export function describeUsage(report: UsageReport, format: Formatter, options: DescribeUsageOptions): string {
  const { unit } = report;
  const tr = options.tr ?? translator('en');
  const lines: string[] = [];
  lines.push(
    tr.t('commands.usage.summary', {
      heading: options.heading,
      period: report.period,
      resets: report.window.resetsAt === undefined ? 'never' : 'at',
      time: report.window.resetsAt === undefined ? '' : formatResetTime(report.window.resetsAt, tr),
      nothing: report.counted.jobs === 0 ? 'yes' : 'no',
      tally: tally(tr, report.counted, unit),
    }),
  );
  if (options.withCredits) {
    lines.push(tr.t('commands.usage.cost', { amount: quotaAmount(tr, report.counted.credits, 'credits') }));
  }
  const withCredits = options.withCredits === true && unit !== 'credits';
  const bullet = (name: string, t: UsageTally) =>
    tr.t('commands.usage.bullet', {
      name,
      tally: tally(tr, t, unit),
      withCredits: withCredits ? 'yes' : 'no',
      credits: withCredits ? quotaAmount(tr, t.credits, 'credits') : '',
    });
  if (report.byModel.length > 0) {
    lines.push(tr.t('commands.usage.byModel'));
    for (const m of report.byModel) lines.push(bullet(format.escape(m.model), m));
  }
  const here = (platform: string) => options.platform === undefined || platform === options.platform;
  if (!options.oneUser && report.byUser.length > 0) {
    lines.push(
      tr.t('commands.usage.users', {
        top: report.byUser.length > USAGE_TOP ? 'yes' : 'no',
        count: USAGE_TOP,
      }),
    );
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
      tr.t('commands.usage.spaces', {
        top: report.bySpace.length > USAGE_TOP ? 'yes' : 'no',
        count: USAGE_TOP,
        spaces: format.words.spaces,
        space: format.words.space,
      }),
    );
    for (const s of report.bySpace.slice(0, USAGE_TOP)) lines.push(bullet(`${s.platform}:${s.spaceId}`, s));
  }
  const running = report.inFlight.jobs > 0;
  const refunded = report.refunded > 0;
  if (running || refunded) {
    lines.push(
      tr.t('commands.usage.after', {
        running: running ? 'yes' : 'no',
        inFlight: running ? tally(tr, report.inFlight, unit) : '',
        both: running && refunded ? 'yes' : 'no',
        refunded: refunded ? 'yes' : 'no',
        given: refunded ? quotaAmount(tr, report.refunded, 'videos') : '',
      }),
    );
  }
  return lines.join('\n');
}

function scopeOf(invocation: Invocation, tr: Translator): UsageScope {
  const scope = scopeSchema.safeParse(invocation.options.scope ?? 'space');
  if (!scope.success) throw new InvalidInputError('scope', tr.t('commands.usage.scope.invalid'));
  const user = invocation.options.user;
  if (user !== undefined) {
    const parsed = userRefSchema.safeParse(user);
    if (!parsed.success) throw new InvalidInputError('user', tr.t('commands.usage.user.invalid'));
    if (scope.data === 'bot') throw new InvalidInputError('user', tr.t('commands.usage.user.andBot'));
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
    const { format, quota, usage, tr } = context;
    const actor = actorOf(invocation);
    const scope = scopeOf(invocation, tr);
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
        ? tr.t('commands.usage.heading.bot')
        : scope.kind === 'user'
          ? tr.t('commands.usage.heading.user', {
              user: format.user(scope.userId),
              space: format.words.space,
            })
          : tr.t('commands.usage.heading.space', { space: format.words.space });
    let text = describeUsage(report, format, {
      heading,
      tr,
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
