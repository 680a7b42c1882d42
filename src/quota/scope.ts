import type { Platform } from '../platforms.js';

/** One user in one space on one platform: whom a quota, a per-user cap and a turn in line count against. */
export interface UserScope {
  platform: Platform;
  /** Discord guild id (or `dm:<user id>`), Slack team id. */
  spaceId: string;
  userId: string;
}

/** The one string naming a user scope, shared by the quota ledger and the job line. */
export function scopeKey(scope: UserScope): string {
  return `${scope.platform}:${scope.spaceId}:${scope.userId}`;
}
