import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandGroupOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { translator, type CommandDefinition, type OptionSpec, type SubcommandSpec } from '../../src/port.js';

/**
 * Discord's surface for our platform-neutral command data: slash-command JSON as `PUT /applications/{id}/commands`
 * expects it. Open choices (a preset list that still allows any value) become plain strings, since Discord
 * refuses values outside `choices`.
 */

const OPTION_TYPES = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
  user: ApplicationCommandOptionType.User,
  channel: ApplicationCommandOptionType.Channel,
  attachment: ApplicationCommandOptionType.Attachment,
} as const;

export const ANIMATE_MENU_NAME = 'Animate';

function optionJson(spec: OptionSpec): APIApplicationCommandBasicOption {
  const base = {
    name: spec.name,
    description: spec.description.slice(0, 100),
    required: spec.required ?? false,
  };
  switch (spec.type) {
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(spec.maxLength ? { max_length: Math.min(spec.maxLength, 6000) } : {}),
        ...(spec.choices && !spec.openChoices
          ? { choices: spec.choices.map((c) => ({ name: c.name, value: String(c.value) })) }
          : {}),
      };
    case 'integer':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(spec.minValue !== undefined ? { min_value: spec.minValue } : {}),
        ...(spec.maxValue !== undefined ? { max_value: spec.maxValue } : {}),
      };
    case 'channel':
      // Places people can run commands in: text, announcement and forum channels (their threads follow them).
      return {
        ...base,
        type: ApplicationCommandOptionType.Channel,
        channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.GuildForum],
      };
    default:
      return { ...base, type: OPTION_TYPES[spec.type] } as APIApplicationCommandBasicOption;
  }
}

/** Required options first: Discord rejects a required option after an optional one. */
function optionsJson(specs: readonly OptionSpec[]): APIApplicationCommandBasicOption[] {
  return [...specs].sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false)).map(optionJson);
}

function subcommandJson(sub: SubcommandSpec): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: sub.name,
    description: sub.description.slice(0, 100),
    options: optionsJson(sub.options),
  };
}

export function commandJson(command: CommandDefinition): RESTPostAPIApplicationCommandsJSONBody {
  // Discord takes subcommands and subcommand groups side by side at the top level.
  const groups: APIApplicationCommandSubcommandGroupOption[] = (command.subcommandGroups ?? []).map(
    (group) => ({
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: group.name,
      description: group.description.slice(0, 100),
      options: group.subcommands.map(subcommandJson),
    }),
  );
  const subcommands = command.subcommands && [...command.subcommands.map(subcommandJson), ...groups];
  return {
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    description: command.description.slice(0, 100),
    options: subcommands ?? optionsJson(command.options ?? []),
    // Usable in servers and in DMs with the bot.
    contexts: [0, 1],
    integration_types: [0],
  };
}

/** Every command the bot registers: slash commands plus the "Animate" message context menu. */
export function allCommandsJson(
  commands: readonly CommandDefinition[],
): RESTPostAPIApplicationCommandsJSONBody[] {
  return [
    ...commands.map((c) => commandJson(c)),
    {
      type: ApplicationCommandType.Message,
      name: ANIMATE_MENU_NAME,
      // Shown to zh-CN clients; the interaction still carries ANIMATE_MENU_NAME as its commandName.
      name_localizations: { 'zh-CN': translator('zh-CN').t('discord.menu.animate') },
      contexts: [0, 1],
      integration_types: [0],
    },
  ];
}

/** The bot's least permissions for its invite URL: see channels, send, attach files, read history for replies. */
export const INVITE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.ReadMessageHistory;
