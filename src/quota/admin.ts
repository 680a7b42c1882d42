import { BotError } from '../errors.js';
import type { Text } from '../i18n/text.js';
import type { Logger } from '../log.js';
import type { QuotaActor } from './quota.js';

/**
 * Who may change a space's rules and quotas: its admins (the platform says so: Manage Server on Discord,
 * workspace admin or owner on Slack) and the bot's owners (OWNER_IDS, `platform:userId`). One rule for /quota
 * and /settings, so no front end can apply another.
 */
export function isAdminOf(ownerIds: readonly string[]) {
  return (actor: QuotaActor): boolean =>
    actor.isSpaceAdmin || ownerIds.includes(`${actor.platform}:${actor.userId}`);
}

const REFUSAL_LOG = {
  quota: 'non-admin tried an admin quota command',
  'quota-global': 'non-owner tried a bot-owner quota command',
  settings: 'non-admin tried to change space settings',
  usage: 'non-admin asked for usage',
  'usage-bot': 'non-owner asked for the whole bot’s usage',
} as const;

/** Refuses, and logs who tried what, unless `isAdmin(actor)`. */
export function requireAdmin(
  isAdmin: (actor: QuotaActor) => boolean,
  actor: QuotaActor,
  attempt: { area: keyof typeof REFUSAL_LOG; action: string; userMessage: string | Text },
  logger: Logger,
): void {
  if (isAdmin(actor)) return;
  logger.warn(
    { platform: actor.platform, spaceId: actor.spaceId, userId: actor.userId, action: attempt.action },
    REFUSAL_LOG[attempt.area],
  );
  throw new BotError('forbidden', `${actor.userId} is not an admin`, { userMessage: attempt.userMessage });
}
