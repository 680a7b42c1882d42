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
import {
  registrationTranslations,
  type RegistrationPath,
  type RegistrationText,
} from '../../commands/registration.js';
import {
  translator,
  type CommandDefinition,
  type Language,
  type OptionSpec,
  type SubcommandSpec,
} from '../../src/port.js';

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

/**
 * The Discord locales each shipped language is registered under
 * (https://discord.com/developers/docs/reference#locales); English is the registration's own language.
 * Names stay ASCII in every language: people type `/quota`, and the bot's answers and help name commands
 * and options that way; only descriptions and the names of choices are localized.
 */
const DISCORD_LOCALES: Record<Language, readonly string[]> = { en: [], 'zh-CN': ['zh-CN'] };

/** `{ 'zh-CN': '…' }` for a text's place, or nothing when no language has it (see commands/registration.ts). */
function localizations(
  path: RegistrationPath,
  text: RegistrationText,
  maxChars: number,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [language, translated] of Object.entries(registrationTranslations(path, text))) {
    for (const locale of DISCORD_LOCALES[language as Language]) out[locale] = translated.slice(0, maxChars);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function described(path: RegistrationPath, description: string) {
  const localized = localizations(path, { kind: 'description' }, 100);
  return {
    description: description.slice(0, 100),
    ...(localized ? { description_localizations: localized } : {}),
  };
}

function choiceJson(path: RegistrationPath, choice: { name: string; value: string | number }) {
  const localized = localizations(path, { kind: 'choice', value: String(choice.value) }, 100);
  return {
    name: choice.name,
    value: String(choice.value),
    ...(localized ? { name_localizations: localized } : {}),
  };
}

function optionJson(spec: OptionSpec, parent: RegistrationPath): APIApplicationCommandBasicOption {
  const path = [...parent, spec.name];
  const base = {
    name: spec.name,
    ...described(path, spec.description),
    required: spec.required ?? false,
  };
  switch (spec.type) {
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(spec.maxLength ? { max_length: Math.min(spec.maxLength, 6000) } : {}),
        ...(spec.choices && !spec.openChoices
          ? { choices: spec.choices.map((c) => choiceJson(path, c)) }
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
function optionsJson(
  specs: readonly OptionSpec[],
  parent: RegistrationPath,
): APIApplicationCommandBasicOption[] {
  return [...specs]
    .sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false))
    .map((spec) => optionJson(spec, parent));
}

function subcommandJson(
  sub: SubcommandSpec,
  parent: RegistrationPath,
): APIApplicationCommandSubcommandOption {
  const path = [...parent, sub.name];
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: sub.name,
    ...described(path, sub.description),
    options: optionsJson(sub.options, path),
  };
}

export function commandJson(command: CommandDefinition): RESTPostAPIApplicationCommandsJSONBody {
  // Discord takes subcommands and subcommand groups side by side at the top level.
  const groups: APIApplicationCommandSubcommandGroupOption[] = (command.subcommandGroups ?? []).map(
    (group) => ({
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: group.name,
      ...described([command.name, group.name], group.description),
      options: group.subcommands.map((sub) => subcommandJson(sub, [command.name, group.name])),
    }),
  );
  const subcommands = command.subcommands && [
    ...command.subcommands.map((sub) => subcommandJson(sub, [command.name])),
    ...groups,
  ];
  return {
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    ...described([command.name], command.description),
    options: subcommands ?? optionsJson(command.options ?? [], [command.name]),
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
