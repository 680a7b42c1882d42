import type { App } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import type { AdapterCore, GenerationReply, Invocation, Reply } from '../../src/port.js';
import type { PrivateAnswers } from './private-answer.js';
import type { SlackMessageRef, SlackReplyOptions } from './reply.js';
import type { SlackNames } from './text.js';
import type { UserLookup } from './users.js';

/** Slack retries an event up to three times within minutes; remember handled deliveries well past that. */
export const EVENT_DEDUPE_TTL_MS = 2 * 60 * 60_000;

/** What the Slack event handlers share: the Bolt app, the core once started, and the reply factories. */
export interface SlackContext {
  bolt: App;
  log: Logger;
  core(): AdapterCore;
  lookupUser: UserLookup;
  /** The user and channel names `<@U…>` and `<#C…>` in a team's text decode to (text.ts). */
  names(teamId: string): SlackNames;
  /** The reply for a job (or a slash command's answers) whose messages go where `ref` says. */
  replyAt(ref: SlackMessageRef, options?: SlackReplyOptions): GenerationReply;
  /** Notes only one user sees, by whatever still reaches them (never throws). */
  answers: PrivateAnswers;
  /** Resolves once the requests waiting for their acknowledgement have it (ack-first.ts). */
  afterAcks(): Promise<void>;
}

/** A delivery Slack may repeat (retries, another instance behind the load balancer). */
export function slackDelivery(id: string): Invocation['delivery'] {
  return { id, ttlMs: EVENT_DEDUPE_TTL_MS, acrossRestarts: true };
}

/** Hands an invocation to the core without holding Bolt's listener for a whole job. */
export function dispatch(
  context: SlackContext,
  invocation: Invocation,
  reply: Reply | GenerationReply,
): void {
  void context.core().handle(invocation, reply);
}
