import type { Invocation, SpaceWords } from '../src/port.js';
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

/** "Only workspace admins and owners (or a bot owner) can change quotas." */
export function onlyAdmins(words: SpaceWords, what: string): string {
  return `Only ${words.admins} (or a bot owner) can ${what}.`;
}

/** Refuses (and logs who tried) unless the invoker is an admin of the space or a bot owner. */
export function requireSpaceAdmin(
  invocation: Invocation,
  context: Pick<CommandContext, 'quota' | 'format' | 'logger'>,
  attempt: { area: 'quota' | 'settings' | 'usage'; action: string; what: string },
): void {
  requireAdmin(
    context.quota.isAdmin,
    actorOf(invocation),
    {
      area: attempt.area,
      action: attempt.action,
      userMessage: onlyAdmins(context.format.words, attempt.what),
    },
    context.logger,
  );
}
