/**
 * The core's own answers (src/core/): the dispatcher's refusals before a command runs. Private: written in
 * the user's language.
 */
export const core = {
  'core.restarting': 'The bot is restarting; please try again in a moment.',
  'core.noLongerAvailable':
    'This command is no longer available; the bot has been updated since it was set up here. Try `/imagine`.',
  // {command}: "/settings"; {words}: what was typed after it; {known}: the subcommands, each in backticks.
  'core.unknownSubcommand':
    '`{command} {words}` is not a command of this bot (any more). {count, plural, =0 {Use `{command}` alone.} other {Use one of {known}.}}',
} as const;
