import type { Platform } from '../platforms.js';

/**
 * ALLOWED_SPACES: the servers and workspaces a bot meant for a closed set of communities works in. Anyone can
 * add a public bot to a server of their own; without a list, each such server is one more place that spends
 * the operator's video budget. Entries are `discord:<server id>`, `discord:dm` (every Discord DM: a DM has no
 * server to list) and `slack:<team id>` (a Slack DM belongs to its workspace, so the team covers it).
 */

export interface SpaceAllowlist {
  /** Whether the bot works in this space: always without a list; with one, only where it names. */
  allows(space: { platform: Platform; spaceId: string }): boolean;
}

/** The list entry a space answers to: Discord DMs (`dm:<user id>`) are all `discord:dm`. */
export function spaceEntry(platform: Platform, spaceId: string): string {
  if (platform === 'discord' && spaceId.startsWith('dm:')) return 'discord:dm';
  return `${platform}:${spaceId}`;
}

/** `entries` as the config reads them; undefined allows every space. */
export function createSpaceAllowlist(entries: readonly string[] | undefined): SpaceAllowlist {
  if (entries === undefined) return { allows: () => true };
  const listed = new Set(entries);
  return {
    allows: ({ platform, spaceId }) => spaceId !== '' && listed.has(spaceEntry(platform, spaceId)),
  };
}
