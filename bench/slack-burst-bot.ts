import { devNull } from 'node:os';
import { pino } from 'pino';
import { z } from 'zod';
import { openApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { slackTargetSchema } from '../test/helpers/slack.js';
import { startSlackBot } from '../test/world/slack.js';
import { answerStats } from './child-stats.js';

/**
 * The bot side of bench/slack-burst.ts, in its own process as in production: the Slack adapter in HTTP mode
 * on a memory store, pointed at the emulators the bench runs, with production update pacing. It logs at
 * BENCH_LOG_LEVEL (default info, production's default) to the null device: the cost of writing each line is
 * counted, as in production, without a file growing. Prints "port <n>" once Bolt listens; answers the bench's
 * CPU and memory questions over IPC (child-stats.ts).
 */
const args = z
  .object({ videoBaseUrl: z.string(), videoApiKey: z.string(), slack: slackTargetSchema })
  .parse(JSON.parse(process.argv[2] ?? '{}'));
const logger = createLogger({
  level: process.env.BENCH_LOG_LEVEL ?? 'info',
  stream: pino.destination({ dest: devNull, sync: true }),
});
const config = parseConfig({
  VIDEO_API_BASE_URL: args.videoBaseUrl,
  VIDEO_API_KEY: args.videoApiKey,
  STORE_URL: 'memory://',
  QUOTA_DEFAULT: '100',
  // Caps raised for the run: the figures are about the bot, not the fair queue.
  MAX_CONCURRENT_JOBS: '10000',
  MAX_JOBS_PER_USER: '100',
  QUOTA_MAX: '1000',
});
const app = await openApp(config, logger);
const adapter = await startSlackBot(args.slack, app, { logger, reply: {} });
answerStats();
process.stdout.write(`port ${adapter.port}\n`);
process.once('SIGTERM', () => {
  void adapter
    .stop(1000)
    .then(() => app.close())
    .then(() => process.exit(0));
});
