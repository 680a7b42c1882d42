import { z } from 'zod';
import {
  createSlackAdapter,
  type SlackAdapter,
  type SlackAdapterOptions,
} from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { startWithBot, type Started } from './bot.js';
import { capturedLogger } from './core.js';

/** What a bot needs to know of a Slack (emulator) to talk to it: also passed to child processes as JSON. */
export const slackTargetSchema = z.object({
  apiUrl: z.string(),
  botToken: z.string(),
  signingSecret: z.string(),
  appToken: z.string(),
  botId: z.string(),
  botUserId: z.string(),
});
export type SlackTarget = z.infer<typeof slackTargetSchema>;

export const slackTargetOf = (slack: SlackEmulator): SlackTarget => ({
  apiUrl: slack.apiUrl,
  botToken: slack.botToken,
  signingSecret: slack.signingSecret,
  appToken: slack.appToken,
  botId: slack.identity.botId,
  botUserId: slack.identity.botUserId,
});

export interface SlackBotOptions {
  maxUploadBytes?: number;
  socketMode?: boolean;
  logger?: Logger;
  /** Test speed by default (updates every 300 ms, no workspace budget); `{}` for production pacing. */
  reply?: SlackAdapterOptions['reply'];
}

/** The Slack adapter on real Bolt, pointed at a Slack emulator (by its coordinates), with a fast retry policy. */
export function startSlackBotAt(
  target: SlackTarget,
  app: App,
  options: SlackBotOptions = {},
): Promise<Started<SlackAdapter>> {
  const logger = options.logger ?? capturedLogger().logger;
  const adapter = createSlackAdapter({
    config: {
      botToken: target.botToken,
      signingSecret: options.socketMode ? undefined : target.signingSecret,
      appToken: options.socketMode ? target.appToken : undefined,
      port: 0,
      apiUrl: target.apiUrl,
      maxUploadBytes: options.maxUploadBytes ?? 1024 * 1024 * 1024,
    },
    logger,
    bolt: {
      tokenVerificationEnabled: false,
      botId: target.botId,
      botUserId: target.botUserId,
      clientOptions: {
        slackApiUrl: target.apiUrl,
        retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
      },
    },
    reply: options.reply ?? { updateIntervalMs: 300, updatesPerSecond: 100 },
  });
  return startWithBot(app, adapter, logger);
}

/** The Slack adapter on real Bolt, pointed at the Slack emulator, with test-speed retries and updates. */
export function startSlackBot(
  slack: SlackEmulator,
  app: App,
  options: Omit<SlackBotOptions, 'reply'> & { updateIntervalMs?: number } = {},
): Promise<Started<SlackAdapter>> {
  return startSlackBotAt(slackTargetOf(slack), app, {
    ...options,
    reply: { updateIntervalMs: options.updateIntervalMs ?? 300, updatesPerSecond: 100 },
  });
}

/** Where Bolt's HTTP receiver on `port` takes Slack's requests (events, commands, interactivity). */
export const slackEventsUrl = (port: number | undefined) => `http://127.0.0.1:${port}/slack/events`;
export const botUrlOf = (adapter: Pick<SlackAdapter, 'port'>) => slackEventsUrl(adapter.port);
