import type { Message } from 'discord.js';
import { IMAGE_OPTION_NAMES } from '../../commands/imagine.js';
import { text, type Invocation } from '../../src/port.js';
import { imageFromAttachment } from './decode.js';

/**
 * The images a message carries, as Invocation images: attachments that are images, then embed images
 * (through Discord's media proxy, which the attachment fetcher allows). At most as many as /imagine takes.
 */

type MessageLike = Pick<Message, 'attachments' | 'embeds'>;

const IMAGE_NAME = /\.(png|jpe?g|webp|gif)$/i;

export function imagesOfMessages(messages: ReadonlyArray<MessageLike | undefined>): Invocation['images'] {
  const images: Invocation['images'] = [];
  for (const message of messages) {
    if (!message) continue;
    for (const attachment of message.attachments.values()) {
      const isImage = attachment.contentType?.startsWith('image/') ?? IMAGE_NAME.test(attachment.name);
      if (isImage) images.push(imageFromAttachment(attachment));
    }
    for (const embed of message.embeds) {
      const media = embed.image ?? embed.thumbnail;
      const url = media?.proxyURL ?? media?.url;
      if (!url) continue;
      images.push({
        url,
        name: embed.title ?? 'embed',
        ...(embed.title ? {} : { label: text('discord.image.embedded') }),
        ref: url,
      });
    }
  }
  return images.slice(0, IMAGE_OPTION_NAMES.length);
}

const VIDEO_NAME = /\.(mp4|m4v|mov)$/i;

/**
 * The first video attachment of the messages (an MP4 or QuickTime file, by its declared type or its name), as
 * the video an `extend` invocation continues. Whether it really is one is checked when it is read.
 */
export function videoOfMessages(messages: ReadonlyArray<MessageLike | undefined>): Invocation['video'] {
  for (const message of messages) {
    if (!message) continue;
    for (const attachment of message.attachments.values()) {
      const isVideo = attachment.contentType?.startsWith('video/') || VIDEO_NAME.test(attachment.name);
      if (isVideo) return imageFromAttachment(attachment);
    }
  }
  return undefined;
}
