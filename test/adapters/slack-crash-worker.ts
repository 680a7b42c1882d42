import { z } from 'zod';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { FAST_POLL } from '../helpers/core.js';
import { slackTargetSchema } from '../helpers/slack.js';
import { fastUpdates, startSlackBot } from '../world/slack.js';

/**
 * Child process for the Slack restart test: the Slack adapter on a shared SQLite store, killed with SIGKILL by
 * the test while a job runs. Prints "port <n>" once Bolt listens.
 */
const args = z
  .object({
    videoBaseUrl: z.string(),
    videoApiKey: z.string(),
    storeUrl: z.string(),
    slack: slackTargetSchema,
  })
  .parse(JSON.parse(process.argv[2] ?? '{}'));
const config = parseConfig({
  VIDEO_API_BASE_URL: args.videoBaseUrl,
  VIDEO_API_KEY: args.videoApiKey,
  STORE_URL: args.storeUrl,
  QUOTA_DEFAULT: '50',
});
const logger = createLogger({ level: 'silent' });
const app = await openApp(config, logger, { generation: { runner: { pollPolicy: FAST_POLL } } });
const adapter = await startSlackBot(args.slack, app, { logger, reply: fastUpdates(200) });
process.stdout.write(`port ${adapter.port}\n`);
