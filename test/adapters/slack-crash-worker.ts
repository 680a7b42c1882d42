import { z } from 'zod';
import { startSlackAdapter } from '../../adapters/slack/index.js';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { FAST_POLL } from '../helpers/core.js';

/**
 * Child process for the Slack restart test: the Slack adapter on a shared SQLite store, killed with SIGKILL by
 * the test while a job runs. Prints "port <n>" once Bolt listens.
 */
const args = z
  .object({
    videoBaseUrl: z.string(),
    videoApiKey: z.string(),
    storeUrl: z.string(),
    slackApiUrl: z.string(),
    botToken: z.string(),
    signingSecret: z.string(),
    botId: z.string(),
    botUserId: z.string(),
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
const adapter = await startSlackAdapter({
  config: {
    botToken: args.botToken,
    signingSecret: args.signingSecret,
    appToken: undefined,
    port: 0,
    apiUrl: args.slackApiUrl,
    maxUploadBytes: 1024 * 1024 * 1024,
  },
  app,
  logger,
  bolt: {
    tokenVerificationEnabled: false,
    botId: args.botId,
    botUserId: args.botUserId,
    clientOptions: {
      slackApiUrl: args.slackApiUrl,
      retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
    },
  },
  reply: { updateIntervalMs: 200, updatesPerSecond: 100 },
});
process.stdout.write(`port ${adapter.port}\n`);
