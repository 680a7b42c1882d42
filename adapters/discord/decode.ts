import {
  ApplicationCommandOptionType,
  PermissionFlagsBits,
  type Attachment,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import type { Invocation, OptionValue } from '../../src/port.js';

/** discord.js interactions → the platform-neutral Invocation. The only place that reads interaction options. */

export function spaceIdOf(interaction: Pick<Interaction, 'guildId' | 'user'>): string {
  return interaction.guildId ?? `dm:${interaction.user.id}`;
}

/** The channel a thread belongs to, so a channel allowed by /settings allows its threads too. */
export function parentChannelIdOf(interaction: Pick<Interaction, 'channel'>): string | undefined {
  const channel = interaction.channel;
  return channel?.isThread() ? (channel.parentId ?? undefined) : undefined;
}

export function isSpaceAdmin(interaction: Pick<Interaction, 'memberPermissions'>): boolean {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

export function imageFromAttachment(attachment: Pick<Attachment, 'url' | 'name' | 'contentType' | 'size'>) {
  return {
    url: attachment.url,
    name: attachment.name,
    contentType: attachment.contentType ?? undefined,
    size: attachment.size,
    ref: attachment.url,
  };
}

export function decodeChatInput(interaction: ChatInputCommandInteraction): Invocation {
  const options: Record<string, OptionValue | undefined> = {};
  const images: Invocation['images'] = [];
  const subcommandGroup = interaction.options.getSubcommandGroup(false) ?? undefined;
  const subcommand = interaction.options.getSubcommand(false) ?? undefined;
  // Options sit one level under a subcommand, two under a subcommand group.
  const top = interaction.options.data[0];
  const data = subcommandGroup
    ? (top?.options?.[0]?.options ?? [])
    : subcommand
      ? (top?.options ?? [])
      : interaction.options.data;
  for (const option of data) {
    if (option.attachment) {
      images.push(imageFromAttachment(option.attachment));
    } else if (option.user) {
      options[option.name] = {
        id: option.user.id,
        // A resolved member means the user is in this guild; in DMs there is no guild to be in.
        inSpace: interaction.guildId
          ? option.member !== null && option.member !== undefined
          : option.user.id === interaction.user.id,
        displayName: option.user.displayName,
      };
    } else if (option.type === ApplicationCommandOptionType.Channel && option.value !== undefined) {
      const name = option.channel && 'name' in option.channel ? option.channel.name : undefined;
      options[option.name] = { kind: 'channel', id: String(option.value), name: name ?? undefined };
    } else if (option.value !== undefined) {
      options[option.name] = option.value;
    }
  }
  return {
    platform: 'discord',
    spaceId: spaceIdOf(interaction),
    channelId: interaction.channelId,
    parentChannelId: parentChannelIdOf(interaction),
    userId: interaction.user.id,
    locale: interaction.locale,
    spaceLocale: interaction.guildLocale ?? undefined,
    isSpaceAdmin: isSpaceAdmin(interaction),
    command: interaction.commandName,
    subcommandGroup,
    subcommand,
    options,
    images,
  };
}
