import { ConfigError, loadConfig } from '../src/config.js';
import { BotError, toBotError } from '../src/errors.js';
import { createLogger, scrubString } from '../src/log.js';
import { GENERATE_HELP, generateCommand } from './cli/generate.js';
import { STORE_HELP, jobsCommand, quotaCliCommand, usageCliCommand } from './cli/store-commands.js';

/**
 * Operator command line. Exit codes: 0 success, 2 invalid input (ours or the API's 400), 1 anything else.
 */

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  generate "<prompt>"   generate a video and write the MP4 (see: generate --help)
${STORE_HELP}

${GENERATE_HELP.split('\n').slice(2).join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  const logger = createLogger({
    level: config.log.level === 'info' ? 'warn' : config.log.level,
    pretty: config.log.pretty,
    fd: 2,
    secrets: [config.videoApi.apiKey],
  });
  try {
    switch (command) {
      case 'generate':
        return await generateCommand(rest, config, logger);
      case 'jobs':
        return await jobsCommand(rest, config, logger);
      case 'quota':
        return await quotaCliCommand(rest, config, logger);
      case 'usage':
        return await usageCliCommand(rest, config, logger);
      default:
        console.error(`Unknown command “${command}”. Run \`npm run cli -- --help\`.`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`${error.message}. Run \`npm run cli -- ${command} --help\`.`);
      return 2;
    }
    const botError = toBotError(error);
    logger.debug({ err: botError, detail: botError.detail }, 'command failed');
    console.error(botError.userMessage);
    if (botError.kind === 'misconfigured' || botError.kind === 'internal') {
      console.error(`(detail: ${scrubString(botError.message, [config.videoApi.apiKey ?? ''])})`);
    }
    return botError instanceof BotError &&
      (botError.kind === 'invalid_input' || botError.kind === 'upstream_invalid')
      ? 2
      : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
