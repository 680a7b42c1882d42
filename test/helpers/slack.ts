import { startSlackAdapter, type SlackAdapter } from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { capturedLogger } from './core.js';

/** The Slack adapter on real Bolt, pointed at the Slack emulator, with test-speed retries and updates. */
export async function startSlackBot(
  slack: SlackEmulator,
  app: App,
  options: { maxUploadBytes?: number; socketMode?: boolean; logger?: Logger; updateIntervalMs?: number } = {},
): Promise<SlackAdapter> {
  return startSlackAdapter({
    config: {
      botToken: slack.botToken,
      signingSecret: options.socketMode ? undefined : slack.signingSecret,
      appToken: options.socketMode ? slack.appToken : undefined,
      port: 0,
      apiUrl: slack.apiUrl,
      maxUploadBytes: options.maxUploadBytes ?? 1024 * 1024 * 1024,
    },
    app,
    logger: options.logger ?? capturedLogger().logger,
    bolt: {
      tokenVerificationEnabled: false,
      botId: slack.identity.botId,
      botUserId: slack.identity.botUserId,
      clientOptions: {
        slackApiUrl: slack.apiUrl,
        retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
      },
    },
    reply: { updateIntervalMs: options.updateIntervalMs ?? 300, updatesPerSecond: 100 },
  });
}

export const botUrlOf = (adapter: SlackAdapter) => `http://127.0.0.1:${adapter.port}/slack/events`;
