import type { CommandDefinition, CommandRegistry } from '../src/core/command.js';
import { extendAction } from './extend.js';
import { imagineCommand, imagineCommandOffering } from './imagine.js';
import { againAction, cancelAction, deleteAction, varyAction } from './job-actions.js';
import { jobsCommand } from './jobs.js';
import { quotaCommand } from './quota.js';
import { settingsCommand, settingsCommandOffering } from './settings.js';
import { usageCommand } from './usage.js';

/**
 * Every command the bot has, listed once. The core dispatches from this registry; Discord's command JSON and
 * `npm run register`, Slack's text parsing and adapters/slack/manifest.yml are derived from it.
 */
export const COMMANDS: readonly CommandDefinition[] = [
  imagineCommand,
  quotaCommand,
  settingsCommand,
  jobsCommand,
  usageCommand,
  againAction,
  varyAction,
  cancelAction,
  deleteAction,
  extendAction,
];

/** The commands people type (registered with each platform), as opposed to buttons and forms. */
export const SLASH_COMMANDS = COMMANDS.filter((command) => command.surface === 'slash');

/** The slash commands as registered for a bot offering `models` (their choices are configuration). */
export function slashCommandsOffering(models: readonly string[]): CommandDefinition[] {
  return SLASH_COMMANDS.map((command) =>
    command.name === imagineCommand.name
      ? imagineCommandOffering(models)
      : command.name === settingsCommand.name
        ? settingsCommandOffering(models)
        : command,
  );
}

export const REGISTRY: CommandRegistry = new Map(COMMANDS.map((command) => [command.name, command]));
