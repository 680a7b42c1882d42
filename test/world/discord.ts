import { createDiscordAdapter, type DiscordAdapter } from '../../adapters/discord/index.js';
import { startWithBot, type Started } from '../helpers/bot.js';

/** The Discord adapter with the bot (the core) it was started with. */
export type DiscordBot = Started<DiscordAdapter>;
import type { DiscordReplyDeps } from '../../adapters/discord/reply.js';
import type { App } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import {
  startDiscordEmulator,
  type DiscordEmulator,
  type DiscordEmulatorOptions,
  type GuildInput,
} from '../emulators/discord/server.js';
import type { RecordedRequest, VideoApiEmulator } from '../emulators/video-api/server.js';
import { capturedLogger } from '../helpers/core.js';
import {
  building,
  videoPosts,
  worldVideo,
  type BackendOptions,
  startBotProcess,
  type BotProcess,
} from './common.js';

/**
 * One seeded Discord for end-to-end tests: a fixed guild with its channels and people, the bot, the video-API
 * emulator, the app and the real Discord adapter (discord.js) on top. The ids never change between runs.
 */

export interface DiscordPerson {
  id: string;
  username: string;
}

const person = (id: string, username: string): DiscordPerson => ({ id, username });

export const discordSeed = {
  guildId: '1210000000000000001',
  /** Text channels of the guild, and a thread under #videos. */
  general: '1210000000000000002',
  videos: '1210000000000000003',
  thread: '1210000000000000004',
  /** A second guild whose one channel the bot may see but not post in (View Channel only). */
  closedGuildId: '1210000000000000005',
  closedChannelId: '1210000000000000006',
  botId: '1210000000000000009',
  /** Admin-ness comes with each interaction (`permissions: '32'`, Manage Server), as on Discord. */
  admin: person('1210000000000000010', 'admin'),
  alice: person('1210000000000000011', 'alice'),
  bob: person('1210000000000000012', 'bob'),
  carol: person('1210000000000000013', 'carol'),
} as const;

/** Manage Server, the permission that makes a member a server admin to the bot. */
export const MANAGE_GUILD = '32';
const VIEW_CHANNEL_ONLY = String(1024);

function seededGuilds(extraMembers: DiscordPerson[], locale?: string): GuildInput[] {
  const s = discordSeed;
  return [
    {
      id: s.guildId,
      ...(locale === undefined ? {} : { locale }),
      channels: [
        { id: s.general, name: 'general' },
        { id: s.videos, name: 'videos' },
        { id: s.thread, name: 'fox thread', type: 11, parentId: s.videos },
      ],
      members: [s.admin, s.alice, s.bob, s.carol, ...extraMembers].map((user) => ({ user })),
    },
    {
      id: s.closedGuildId,
      channels: [{ id: s.closedChannelId, name: 'read-only' }],
      members: [{ user: s.alice }],
      appPermissions: VIEW_CHANNEL_ONLY,
    },
  ];
}

export interface DiscordBotOptions {
  /** The privileged Message Content intent. Default off. */
  messageContent?: boolean;
  logger?: Logger;
  /** Over the test speed (an edit every 300 ms). */
  reply?: Pick<DiscordReplyDeps, 'editIntervalMs' | 'tokenLifetimeMs'>;
  /** discord.js's request timeout for everything but uploads. Default 15 s. */
  restTimeoutMs?: number;
}

/**
 * The Discord adapter on real discord.js, pointed at a Discord emulator, with test-speed edits. Every test
 * starts its Discord bot here, so a change to how the adapter starts is made once.
 */
export function startDiscordBot(
  discord: Pick<DiscordEmulator, 'apiBase' | 'mediaFetch'>,
  app: App,
  options: DiscordBotOptions = {},
): Promise<DiscordBot> {
  const logger = options.logger ?? capturedLogger().logger;
  const adapter = createDiscordAdapter({
    config: {
      token: 'emulated-token',
      appId: undefined,
      apiBaseUrl: discord.apiBase,
      guildId: undefined,
      messageContent: options.messageContent ?? false,
    },
    logger,
    reply: { editIntervalMs: 300, ...options.reply },
    // Link previews' images are on Discord's media proxy hosts: the emulator stands in for them.
    imageFetch: discord.mediaFetch,
    restTimeoutMs: options.restTimeoutMs,
  });
  return startWithBot(app, adapter, logger);
}

export interface DiscordProcessOptions extends Pick<BackendOptions, 'app' | 'env'> {
  /** The logger defaults to the app's (captured in `logLines`) when the world opened the app. */
  bot?: DiscordBotOptions;
  /** Resume unfinished jobs after the start, as `bin/main.ts` does (with Redis: starts the BullMQ worker). */
  resume?: boolean;
}

export interface DiscordWorldOptions extends BackendOptions, Omit<DiscordProcessOptions, 'app' | 'env'> {
  /** Emulator settings besides the seed (upload limit, token lifetime, ...). */
  emulator?: Omit<DiscordEmulatorOptions, 'guilds' | 'bot'>;
  /** Members of the seeded guild besides admin, alice, bob and carol. */
  members?: DiscordPerson[];
  /** The seeded guild's locale (`preferred_locale`, `guild_locale`) from the start; default `en-US`. */
  guildLocale?: string;
}

export interface DiscordWorld {
  video: VideoApiEmulator;
  discord: DiscordEmulator;
  /** The world's own bot process. */
  app: App;
  bot: DiscordBot;
  logger: Logger;
  logLines: string[];
  /** Another bot process on this Discord (its own app on the world's env with `env` over it, unless `app`). */
  startProcess(options?: DiscordProcessOptions): Promise<BotProcess<DiscordBot>>;
  /** The requests that created a video, in order. */
  posts(): RecordedRequest[];
  /** Videos `userId` has used in the seeded guild. */
  used(userId: string): Promise<number>;
  /** Forgets the video API's requests, jobs and faults; with `platform`, Discord's recorded traffic and faults. */
  reset(options?: { platform?: boolean }): void;
  close(): Promise<void>;
}

export function startDiscordWorld(options: DiscordWorldOptions = {}): Promise<DiscordWorld> {
  return building(async (stack) => {
    const { video, close: closeVideo } = await worldVideo(options);
    stack.push(closeVideo);
    const discord = await startDiscordEmulator({
      ...options.emulator,
      bot: { id: discordSeed.botId, username: 'emu-bot' },
      guilds: seededGuilds(options.members ?? [], options.guildLocale),
    });
    stack.push(() => discord.close());

    const startProcess = (proc: DiscordProcessOptions = {}): Promise<BotProcess<DiscordBot>> =>
      startBotProcess(video, stack, options, proc, (app, logger) =>
        startDiscordBot(discord, app, { logger, ...proc.bot }),
      );

    const main = await startProcess({ app: options.app, env: {}, bot: options.bot, resume: options.resume });
    return {
      video,
      discord,
      app: main.app,
      bot: main.bot,
      logger: main.logger,
      logLines: main.logLines,
      startProcess,
      posts: () => videoPosts(video),
      used: async (userId) =>
        (await main.app.quota.status({ platform: 'discord', spaceId: discordSeed.guildId, userId })).used,
      reset(resetOptions = {}) {
        video.reset();
        if (resetOptions.platform) discord.reset();
      },
      close: () => stack.close(),
    };
  });
}
