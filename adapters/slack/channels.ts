import type { App } from '@slack/bolt';

/**
 * A channel's name by conversations.info (scopes channels:read, groups:read), for `<#C…>` sequences that come
 * without one. Cached per team and channel; a failure (a DM, a channel we may not read) is remembered for a
 * minute, so a prompt naming such a channel does not cost a Web API call each time.
 */

const CACHE_MS = 5 * 60_000;
const FAILURE_CACHE_MS = 60_000;

export type ChannelLookup = (channelId: string, teamId: string) => Promise<string | undefined>;

export function createChannelLookup(client: App['client'], now: () => number = Date.now): ChannelLookup {
  const cache = new Map<string, { name: string | undefined; until: number }>();
  return async (channelId, teamId) => {
    const key = `${teamId}:${channelId}`;
    const cached = cache.get(key);
    if (cached && now() < cached.until) return cached.name;
    let name: string | undefined;
    try {
      name = (await client.conversations.info({ channel: channelId })).channel?.name || undefined;
    } catch {
      name = undefined;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { name, until: now() + (name === undefined ? FAILURE_CACHE_MS : CACHE_MS) });
    return name;
  };
}
