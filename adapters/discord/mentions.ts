import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type Message } from 'discord.js';
import { promptFromMention } from '../../commands/animate.js';
import { BotError, pickLanguage, translator, type GenerationReply, type Invocation } from '../../src/port.js';
import { discordDelivery, dispatch, mentionPattern, type DiscordContext } from './context.js';
import { jobToCome } from './job-to-come.js';
import { imagesOfMessages, videoOfMessages } from './message-images.js';
import { startingContent } from './render.js';
import { DEFAULT_ATTACHMENT_LIMIT, createDiscordReply } from './reply.js';

/**
 * "@bot make the waves move" in reply to (or together with) images: an /imagine of those images, shown in a
 * reply of the bot's own that becomes the job's message.
 */

/**
 * The message a mention replies to: in discord.js's cache when the event carried it, else fetched. Discord
 * sends `referenced_message: null` for a reply to a deleted message, and the fetch then answers 10008
 * Unknown Message: `deleted`, which the user is told, rather than how to use the bot.
 */
async function repliedTo(
  message: Message,
  context: DiscordContext,
): Promise<{ message?: Message; deleted: boolean }> {
  if (!message.reference?.messageId) return { deleted: false };
  try {
    return { message: await message.fetchReference(), deleted: false };
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage) {
      return { deleted: true };
    }
    context.log.info(
      { err: error, messageId: message.id },
      'could not read the message a mention replies to',
    );
    return { deleted: false };
  }
}

/** A reply to the mention: a refusal is a plain reply; a job's placeholder is posted once it is accepted. */
function mentionReply(message: Message, context: DiscordContext): GenerationReply {
  let job: GenerationReply | undefined;
  const answer = (content: string) =>
    message.reply({ content, allowedMentions: { parse: [], repliedUser: false } });
  return {
    get ref() {
      return job?.ref;
    },
    async acknowledge(_visibility, language) {
      // The placeholder is this job's message: progress, the video and any refusal appear in it.
      const placeholder = await answer(startingContent(translator(language)));
      job = createDiscordReply(
        {
          kind: 'message',
          channelId: message.channelId,
          messageId: placeholder.id,
          userId: message.author.id,
          attachmentSizeLimit: DEFAULT_ATTACHMENT_LIMIT,
        },
        context.replyDeps(),
        language,
      );
    },
    async text(content, options) {
      if (job) await job.text(content, options);
      else await answer(content);
    },
    async fail(error, record) {
      if (job) await job.fail(error, record);
      // A reply in a server is seen by everyone there, and a server the bot is not enabled in gets no public
      // message; a DM is seen by the user alone.
      else if (error.kind === 'not_enabled' && message.guildId) return;
      else await answer(error.userMessage);
    },
    ...jobToCome(() => job, context.replyDeps),
  };
}

export function createMentionHandler(context: DiscordContext) {
  return async function onMessage(message: Message): Promise<void> {
    const me = context.client.user;
    if (!me || message.author.bot || message.webhookId) return;
    // An explicit mention only: a reply to the bot's own message "mentions" it too, but asks nothing.
    if (!mentionPattern(me.id).test(message.content)) return;
    const spaceId = message.guildId ?? `dm:${message.author.id}`;
    // Where the bot is not enabled the core refuses it anyway: no request to Discord for the replied-to message.
    const { message: referenced, deleted } = context.core().allows({ platform: 'discord', spaceId })
      ? await repliedTo(message, context)
      : { message: undefined, deleted: false };
    const images = imagesOfMessages([message, referenced]);
    // A reply to a video (no image) continues it; a reply to an image animates the image, as before.
    const video = images.length === 0 ? videoOfMessages([message, referenced]) : undefined;
    const invocation: Invocation = {
      platform: 'discord',
      spaceId,
      channelId: message.channelId,
      parentChannelId: message.channel.isThread() ? (message.channel.parentId ?? undefined) : undefined,
      userId: message.author.id,
      userName: message.author.username,
      // A message carries no user locale; the server's preferred one stands for the space.
      spaceLocale: message.guild?.preferredLocale,
      isSpaceAdmin: message.member?.permissions.has(PermissionFlagsBits.ManageGuild) ?? false,
      command: video ? 'extend' : 'imagine',
      options: { prompt: promptFromMention(message.content, mentionPattern(me.id)) },
      images,
      ...(video ? { video } : {}),
      delivery: discordDelivery(message.id, 'message'),
    };
    if (images.length === 0 && !video) {
      // A reply in the channel, so in the server's language as Discord knows it (the core has not read the
      // server's /settings language yet at this point).
      const tr = translator(pickLanguage([message.guild?.preferredLocale]));
      const help = deleted
        ? tr.t('discord.mention.repliedToDeleted')
        : referenced && !context.messageContent
          ? tr.t('discord.mention.noContentIntent')
          : tr.t('discord.mention.noImages');
      invocation.refusal = new BotError('invalid_input', 'mention without images', { userMessage: help });
    }
    await dispatch(context, invocation, mentionReply(message, context));
  };
}
