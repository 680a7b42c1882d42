import { z } from 'zod';
import { BotError, InvalidInputError } from '../src/errors.js';
import type { OptionValue, SpaceWords, UserRef } from '../src/port.js';
import {
  describeGlobalQuota,
  describeQuota,
  formatQuotaAmount,
  type GlobalSubject,
  type QuotaSubject,
} from '../src/quota/quota.js';
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
  words: SpaceWords,
  anywhere = false,
): UserRef | undefined {
  if (value === undefined && !required) return undefined;
  const parsed = userRefSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidInputError(
      'user',
      anywhere ? 'Please name a user.' : `Please name a member of this ${words.space}.`,
    );
  }
  if (!parsed.data.inSpace && !anywhere) {
    throw new InvalidInputError('user', `That user is not a member of this ${words.space}.`);
  }
  return parsed.data;
}

function limitOf(value: OptionValue | undefined): number {
  const parsed = limitSchema.safeParse(typeof value === 'string' ? Number(value) : value);
  if (!parsed.success) throw new InvalidInputError('limit', 'The limit must be a whole number.');
  return parsed.data;
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
    const { quota, format } = context;
    const actor = actorOf(invocation);
    const adminOnly = (action: string) =>
      requireSpaceAdmin(invocation, context, { area: 'quota', action, what: 'change quotas' });
    const subjectOf = (user: UserRef): QuotaSubject => ({ ...actor, userId: user.id });
    const name = (user: UserRef) => user.displayName ?? user.id;
    if (invocation.subcommandGroup === 'global') {
      const everywhere = `across all ${format.words.spaces}`;
      const globalOf = (user: UserRef): GlobalSubject => ({ platform: actor.platform, userId: user.id });
      switch (invocation.subcommand ?? 'show') {
        case 'show': {
          const user = userOf(invocation.options.user, false, format.words, true);
          const status = await quota.showGlobal(actor, user ? globalOf(user) : actor);
          const who = user && user.id !== actor.userId ? `${name(user)}: ` : 'Your usage: ';
          await reply.text(`${who}${describeGlobalQuota(status, format.words.spaces)}`, { ephemeral: true });
          return;
        }
        case 'set': {
          const user = userOf(invocation.options.user, true, format.words, true) as UserRef;
          const change = await quota.setGlobalLimit(actor, globalOf(user), limitOf(invocation.options.limit));
          await reply.text(
            `${name(user)}’s limit ${everywhere} is now ${formatQuotaAmount(change.new, quota.unit)}${change.old === undefined ? '' : ` (was ${change.old})`}.`,
            { ephemeral: true },
          );
          return;
        }
        case 'reset': {
          const user = userOf(invocation.options.user, true, format.words, true) as UserRef;
          const change = await quota.resetGlobalUsage(actor, globalOf(user));
          await reply.text(
            `${name(user)}’s usage ${everywhere} for this period is cleared (was ${change.old}).`,
            {
              ephemeral: true,
            },
          );
          return;
        }
        default:
          throw new InvalidInputError(
            'subcommand',
            `Unknown quota command “global ${invocation.subcommand}”. Use global show, set or reset.`,
          );
      }
    }
    switch (invocation.subcommand ?? 'show') {
      case 'show': {
        const user = userOf(invocation.options.user, false, format.words);
        if (user && user.id !== actor.userId && !quota.isAdmin(actor)) {
          throw new BotError('forbidden', 'non-admin asked for another user’s quota', {
            userMessage: onlyAdmins(format.words, 'see someone else’s quota'),
          });
        }
        const status = await quota.status(user ? subjectOf(user) : actor);
        const who = user && user.id !== actor.userId ? `${name(user)}: ` : 'Your quota: ';
        await reply.text(`${who}${describeQuota(status, format.words.spaces)}`, { ephemeral: true });
        return;
      }
      case 'set': {
        adminOnly('set');
        const user = userOf(invocation.options.user, true, format.words) as UserRef;
        const change = await quota.setUserLimit(actor, subjectOf(user), limitOf(invocation.options.limit));
        await reply.text(
          `${name(user)}’s limit is now ${formatQuotaAmount(change.new, quota.unit)}${change.old === undefined ? '' : ` (was ${change.old})`}.`,
          { ephemeral: true },
        );
        return;
      }
      case 'reset': {
        adminOnly('reset');
        const user = userOf(invocation.options.user, true, format.words) as UserRef;
        const change = await quota.resetUsage(actor, subjectOf(user));
        await reply.text(`${name(user)}’s usage for this period is cleared (was ${change.old}).`, {
          ephemeral: true,
        });
        return;
      }
      case 'default': {
        adminOnly('default');
        const change = await quota.setSpaceDefault(actor, limitOf(invocation.options.limit));
        await reply.text(
          `The default limit here is now ${formatQuotaAmount(change.new, quota.unit)}${change.old === undefined ? '' : ` (was ${change.old})`}.`,
          { ephemeral: true },
        );
        return;
      }
      default:
        throw new InvalidInputError('subcommand', `Unknown quota command “${invocation.subcommand}”.`);
    }
  },
};
