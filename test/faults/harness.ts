import type { DiscordAdapter } from '../../adapters/discord/index.js';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import { snowflake, type DiscordEmulator } from '../emulators/discord/server.js';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { startSlackWorld } from '../world/slack.js';

/**
 * The bot as users meet it — the Discord adapter (real discord.js) and the Slack adapter (real Bolt, HTTP
 * mode) on one App — against the three emulators, for the fault suite: the seeded Discord world with the
 * seeded Slack world on its app. Quick polling and short edit intervals keep the tests fast; everything else
 * is production wiring.
 */
export interface FaultBot {
  video: VideoApiEmulator;
  discord: DiscordEmulator;
  slack: SlackEmulator;
  driver: SlackDriver;
  app: App;
  discordBot: DiscordAdapter;
  slackBot: SlackAdapter;
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
  const users = Array.from({ length: options.users ?? 6 }, (_, i) => ({
    id: snowflake(),
    username: `user${i}`,
  }));
  const discord = await startDiscordWorld({
    generationMs: options.generationMs ?? 1500,
    env: {
      QUOTA_DEFAULT: '5',
      MAX_CONCURRENT_JOBS: '1000',
      MAX_JOBS_PER_USER: '100',
      ...options.env,
    },
    jobTimeoutMs: options.jobTimeoutMs,
    members: users,
    bot: { messageContent: true },
  });
  const { app, video } = discord;
  const slack = await startSlackWorld({ video, app, bot: { logger: discord.logger } }).catch(
    async (error: unknown) => {
      await discord.close();
      throw error;
    },
  );
  const close = async () => {
    await slack.close();
    await discord.close();
  };
  // As bin/main.ts does: start working (with a Redis store, this starts the BullMQ worker).
  await app.runner
    ?.startWorkers((record) =>
      record.platform === 'discord' ? discord.bot.replyFor(record) : slack.bot.replyFor(record),
    )
    .catch(async (error: unknown) => {
      await close();
      throw error;
    });
  return {
    video,
    discord: discord.discord,
    slack: slack.slack,
    driver: slack.driver,
    app,
    discordBot: discord.bot,
    slackBot: slack.bot,
    guildId: discordSeed.guildId,
    channelId: discordSeed.general,
    users,
    logLines: discord.logLines,
    close,
  };
}

export const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
