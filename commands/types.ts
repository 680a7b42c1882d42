/**
 * A command is data (its options, for each adapter to render as its own surface) plus a handler. Adding an
 * option is one edit in the command's file: Discord's command JSON, Slack's text parsing and manifest are
 * derived from the data. The types live in the core (src/core/command.ts), which runs the handlers.
 */
export type {
  CommandContext,
  CommandDefinition,
  OptionSpec,
  OptionType,
  SubcommandGroupSpec,
  SubcommandSpec,
} from '../src/core/command.js';
