import { z } from 'zod';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import type { SlackEmulator } from '../emulators/slack/server.js';

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

/** Where Bolt's HTTP receiver on `port` takes Slack's requests (events, commands, interactivity). */
export const slackEventsUrl = (port: number | undefined) => `http://127.0.0.1:${port}/slack/events`;
export const botUrlOf = (adapter: SlackAdapter) => slackEventsUrl(adapter.port);
