import { z } from 'zod';
import { BotError, InvalidInputError } from '../src/errors.js';
import type { OptionValue, SpaceWords, Translator, UserRef } from '../src/port.js';
import type { QuotaUnit } from '../src/config.js';
import type { GlobalQuotaStatus, GlobalSubject, QuotaStatus, QuotaSubject } from '../src/quota/quota.js';
import { formatResetTime } from '../src/util/format.js';
import { actorOf, onlyAdmins, requireSpaceAdmin } from './admin-only.js';
import { english } from './registration.js';
import type { CommandDefinition } from './types.js';

/**
 * `/quota show|set|reset|default`: users see their own usage; admins change limits here. `/quota global
 * show|set|reset`: a user's limit across every space, which only bot owners change (users may see their own).
 */

const userOption = {
  name: 'user',
  type: 'user',
  description: english('commands.quota.option.user.description'),
} as const;
const limitOption = (description: string) =>
  ({ name: 'limit', type: 'integer', description, required: true, minValue: 0 }) as const;

const userRefSchema = z.object({
  id: z.string().min(1),
  inSpace: z.boolean(),
  displayName: z.string().optional(),
});
const limitSchema = z.number().int();

/** `anywhere`: the user need not be in this space (a global limit follows them everywhere). */
function userOf(
  value: OptionValue | undefined,
  required: boolean,
  tr: Translator,
  words: SpaceWords,
  anywhere = false,
): UserRef | undefined {
  if (value === undefined && !required) return undefined;
  const parsed = userRefSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(
      'user',
      anywhere
        ? tr.t('commands.quota.user.anyone')
        : tr.t('commands.quota.user.member', { space: words.space }),
    );
  }
  if (!parsed.data.inSpace && !anywhere) {
    throw new InvalidInputError('user', tr.t('commands.quota.user.notMember', { space: words.space }));
  }
  return parsed.data;
}

function limitOf(value: OptionValue | undefined, tr: Translator): number {
  const parsed = limitSchema.safeParse(typeof value === 'string' ? Number(value) : value);
  if (!parsed.success) throw new InvalidInputError('limit', tr.t('commands.quota.limit.whole'));
  return parsed.data;
}

/** "5 videos", "30 seconds", "1,000 credits", in the user's language. */
export function quotaAmount(tr: Translator, n: number, unit: QuotaUnit): string {
  return tr.t('commands.quota.amount', { n, unit });
}

/** When the counters start again: "It resets at 2026-12-03 00:00 UTC." (or never). */
function resetValues(resetsAt: number | undefined, tr: Translator) {
  return resetsAt === undefined
    ? { resets: 'never', time: '' }
    : { resets: 'at', time: formatResetTime(resetsAt, tr) };
}

/** "Used 2 of 5 videos today. It resets at …", with the user's standing across every space when it has one. */
export function describeQuotaIn(tr: Translator, status: QuotaStatus, spaces: string): string {
  return tr.t('commands.quota.status', {
    used: status.used,
    limit: quotaAmount(tr, status.limit, status.unit),
    period: status.period,
    global: status.global === undefined ? 'no' : 'yes',
    spaces,
    globalUsed: status.global?.used ?? 0,
    globalLimit: status.global === undefined ? '' : quotaAmount(tr, status.global.limit, status.unit),
    ...resetValues(status.resetsAt, tr),
  });
}

/** A user's standing across every space: with or without a global limit, and who set it. */
export function describeGlobalQuotaIn(tr: Translator, status: GlobalQuotaStatus, spaces: string): string {
  const common = { spaces, period: status.period, ...resetValues(status.resetsAt, tr) };
  if (status.limit === undefined) {
    return tr.t('commands.quota.global.status.unlimited', {
      ...common,
      used: quotaAmount(tr, status.used, status.unit),
    });
  }
  return tr.t('commands.quota.global.status.limited', {
    ...common,
    used: status.used,
    limit: quotaAmount(tr, status.limit, status.unit),
    source: status.limitSource === 'owner' ? 'owner' : 'default',
  });
}

/** `{was, old}` of a change's answer: "(was 4)" when there was a value before. */
function was(old: number | undefined) {
  return old === undefined ? { was: 'no', old: 0 } : { was: 'yes', old };
}

export const quotaCommand: CommandDefinition = {
  name: 'quota',
  description: english('commands.quota.description'),
  surface: 'slash',
  visibility: 'private',
  defaultSubcommand: 'show',
  usageHint: 'show | set @user 10 | reset @user | default 5 | global show|set|reset @user [10]',
  subcommands: [
    { name: 'show', description: english('commands.quota.show.description'), options: [userOption] },
    {
      name: 'set',
      description: english('commands.quota.set.description'),
      options: [
        { ...userOption, required: true },
        limitOption(english('commands.quota.set.limit.description')),
      ],
    },
    {
      name: 'reset',
      description: english('commands.quota.reset.description'),
      options: [{ ...userOption, required: true }],
    },
    {
      name: 'default',
      description: english('commands.quota.default.description'),
      options: [limitOption(english('commands.quota.default.limit.description'))],
    },
  ],
  subcommandGroups: [
    {
      name: 'global',
      description: english('commands.quota.global.description'),
      subcommands: [
        {
          name: 'show',
          description: english('commands.quota.global.show.description'),
          options: [userOption],
        },
        {
          name: 'set',
          description: english('commands.quota.global.set.description'),
          options: [
            { ...userOption, required: true },
            limitOption(english('commands.quota.global.set.limit.description')),
          ],
        },
        {
          name: 'reset',
          description: english('commands.quota.global.reset.description'),
          options: [{ ...userOption, required: true }],
        },
      ],
    },
  ],

  async handle(invocation, reply, context) {
    const { quota, format, tr } = context;
    const { spaces } = format.words;
    const actor = actorOf(invocation);
    const adminOnly = (action: string) =>
      requireSpaceAdmin(invocation, context, { area: 'quota', action, what: 'changeQuotas' });
    const subjectOf = (user: UserRef): QuotaSubject => ({ ...actor, userId: user.id });
    const name = (user: UserRef) => user.displayName ?? user.id;
    const say = (text: string) => reply.text(text, { ephemeral: true });
    if (invocation.subcommandGroup === 'global') {
      const globalOf = (user: UserRef): GlobalSubject => ({ platform: actor.platform, userId: user.id });
      switch (invocation.subcommand ?? 'show') {
        case 'show': {
          const user = userOf(invocation.options.user, false, tr, format.words, true);
          const status = await quota.showGlobal(actor, user ? globalOf(user) : actor);
          const described = describeGlobalQuotaIn(tr, status, spaces);
          await say(
            user && user.id !== actor.userId
              ? tr.t('commands.quota.show.theirs', { name: name(user), status: described })
              : tr.t('commands.quota.global.show.yours', { status: described }),
          );
          return;
        }
        case 'set': {
          const user = userOf(invocation.options.user, true, tr, format.words, true) as UserRef;
          const limit = limitOf(invocation.options.limit, tr);
          const change = await quota.setGlobalLimit(actor, globalOf(user), limit);
          await say(
            tr.t('commands.quota.global.set.done', {
              name: name(user),
              spaces,
              limit: quotaAmount(tr, change.new, quota.unit),
              ...was(change.old),
            }),
          );
          return;
        }
        case 'reset': {
          const user = userOf(invocation.options.user, true, tr, format.words, true) as UserRef;
          const change = await quota.resetGlobalUsage(actor, globalOf(user));
          await say(tr.t('commands.quota.global.reset.done', { name: name(user), spaces, old: change.old }));
          return;
        }
        default:
          throw new InvalidInputError(
            'subcommand',
            tr.t('commands.quota.global.unknown', { subcommand: invocation.subcommand ?? '' }),
          );
      }
    }
    switch (invocation.subcommand ?? 'show') {
      case 'show': {
        const user = userOf(invocation.options.user, false, tr, format.words);
        if (user && user.id !== actor.userId && !quota.isAdmin(actor)) {
          throw new BotError('forbidden', 'non-admin asked for another user’s quota', {
            userMessage: onlyAdmins(tr, format.words, 'seeOthersQuota'),
          });
        }
        const status = await quota.status(user ? subjectOf(user) : actor);
        const described = describeQuotaIn(tr, status, spaces);
        await say(
          user && user.id !== actor.userId
            ? tr.t('commands.quota.show.theirs', { name: name(user), status: described })
            : tr.t('commands.quota.show.yours', { status: described }),
        );
        return;
      }
      case 'set': {
        adminOnly('set');
        const user = userOf(invocation.options.user, true, tr, format.words) as UserRef;
        const change = await quota.setUserLimit(
          actor,
          subjectOf(user),
          limitOf(invocation.options.limit, tr),
        );
        await say(
          tr.t('commands.quota.set.done', {
            name: name(user),
            limit: quotaAmount(tr, change.new, quota.unit),
            ...was(change.old),
          }),
        );
        return;
      }
      case 'reset': {
        adminOnly('reset');
        const user = userOf(invocation.options.user, true, tr, format.words) as UserRef;
        const change = await quota.resetUsage(actor, subjectOf(user));
        await say(tr.t('commands.quota.reset.done', { name: name(user), old: change.old }));
        return;
      }
      case 'default': {
        adminOnly('default');
        const change = await quota.setSpaceDefault(actor, limitOf(invocation.options.limit, tr));
        await say(
          tr.t('commands.quota.default.done', {
            limit: quotaAmount(tr, change.new, quota.unit),
            ...was(change.old),
          }),
        );
        return;
      }
      default:
        throw new InvalidInputError(
          'subcommand',
          tr.t('commands.quota.unknown', { subcommand: invocation.subcommand ?? '' }),
        );
    }
  },
};
