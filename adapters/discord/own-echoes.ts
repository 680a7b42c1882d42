import { z } from 'zod';

/**
 * Discord sends a bot its own messages back: every deferral, progress edit and upload of a job comes back as a
 * MESSAGE_CREATE or MESSAGE_UPDATE (with the GuildMessages and DirectMessages intents the bot needs for
 * mentions). discord.js builds or patches a Message for each and caches it, and the bot has no use for them:
 * its mention handler ignores bot authors, and its replies are edited by id. In a burst that was work on the
 * thread that acknowledges, and ~10 events a job after. Dropped before discord.js sees them (gateway-guard.ts),
 * so the bot's messages are not in discord.js's message cache either: a user's reply to one (`@bot` extending
 * the bot's video) carries it as `referenced_message`, and without that a fetch reads it over REST, where a
 * bot always sees its own messages' content and attachments.
 */

const ECHOED = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE']);

const authored = z.object({ author: z.object({ id: z.string() }) });

/** Whether gateway event `t` with payload `d` is a message of the bot's own (`botUserId`, once known). */
export function isOwnMessageEcho(t: string, d: unknown, botUserId: string | undefined): boolean {
  if (botUserId === undefined || !ECHOED.has(t)) return false;
  return authored.safeParse(d).data?.author.id === botUserId;
}
