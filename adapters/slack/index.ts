import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type AppOptions, type BlockAction, type ButtonAction } from '@slack/bolt';
import { imagineCommand, imagineOptions } from '../../commands/imagine.js';
import { quotaCommand } from '../../commands/quota.js';
import type { App as BotApp } from '../../src/app.js';
import type { SlackConfig } from '../../src/config.js';
import { toBotError } from '../../src/errors.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { JobSink } from '../../src/jobs/job-runner.js';
import { createInFlightTracker } from '../../src/jobs/in-flight.js';
import type { Logger } from '../../src/log.js';
import { sinkFromReply, type Invocation, type OptionValue, type Reply } from '../../src/port.js';
import { parseFlags, usage } from './flags.js';
import { AGAIN_ACTION, escapeSlack } from './render.js';
import {
  createSlackReply,
  slackMessageRefSchema,
  type SlackMessageRef,
  type SlackReplyDeps,
} from './reply.js';

/**
 * The Slack adapter: a Bolt app (HTTP receiver with signed requests, or Socket Mode with SLACK_APP_TOKEN)
 * whose Web API calls go to SLACK_API_URL. Slash commands are acknowledged before any work starts.
 */

export interface SlackAdapterOptions {
  config: SlackConfig;
  app: BotApp;
  logger: Logger;
  /** Tests pass Bolt's identity options (botId, botUserId) and a fast retry policy. */
  bolt?: Partial<AppOptions>;
  reply?: Pick<SlackReplyDeps, 'updateIntervalMs'>;
}

export interface SlackAdapter {
  bolt: App;
  /** The HTTP receiver's port (HTTP mode), for tests and logs. */
  port: number | undefined;
  sinkFor(record: JobRecord): JobSink | undefined;
  stop(graceMs?: number): Promise<void>;
}

const ADMIN_CACHE_MS = 5 * 60_000;

export async function startSlackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const { config, app, logger } = options;
  const runner = app.runner;
  if (!runner) throw new Error('the Slack adapter needs the generation runner (VIDEO_API_KEY)');
  const log = logger.child({ platform: 'slack' });
  const socketMode = config.appToken !== undefined;
  const bolt = new App({
    token: config.botToken,
    signingSecret: config.signingSecret,
    appToken: config.appToken,
    socketMode,
    port: config.port,
    logLevel: LogLevel.ERROR,
    clientOptions: {
      slackApiUrl: config.apiUrl,
      retryConfig: { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000 },
    },
    ...options.bolt,
  });
  const inFlight = createInFlightTracker(log);
  let accepting = true;
  const adminCache = new Map<string, { admin: boolean; inTeam: boolean; at: number }>();

  const replyDeps = (): SlackReplyDeps => ({
    client: bolt.client,
    logger: log,
    jobs: app.jobs,
    maxUploadBytes: config.maxUploadBytes,
    ...options.reply,
  });

  /** users.info, cached briefly: admin = workspace admin or owner; a user of another team is not "in space". */
  async function lookupUser(userId: string, teamId: string): Promise<{ admin: boolean; inTeam: boolean }> {
    const cached = adminCache.get(userId);
    if (cached && Date.now() - cached.at < ADMIN_CACHE_MS) return cached;
    try {
      const res = await bolt.client.users.info({ user: userId });
      const user = res.user;
      const entry = {
        admin: Boolean(user?.is_admin || user?.is_owner),
        inTeam: Boolean(user && !user.deleted && (!user.team_id || user.team_id === teamId)),
        at: Date.now(),
      };
      adminCache.set(userId, entry);
      return entry;
    } catch {
      return { admin: false, inTeam: false };
    }
  }

  bolt.command('/imagine', async ({ command, ack }) => {
    await ack();
    if (!accepting) return;
    const ref: SlackMessageRef = {
      kind: 'slack',
      teamId: command.team_id,
      channel: command.channel_id,
      userId: command.user_id,
    };
    const reply = createSlackReply(ref, replyDeps());
    let options: Record<string, string>;
    try {
      const parsed = parseFlags(command.text, imagineOptions);
      if (parsed.help) {
        await reply.text(usage('imagine', imagineOptions), { ephemeral: true });
        return;
      }
      options = parsed.options;
    } catch (error) {
      await reply.fail(toBotError(error).userMessage);
      return;
    }
    const invocation: Invocation = {
      platform: 'slack',
      spaceId: command.team_id,
      channelId: command.channel_id,
      userId: command.user_id,
      isSpaceAdmin: false,
      command: 'imagine',
      options,
      images: [],
    };
    inFlight.track(imagineCommand.handle(invocation, reply, { runner }));
  });

  bolt.command('/quota', async ({ command, ack }) => {
    await ack();
    const ref: SlackMessageRef = {
      kind: 'slack',
      teamId: command.team_id,
      channel: command.channel_id,
      userId: command.user_id,
    };
    const slackReply = createSlackReply(ref, replyDeps());
    const reply: Reply = {
      text: (message) => slackReply.text(escapeSlack(message), { ephemeral: true }),
      fail: (message) => slackReply.fail(message),
    };
    // `/quota set <@U123|name> 10`: Slack escapes mentioned users as <@ID|name> when the command asks it to.
    const words = command.text.trim().split(/\s+/).filter(Boolean);
    const subcommand = words[0]?.toLowerCase() ?? 'show';
    const mention = /<@([A-Z0-9]+)(?:\|([^>]*))?>/.exec(command.text);
    const number = words.slice(1).find((w) => /^-?\d+$/.test(w));
    const userOption: OptionValue | undefined = mention?.[1]
      ? {
          id: mention[1],
          inSpace: (await lookupUser(mention[1], command.team_id)).inTeam,
          displayName: mention[2] || undefined,
        }
      : undefined;
    await quotaCommand.handle(
      {
        platform: 'slack',
        spaceId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        isSpaceAdmin: (await lookupUser(command.user_id, command.team_id)).admin,
        command: 'quota',
        subcommand,
        options: { user: userOption, limit: number === undefined ? undefined : Number(number) },
        images: [],
      },
      reply,
      { quota: app.quota },
    );
  });

  bolt.action<BlockAction<ButtonAction>>(AGAIN_ACTION, async ({ ack, body, action }) => {
    await ack();
    if (!accepting) return;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const channel = body.channel?.id ?? '';
    const ref: SlackMessageRef = { kind: 'slack', teamId, channel, userId: body.user.id };
    const reply = createSlackReply(ref, replyDeps());
    const record = await app.jobs.get(action.value ?? '');
    if (!record) {
      await reply.fail('That job is too old to repeat.');
      return;
    }
    // Same settings, the presser's own quota.
    inFlight.track(
      imagineCommand.handle(
        {
          platform: 'slack',
          spaceId: teamId,
          channelId: channel,
          userId: body.user.id,
          isSpaceAdmin: false,
          command: 'imagine',
          options: {
            prompt: record.request.prompt,
            seconds: record.request.seconds,
            aspect_ratio: record.request.aspectRatio,
            resolution: record.request.resolution,
          },
          images: [],
        },
        reply,
        { runner },
      ),
    );
  });

  const started = (await bolt.start()) as Server | undefined;
  const port = socketMode ? undefined : (started?.address() as AddressInfo | null)?.port;
  log.info({ mode: socketMode ? 'socket' : 'http', port }, 'Slack adapter ready');

  return {
    bolt,
    port,
    sinkFor(record) {
      const parsed = slackMessageRefSchema.safeParse(record.messageRef);
      if (!parsed.success) return undefined;
      return sinkFromReply(createSlackReply(parsed.data, replyDeps()));
    },
    async stop(graceMs = 10_000) {
      accepting = false;
      await inFlight.drain(graceMs);
      await bolt.stop();
    },
  };
}
