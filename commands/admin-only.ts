import type { Invocation, SpaceWords, Translator } from '../src/port.js';
import { requireAdmin } from '../src/quota/admin.js';
import type { QuotaActor } from '../src/quota/quota.js';
import type { CommandContext } from './types.js';

/**
 * The admin gate of the commands, refused in the invoking platform's words (Slack: workspace admins and
 * owners; Discord: server admins with Manage Server). The rule is the core's (`quota.isAdmin`, the one
 * /quota and /settings share); the services check it again for every other front end, in neutral words.
 */

export function actorOf(invocation: Invocation): QuotaActor {
  return {
    platform: invocation.platform,
    spaceId: invocation.spaceId,
    userId: invocation.userId,
    isSpaceAdmin: invocation.isSpaceAdmin,
  };
}

/** What only admins may do, as the refusal names it (`commands.admin.action.*`). */
export type AdminAction = 'changeQuotas' | 'seeOthersQuota' | 'changeSettings' | 'seeUsage' | 'listAllJobs';

/** "Only workspace admins and owners (or a bot owner) can change quotas.", in the user's language. */
export function onlyAdmins(tr: Translator, words: SpaceWords, action: AdminAction): string {
  return tr.t('commands.admin.only', {
    admins: words.admins,
    action: tr.t(`commands.admin.action.${action}`),
  });
}

/** Refuses (and logs who tried) unless the invoker is an admin of the space or a bot owner. */
export function requireSpaceAdmin(
  invocation: Invocation,
  context: Pick<CommandContext, 'quota' | 'format' | 'logger' | 'tr'>,
  attempt: { area: 'quota' | 'settings' | 'usage'; action: string; what: AdminAction },
): void {
  requireAdmin(
    context.quota.isAdmin,
    actorOf(invocation),
    {
      area: attempt.area,
      action: attempt.action,
      userMessage: onlyAdmins(context.tr, context.format.words, attempt.what),
    },
    context.logger,
  );
}
