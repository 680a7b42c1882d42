import type { DiscordAdapter } from '../../adapters/discord/index.js';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import { openApp, type App } from '../../src/app.js';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/server.js';
import { createSlackDriver, type SlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { FAST_POLL, capturedLogger, configFor } from '../helpers/core.js';
import type { Started } from '../helpers/bot.js';
import { startDiscordBot } from '../helpers/discord.js';
import { botUrlOf, startSlackBot } from '../helpers/slack.js';

/**
 * The bot as users meet it — the Discord adapter (real discord.js) and the Slack adapter (real Bolt, HTTP
 * mode) on one App — against the three emulators, for the fault suite. Quick polling and short edit
 * intervals keep the tests fast; everything else is production wiring.
 */
export interface FaultBot {
  video: VideoApiEmulator;
  discord: DiscordEmulator;
  slack: SlackEmulator;
  driver: SlackDriver;
  app: App;
  discordBot: Started<DiscordAdapter>;
  slackBot: Started<SlackAdapter>;
  guildId: string;
  channelId: string;
  users: Array<{ id: string; username: string }>;
  logLines: string[];
  close(): Promise<void>;
}

export async function startFaultBot(
  options: {
    env?: Record<string, string>;
    generationMs?: number;
    users?: number;
    jobTimeoutMs?: number;
  } = {},
): Promise<FaultBot> {
  const video = await startVideoApiEmulator({ generationMs: options.generationMs ?? 1500 });
  const guildId = snowflake();
  const channelId = snowflake();
  const users = Array.from({ length: options.users ?? 6 }, (_, i) => ({
    id: snowflake(),
    username: `user${i}`,
  }));
  const discord = await startDiscordEmulator({
    guilds: [
      {
        id: guildId,
        channels: [{ id: channelId, name: 'general' }],
        members: users.map((user) => ({ user })),
      },
    ],
  });
  const slack = await startSlackEmulator({ users: [{ id: 'U0ALICE', name: 'alice' }] });
  const config = configFor(video, {
    STORE_URL: 'memory://',
    QUOTA_DEFAULT: '5',
    MAX_CONCURRENT_JOBS: '1000',
    MAX_JOBS_PER_USER: '100',
    ...options.env,
  });
  const log = capturedLogger([video.apiKey]);
  const app = await openApp(config, log.logger, {
    generation: {
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      runner: { pollPolicy: FAST_POLL, jobTimeoutMs: options.jobTimeoutMs ?? config.jobTimeoutMs },
    },
  });
  const discordBot = await startDiscordBot(discord, app, { messageContent: true, logger: log.logger });
  const slackBot = await startSlackBot(slack, app, { logger: log.logger });
  // As src/main.ts does: start working (with a Redis store, this starts the BullMQ worker).
  await app.runner?.startWorkers((record) =>
    record.platform === 'discord' ? discordBot.replyFor(record) : slackBot.replyFor(record),
  );
  const driver = createSlackDriver({
    emulator: slack,
    botUrl: botUrlOf(slackBot),
  });
  return {
    video,
    discord,
    slack,
    driver,
    app,
    discordBot,
    slackBot,
    guildId,
    channelId,
    users,
    logLines: log.lines,
    async close() {
      await slackBot.stop(1000);
      await discordBot.stop(1000);
      await app.close();
      await slack.close();
      await discord.close();
      await video.close();
    },
  };
}

export const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
