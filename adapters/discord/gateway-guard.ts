import type { Client } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import { isOwnMessageEcho } from './own-echoes.js';

/**
 * Drops gateway events discord.js would throw on. discord.js builds an interaction or a message from the raw
 * packet in a constructor that trusts its shape (`data.options.map`, `entitlements.reduce`,
 * `data.member.user`, ...); a throw there escapes into the WebSocket's message handler as an unhandled
 * rejection, which ends the process and with it the bot for every server. So each packet the bot acts on is
 * checked against the few fields those constructors dereference, before discord.js sees it.
 *
 * The schemas are plain (stripping) objects: discord.js gets the packet as it came, the parse's output is thrown
 * away, and a loose object would copy every field of every packet into it (an interaction has ~20, its member
 * and channel as many), garbage that a burst of 500 commands paid for in collections on the thread that acks.
 */

const id = z.string().min(1);
const user = z.object({ id });

const commandOption = z.object({
  name: z.string(),
  type: z.number(),
  get options() {
    return z.array(commandOption).optional();
  },
});

const INTERACTION_TYPE_COMPONENT = 3;

const message = z.object({ id, channel_id: id, author: user });

/** What discord.js's BaseInteraction and its subclasses read without checking. */
const interactionCreate = z
  .object({
    id,
    application_id: id,
    token: z.string().min(1),
    type: z.number(),
    data: z.object({
      options: z.array(commandOption).optional(),
      components: z.array(z.object({})).optional(),
      resolved: z.object({}).optional(),
    }),
    channel: z.object({ id }).optional(),
    member: z.object({ user }).optional(),
    user: user.optional(),
    entitlements: z.array(z.object({ id })),
    authorizing_integration_owners: z.record(z.string(), z.unknown()),
    message: message.optional(),
  })
  .refine((d) => d.member !== undefined || d.user !== undefined, {
    message: 'neither member nor user',
    path: ['member'],
  })
  .refine((d) => d.type !== INTERACTION_TYPE_COMPONENT || d.message !== undefined, {
    message: 'a component interaction without its message',
    path: ['message'],
  });

/** Only the events the bot acts on; everything else passes untouched. */
const dispatchSchemas: Partial<Record<string, z.ZodType>> = {
  INTERACTION_CREATE: interactionCreate,
  MESSAGE_CREATE: message,
};

const packetSchema = z.object({ t: z.string(), d: z.unknown() });

export interface DroppedEventIssue {
  path: string;
  message: string;
}

/** The issues that make `d` unfit for discord.js, or undefined when it is fine (or not an event we check). */
export function malformedDispatch(t: string, d: unknown): DroppedEventIssue[] | undefined {
  const schema = dispatchSchemas[t];
  if (schema === undefined) return undefined;
  const result = schema.safeParse(d);
  if (result.success) return undefined;
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/**
 * Wraps the client's `ws.handlePacket`, the one method every gateway dispatch goes through before discord.js
 * builds objects from it (the 'raw' event fires first too, but cannot stop the packet). It is private in
 * discord.js's typings yet a plain instance method, so wrapping it on this client alone leaves discord.js
 * unmodified and other clients in the process untouched. The bot's own messages echoed back are dropped here
 * too (own-echoes.ts). A dropped packet never enters discord.js's before-ready queue, so that queue drains as
 * before. Throws at start when discord.js no longer has it, rather than run unguarded.
 */
export function guardGatewayDispatch(client: Client, log: Logger): void {
  const ws: object = client.ws;
  const handlePacket: unknown = Reflect.get(ws, 'handlePacket');
  if (typeof handlePacket !== 'function') {
    throw new Error('discord.js has no WebSocketManager.handlePacket to guard; update gateway-guard.ts');
  }
  Reflect.set(ws, 'handlePacket', (packet?: unknown, shard?: unknown): unknown => {
    const parsed = packetSchema.safeParse(packet);
    if (parsed.success) {
      if (isOwnMessageEcho(parsed.data.t, parsed.data.d, client.user?.id)) return true;
      const issues = malformedDispatch(parsed.data.t, parsed.data.d);
      if (issues !== undefined) {
        log.warn({ eventType: parsed.data.t, issues }, 'dropped a malformed gateway event');
        return true;
      }
    }
    try {
      return Reflect.apply(handlePacket, ws, [packet, shard]);
    } catch (error) {
      // A shape the checks above do not know: losing this one event beats losing the process.
      log.error(
        { err: error, eventType: parsed.success ? parsed.data.t : undefined },
        'discord.js failed on a gateway event; dropped it',
      );
      return true;
    }
  });
}
