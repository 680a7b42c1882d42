import { z } from 'zod';
import { DEFAULT_ANIMATE_PROMPT, promptFromMention } from '../../commands/animate.js';
import { imagineOptions } from '../../commands/imagine.js';
import { BotError, pickLanguage, toBotError, translator, type Invocation } from '../../src/port.js';
import { parseFlags } from './arguments.js';
import { dispatch, slackDelivery, type SlackContext } from './context.js';
import {
  appMentionSchema,
  botMentionPattern,
  conversationMessagesSchema,
  imagesOf,
  videoOf,
  type SlackFile,
} from './decode.js';
import { decodeSlackText } from './text.js';

/**
 * "@Grok Video the waves roll in" with images, or in the thread under a message with images: an /imagine of
 * those images. The job's messages go into that thread.
 */

const eventEnvelopeSchema = z.object({ event_id: z.string() });

/** The prompt an extension takes from a mention's parsed options. */
function optionPrompt(options: Invocation['options']): string {
  const prompt = options.prompt;
  return typeof prompt === 'string' && prompt.trim() !== '' ? prompt : DEFAULT_ANIMATE_PROMPT;
}

export function registerMentions(context: SlackContext): void {
  const { bolt, log } = context;

  /** The files a mention points at: its own images or video, else the thread parent's files. */
  async function mentionFiles(channel: string, own: SlackFile[], threadTs?: string): Promise<SlackFile[]> {
    if (imagesOf(own).length > 0 || videoOf(own) !== undefined || threadTs === undefined) return own;
    try {
      const res = await bolt.client.conversations.replies({ channel, ts: threadTs, limit: 1 });
      const parent = conversationMessagesSchema.parse(res).messages.find((m) => m.ts === threadTs);
      return parent?.files ?? [];
    } catch (error) {
      log.debug({ err: error }, 'conversations.replies failed; trying conversations.history');
    }
    const res = await bolt.client.conversations.history({
      channel,
      latest: threadTs,
      inclusive: true,
      limit: 1,
    });
    const parent = conversationMessagesSchema.parse(res).messages.find((m) => m.ts === threadTs);
    return parent?.files ?? [];
  }

  bolt.event('app_mention', async ({ body, context: bolt }) => {
    const envelope = eventEnvelopeSchema.safeParse(body);
    const parsed = appMentionSchema.safeParse((body as { event?: unknown }).event);
    if (!envelope.success || !parsed.success) {
      log.warn({ issues: parsed.error?.issues.length }, 'ignoring an app_mention that does not parse');
      return;
    }
    const event = parsed.data;
    // Our own posts (and other bots') never start a job.
    if (event.bot_id !== undefined || event.subtype !== undefined || event.user === undefined) return;
    if (bolt.botUserId !== undefined && event.user === bolt.botUserId) return;
    const threadTs = event.thread_ts ?? event.ts;
    const teamId = event.team ?? (body as { team_id?: string }).team_id ?? '';
    const mention = bolt.botUserId ? botMentionPattern(bolt.botUserId) : /^\s*<@[A-Z0-9]+(?:\|[^>]*)?>/g;
    let text = promptFromMention(event.text, mention);
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: teamId,
      channelId: event.channel,
      userId: event.user,
      isSpaceAdmin: false,
      command: 'imagine',
      options: {},
      images: [],
      delivery: slackDelivery(`event:${envelope.data.event_id}`),
    };
    try {
      // Where the bot is not enabled the core refuses it anyway: no lookup, and the thread is not read.
      const enabled = context.core().allows(invocation);
      if (enabled) invocation.locale = (await context.lookupUser(event.user, teamId)).locale;
      text = await decodeSlackText(text, context.names(teamId));
      if (text === DEFAULT_ANIMATE_PROMPT) invocation.options = { prompt: text };
      else {
        const flags = parseFlags(text, imagineOptions, translator(pickLanguage([invocation.locale])));
        invocation.options = flags.help ? { prompt: DEFAULT_ANIMATE_PROMPT } : flags.options;
      }
      if (enabled) {
        const files = await mentionFiles(event.channel, event.files ?? [], event.thread_ts);
        invocation.images = imagesOf(files);
        // In a video's thread (and no image): continue that video; with an image, animate the image as before.
        const video = invocation.images.length === 0 ? videoOf(files) : undefined;
        if (video) {
          invocation.command = 'extend';
          invocation.video = video;
          const { seconds } = invocation.options;
          invocation.options = {
            prompt: optionPrompt(invocation.options),
            ...(seconds === undefined ? {} : { seconds }),
          };
          log.info({ userId: event.user }, 'continuing a video from a mention');
        }
      }
      if (invocation.images.length === 0 && !invocation.video) {
        invocation.refusal = new BotError('invalid_input', 'mention without images', {
          // The user's language when Slack gave it (the workspace's setting is the core's to read).
          userMessage: translator(pickLanguage([invocation.locale])).t('slack.mention.noImages'),
        });
      } else
        log.info({ userId: event.user, images: invocation.images.length }, 'animating images from a mention');
    } catch (error) {
      invocation.refusal = toBotError(error);
    }
    const ref = { kind: 'slack' as const, teamId, channel: event.channel, userId: event.user, threadTs };
    dispatch(context, invocation, context.replyAt(ref, { locale: invocation.locale }));
  });
}
