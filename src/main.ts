import { ConfigError, loadConfig, requireVideoApiKey } from './config.js';

/**
 * `npm start`: the bot. It starts the chat adapters whose tokens are configured.
 * The Discord and Slack adapters are tracked in their own issues; until one lands this entry point checks
 * the configuration and says what is missing, so an operator is never left with a silent process.
 */
function main(): number {
  try {
    const config = loadConfig();
    const missing: string[] = [];
    try {
      requireVideoApiKey(config);
    } catch (error) {
      if (error instanceof ConfigError) missing.push(...error.problems);
    }
    missing.push(
      'No chat platform is available yet: the Discord (DISCORD_TOKEN) and Slack (SLACK_BOT_TOKEN) adapters are not built in this version. Use `npm run cli -- generate "<prompt>"` meanwhile.',
    );
    console.error(`Cannot start the bot:\n  - ${missing.join('\n  - ')}`);
    return 1;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main();
