import type { Client } from 'discord.js';
import type { Logger } from '../../src/log.js';
import type { AdapterCore, GenerationReply, Invocation, Reply } from '../../src/port.js';
import type { DiscordReplyDeps } from './reply.js';

/** An interaction can be answered for 15 minutes; a duplicate after that could not be answered anyway. */
export const DEDUPE_TTL_MS = 15 * 60_000;

/** What the Discord event handlers share. */
export interface DiscordContext {
  client: Client;
  log: Logger;
  core(): AdapterCore;
  replyDeps(): DiscordReplyDeps;
  messageContent: boolean;
}

/**
 * An event Discord may hand to two processes (a duplicated deployment, a gateway replay). It cannot come back
 * once this process is gone, so the embedded stores keep its mark in memory only.
 */
export function discordDelivery(id: string, kind: 'interaction' | 'message'): Invocation['delivery'] {
  return {
    id: `${kind}:${id}`,
    ttlMs: DEDUPE_TTL_MS,
    acrossRestarts: false,
    afterAcknowledge: kind === 'interaction',
  };
}

export function mentionPattern(botId: string): RegExp {
  return new RegExp(`<@!?${botId}>`, 'g');
}

/** Runs an invocation through the core; the handler waits only for what its acknowledgement needs. */
export function dispatch(context: DiscordContext, invocation: Invocation, reply: Reply | GenerationReply) {
  return context.core().handle(invocation, reply);
}
