import { SLASH_COMMANDS } from '../../commands/index.js';
import {
  createSlackAdapter,
  type SlackAdapter,
  type SlackAdapterOptions,
} from '../../adapters/slack/index.js';
import { slackManifest } from '../../adapters/slack/manifest.js';
import { startWithBot, type Started } from '../helpers/bot.js';

/** The Slack adapter with the bot (the core) it was started with. */
export type SlackBot = Started<SlackAdapter>;
import type { App } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import { createSlackDriver, type SlackDriver } from '../emulators/slack/driver.js';
import {
  startSlackEmulator,
  type SlackEmulator,
  type SlackConversationInput,
  type SlackEmulatorOptions,
  type SlackUser,
  type StoredMessage,
  type TimelineEntry,
} from '../emulators/slack/server.js';
import type { RecordedRequest, VideoApiEmulator } from '../emulators/video-api/server.js';
import { capturedLogger } from '../helpers/core.js';
import { botUrlOf, slackTargetOf, type SlackTarget } from '../helpers/slack.js';
import {
  building,
  videoPosts,
  worldVideo,
  type BackendOptions,
  startBotProcess,
  type BotProcess,
} from './common.js';

/**
 * One seeded Slack for end-to-end tests: a fixed workspace with its channels and people, the bot, the video-API
 * emulator, the app and the real Slack adapter (Bolt) on top. The ids never change between runs.
 */

export const slackSeed = {
  teamId: 'T0EMU',
  teamDomain: 'emulated',
  botUserId: 'U0EMUBOT',
  botId: 'B0EMUBOT',
  /** Any channel id exists in the emulator, with the bot in it; these are the ones the tests name. */
  general: 'C0GENERAL',
  videos: 'C0VIDEOS',
  /** A public channel the bot has not joined (it may join: `conversations.join`). */
  lobby: 'C0LOBBY',
  /** A private channel of the four people, the bot not invited. */
  secret: 'C0SECRET',
  /** Alice and Bob's DM: the bot is not part of it. */
  aliceBobDm: 'D0ALICEBOB',
  /** A workspace admin (users.info says so); the others are members. */
  admin: 'U0ADMIN',
  alice: 'U0ALICE',
  bob: 'U0BOB',
  carol: 'U0CAROL',
} as const;

const seededConversations: SlackConversationInput[] = [
  { id: slackSeed.general, name: 'general' },
  { id: slackSeed.videos, name: 'videos' },
  { id: slackSeed.lobby, name: 'lobby', bot: false },
  {
    id: slackSeed.secret,
    kind: 'private',
    name: 'secret',
    bot: false,
    members: [slackSeed.admin, slackSeed.alice, slackSeed.bob, slackSeed.carol],
  },
  { id: slackSeed.aliceBobDm, kind: 'im', bot: false, members: [slackSeed.alice, slackSeed.bob] },
];

const seededUsers: SlackUser[] = [
  { id: slackSeed.admin, name: 'admin', isAdmin: true },
  { id: slackSeed.alice, name: 'alice' },
  { id: slackSeed.bob, name: 'bob' },
  { id: slackSeed.carol, name: 'carol' },
];

export interface SlackBotOptions {
  maxUploadBytes?: number;
  /** Socket Mode (SLACK_APP_TOKEN) instead of the HTTP receiver. */
  socketMode?: boolean;
  logger?: Logger;
  /** Default test speed (an update every 300 ms, no workspace budget); `{}` for production pacing. */
  reply?: SlackAdapterOptions['reply'];
}

/** Test speed with another update interval. */
export const fastUpdates = (updateIntervalMs: number): SlackAdapterOptions['reply'] => ({
  updateIntervalMs,
  updatesPerSecond: 100,
});

/**
 * The Slack adapter on real Bolt, pointed at a Slack emulator by its coordinates (child processes get them as
 * JSON), with a fast retry policy. Every test and bench starts its Slack bot here, so a change to how the
 * adapter starts is made once.
 */
export function startSlackBot(
  target: SlackTarget,
  app: App,
  options: SlackBotOptions = {},
): Promise<SlackBot> {
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
    reply: options.reply ?? fastUpdates(300),
  });
  return startWithBot(app, adapter, logger);
}

export interface SlackProcess extends BotProcess<SlackBot> {
  /** Acts as Slack towards this bot: over HTTP to its receiver, or over the socket in Socket Mode. */
  driver: SlackDriver;
}

export interface SlackProcessOptions extends Pick<BackendOptions, 'app' | 'env'> {
  /** The logger defaults to the app's (captured in `logLines`) when the world opened the app. */
  bot?: SlackBotOptions;
}

export interface SlackWorldOptions extends BackendOptions, Omit<SlackProcessOptions, 'app' | 'env'> {
  /** Emulator settings besides the seed (faults, trigger lifetime, ...). */
  emulator?: Omit<SlackEmulatorOptions, 'users' | 'teamId' | 'teamDomain' | 'botUserId' | 'botId'>;
  /** Workspace members besides admin, alice, bob and carol. */
  users?: SlackUser[];
}

export interface SlackWorld {
  video: VideoApiEmulator;
  slack: SlackEmulator;
  /** The world's own bot process. */
  app: App;
  bot: SlackBot;
  driver: SlackDriver;
  logger: Logger;
  logLines: string[];
  /** Another bot process on this Slack (its own app on the world's env with `env` over it, unless `app`). */
  startProcess(options?: SlackProcessOptions): Promise<SlackProcess>;
  /** The requests that created a video, in order. */
  posts(): RecordedRequest[];
  /** Videos `userId` has used in the seeded workspace. */
  used(userId: string): Promise<number>;
  /** What `user` was shown privately, in order. */
  ephemeralsFor(user: string): TimelineEntry[];
  /** Forgets the video API's requests, jobs and faults; with `platform`, Slack's records, messages and faults. */
  reset(options?: { platform?: boolean }): void;
  close(): Promise<void>;
}

export function startSlackWorld(options: SlackWorldOptions = {}): Promise<SlackWorld> {
  return building(async (stack) => {
    const { video, close: closeVideo } = await worldVideo(options);
    stack.push(closeVideo);
    const slack = await startSlackEmulator({
      ...options.emulator,
      teamId: slackSeed.teamId,
      teamDomain: slackSeed.teamDomain,
      botUserId: slackSeed.botUserId,
      botId: slackSeed.botId,
      users: [...seededUsers, ...(options.users ?? [])],
      channelNames: { [slackSeed.general]: 'general', [slackSeed.videos]: 'videos' },
      // Slack escapes a command's text as the manifest we ship says.
      slashCommands: slackManifest(SLASH_COMMANDS).features?.slash_commands,
      conversations: [...seededConversations, ...(options.emulator?.conversations ?? [])],
    });
    stack.push(() => slack.close());

    async function startProcess(proc: SlackProcessOptions = {}): Promise<SlackProcess> {
      const started = await startBotProcess(video, stack, options, proc, (app, logger) =>
        startSlackBot(slackTargetOf(slack), app, { logger, ...proc.bot }),
      );
      const driver = proc.bot?.socketMode
        ? createSlackDriver({ emulator: slack, transport: 'socket' })
        : createSlackDriver({ emulator: slack, botUrl: botUrlOf(started.bot) });
      return { ...started, driver };
    }

    const main = await startProcess({ app: options.app, env: {}, bot: options.bot });
    return {
      video,
      slack,
      app: main.app,
      bot: main.bot,
      driver: main.driver,
      logger: main.logger,
      logLines: main.logLines,
      startProcess,
      posts: () => videoPosts(video),
      used: async (userId) =>
        (await main.app.quota.status({ platform: 'slack', spaceId: slackSeed.teamId, userId })).used,
      ephemeralsFor: (user) => slack.timeline.filter((t) => t.ephemeralFor === user),
      reset(resetOptions = {}) {
        video.reset();
        if (resetOptions.platform) slack.reset();
      },
      close: () => stack.close(),
    };
  });
}

/** A finished job as Slack users see it: the message sharing the video, and the buttons right under it. */
export interface SlackResult {
  /** Shared by files.completeUploadExternal; its text is the prompt and settings. */
  share: StoredMessage;
  /** The next bot message in the same place, with Again and Delete. */
  buttons: StoredMessage;
}

/**
 * The result of the job whose prompt the share's text contains, once both its messages are there and not
 * deleted; undefined before. With `channel`, only at its top level (or in `threadTs`); without, anywhere.
 */
export function slackResult(
  slack: SlackEmulator,
  where: { prompt: string; channel?: string; threadTs?: string },
): SlackResult | undefined {
  const bot = slack.identity.botUserId;
  const visible = slack.messages.filter((m) => !m.deleted && m.ephemeralFor === undefined && m.user === bot);
  for (const share of visible) {
    if (share.via !== 'files.completeUploadExternal' || share.files.length === 0) continue;
    if (!share.text.includes(where.prompt)) continue;
    if (
      where.channel !== undefined &&
      (share.channel !== where.channel || share.threadTs !== where.threadTs)
    ) {
      continue;
    }
    const buttons = visible
      .slice(visible.indexOf(share) + 1)
      .find(
        (m) =>
          m.channel === share.channel &&
          m.threadTs === share.threadTs &&
          m.via === 'chat.postMessage' &&
          JSON.stringify(m.blocks ?? []).includes('"delete_job"'),
      );
    if (buttons) return { share, buttons };
  }
  return undefined;
}
