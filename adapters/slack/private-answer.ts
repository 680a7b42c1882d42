import type { App, RespondArguments } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import { translator, type Language } from '../../src/port.js';

/**
 * Answers only one person sees, by the path that reaches them wherever they typed. chat.postEphemeral needs
 * the bot in the conversation, so it fails in DMs between people and in private channels the bot was not
 * invited to; a slash command's ack body and its response_url (and an interaction's) work in all of them.
 * So: the ack body while Slack still waits for it, else the response_url (30 minutes, 5 messages), else
 * chat.postEphemeral where no response_url exists (a mention: the bot is in that channel), and the person's
 * DM with the bot when all of those are gone.
 */

/** Slack: a response_url takes "up to 5" messages "within 30 minutes" (api.slack.com/interactivity/handling). */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_MAX_USES = 5;
/** Ends a little early: a message on its way when the half hour ends is lost. */
const RESPONSE_URL_MARGIN_MS = 30_000;
const RESPONSE_URL_TIMEOUT_MS = 10_000;

export interface ResponseUrl {
  url: string;
  /** When Slack issued it (the request's arrival), epoch ms. */
  issuedAt: number;
}

/** Where a private answer goes: the person, the conversation they were in, and the ways back to them. */
export interface PrivateTarget {
  channel: string;
  userId: string;
  threadTs?: string;
  responseUrl?: ResponseUrl;
  /** The slash command's pending acknowledgement, when this is its first answer. */
  ack?: CommandAck;
  /** The language of this person's answers, for the words the route adds (a DM's "In #channel:"). */
  language?: Language;
}

export type PrivateRoute = 'ack' | 'response_url' | 'ephemeral' | 'dm' | 'lost';

export interface PrivateAnswers {
  /** Tells `target.userId` `text` (Slack mrkdwn, escaped by the caller); resolves with the route taken. */
  tell(target: PrivateTarget, text: string): Promise<PrivateRoute>;
  /** A message in the person's DM with the bot (conversations.open, then chat.postMessage). */
  dm(userId: string, text: string): Promise<void>;
}

/**
 * A slash command's acknowledgement, held back briefly so the answer can ride in it (Slack shows an ack
 * body as the command's reply, anywhere). Acknowledged empty at `deadlineMs` at the latest: Slack gives 3 s.
 */
export interface CommandAck {
  /** Answers in the ack body; false when the command was acknowledged already. */
  answer(text: string): Promise<boolean>;
  /** Acknowledges with nothing, if not done yet. */
  settle(): Promise<void>;
}

export const COMMAND_ACK_DEADLINE_MS = 2000;

export function commandAck(
  ack: (response?: string | RespondArguments) => Promise<void>,
  log: Logger,
  deadlineMs = COMMAND_ACK_DEADLINE_MS,
): CommandAck {
  let sent = false;
  const send = async (response?: RespondArguments): Promise<boolean> => {
    if (sent) return false;
    sent = true;
    clearTimeout(timer);
    try {
      await ack(response);
      return true;
    } catch (error) {
      // The receiver gave up on the request (its own timeout): the answer must go another way.
      log.warn({ err: error }, 'could not acknowledge a slash command');
      return false;
    }
  };
  const timer = setTimeout(() => void send(), deadlineMs);
  timer.unref();
  return {
    answer: (text) => send({ response_type: 'ephemeral', text }),
    settle: async () => {
      await send();
    },
  };
}

const platformErrorSchema = z.object({ data: z.object({ error: z.string() }) });

/** Slack's error code of a failed Web API call (`not_in_channel`, `channel_not_found`, ...). */
export function slackErrorCode(error: unknown): string | undefined {
  return platformErrorSchema.safeParse(error).data?.data.error;
}

const dmOpenedSchema = z.object({ channel: z.object({ id: z.string() }) });

export function createPrivateAnswers(deps: {
  client: App['client'];
  logger: Logger;
  now?: () => number;
  fetch?: typeof fetch;
}): PrivateAnswers {
  const { client, logger: log } = deps;
  const now = deps.now ?? Date.now;
  const post = deps.fetch ?? fetch;
  /** Messages sent per response_url by this process (a restart forgets them: Slack's 404 then says it). */
  const uses = new Map<string, { count: number; issuedAt: number }>();

  function usable(responseUrl: ResponseUrl | undefined): responseUrl is ResponseUrl {
    if (!responseUrl) return false;
    if (now() - responseUrl.issuedAt > RESPONSE_URL_TTL_MS - RESPONSE_URL_MARGIN_MS) return false;
    return (uses.get(responseUrl.url)?.count ?? 0) < RESPONSE_URL_MAX_USES;
  }

  async function viaResponseUrl(responseUrl: ResponseUrl, text: string): Promise<boolean> {
    for (const [url, use] of uses) if (now() - use.issuedAt > RESPONSE_URL_TTL_MS) uses.delete(url);
    const use = uses.get(responseUrl.url) ?? { count: 0, issuedAt: responseUrl.issuedAt };
    use.count += 1;
    uses.set(responseUrl.url, use);
    try {
      // replace_original false: on a button, the answer is a new note, never the job's message rewritten.
      const res = await post(responseUrl.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
        signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      // The URL is a credential to post to this person: its status goes to the log, never the URL.
      log.info({ status: res.status }, 'response_url refused the answer; trying another way');
      if (res.status === 404 || res.status === 410) use.count = RESPONSE_URL_MAX_USES;
    } catch (error) {
      log.info({ err: error instanceof Error ? error.name : 'error' }, 'response_url unreachable');
    }
    return false;
  }

  async function dm(userId: string, text: string): Promise<void> {
    const opened = dmOpenedSchema.parse(await client.conversations.open({ users: userId }));
    await client.chat.postMessage({ channel: opened.channel.id, text, unfurl_links: false });
  }

  /** Where the person asked, for a DM that arrives away from it; a DM between people has no useful name. */
  function inChannel(target: PrivateTarget, text: string): string {
    const { channel } = target;
    if (!/^[CG][A-Z0-9]+$/.test(channel)) return text;
    return translator(target.language).t('slack.privateAnswer.inChannel', { channel: `<#${channel}>`, text });
  }

  return {
    dm,
    async tell(target, text) {
      if (target.ack && (await target.ack.answer(text))) return 'ack';
      if (usable(target.responseUrl) && (await viaResponseUrl(target.responseUrl, text))) {
        return 'response_url';
      }
      if (!target.responseUrl) {
        try {
          await client.chat.postEphemeral({
            channel: target.channel,
            user: target.userId,
            text,
            thread_ts: target.threadTs,
          });
          return 'ephemeral';
        } catch (error) {
          log.info(
            { userId: target.userId, code: slackErrorCode(error) },
            'ephemeral note failed; sending a DM',
          );
        }
      }
      try {
        await dm(target.userId, inChannel(target, text));
        return 'dm';
      } catch (error) {
        log.warn({ userId: target.userId, err: error }, 'could not reach the user privately');
        return 'lost';
      }
    },
  };
}
