import type { App } from '@slack/bolt';

/**
 * users.info, cached briefly: workspace rights, the user's locale (asked with include_locale: the language of
 * answers only they see), and the name people see for a `<@U…>` in text. A user of another team (Slack Connect) is not "in" this workspace, and their
 * is_admin/is_owner are that other organisation's roles, so admin = workspace admin or owner of this team only
 * (users.info leaves team_id out for some accounts; then the flags are taken as they are). Cached per team and
 * user, since one user id can be seen from several workspaces.
 */

const CACHE_MS = 5 * 60_000;

export interface SlackUser {
  admin: boolean;
  inTeam: boolean;
  /** Display name, else real name, else username; undefined when users.info failed. */
  name?: string;
  /** The user's Slack locale (`zh-CN`, `en-US`); undefined when users.info failed. */
  locale?: string;
}

export type UserLookup = (userId: string, teamId: string) => Promise<SlackUser>;

export function createUserLookup(client: App['client'], now: () => number = Date.now): UserLookup {
  const cache = new Map<string, SlackUser & { at: number }>();
  return async (userId, teamId) => {
    const key = `${teamId}:${userId}`;
    const cached = cache.get(key);
    if (cached && now() - cached.at < CACHE_MS) return cached;
    try {
      const user = (await client.users.info({ user: userId, include_locale: true })).user;
      const inTeam = Boolean(user && !user.deleted && (!user.team_id || user.team_id === teamId));
      const name =
        user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || undefined;
      const entry = {
        admin: inTeam && Boolean(user?.is_admin || user?.is_owner),
        inTeam,
        name,
        locale: user?.locale,
        at: now(),
      };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, entry);
      return entry;
    } catch {
      return { admin: false, inTeam: false };
    }
  };
}
