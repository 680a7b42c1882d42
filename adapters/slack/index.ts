import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type AppOptions } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import type { Adapter, AdapterCore, SlackConfig } from '../../src/port.js';
import { createEditPacer, type EditPacer } from '../../src/util/edit-pacer.js';
import { registerSlashCommands } from './commands.js';
import type { SlackContext } from './context.js';
import { slackFormat } from './format.js';
import { createSlackImageFetcher } from './images.js';
import { registerInteractions } from './interactions.js';
import { APP_NAME } from './manifest.js';
import { registerMentions } from './mentions.js';
import { createPrivateAnswers } from './private-answer.js';
import {
  UPDATE_INTERVAL_MS,
  createSlackReply,
  slackMessageRefSchema,
  type SlackMessageRef,
  type SlackReplyDeps,
  type SlackReplyOptions,
} from './reply.js';
import { createUserLookup } from './users.js';

/**
 * The Slack adapter: a Bolt app (HTTP receiver with signed requests, or Socket Mode with SLACK_APP_TOKEN)
 * whose Web API calls go to SLACK_API_URL. It wires the event kinds (slash commands, buttons and the Animate
 * shortcut, mentions) to the core and renders replies; every decision about a command is the core's.
 */

export interface SlackAdapterOptions {
  config: SlackConfig;
  logger: Logger;
  /** Tests pass Bolt's identity options (botId, botUserId) and a fast retry policy. */
  bolt?: Partial<AppOptions>;
  /** Tests shorten the update interval and lift the workspace budget (production: 2 s, 45 a minute). */
  reply?: Pick<SlackReplyDeps, 'updateIntervalMs'> & { updatesPerSecond?: number };
}

export interface SlackAdapter extends Adapter {
  readonly platform: 'slack';
  bolt: App;
  /** The HTTP receiver's port (HTTP mode) once started, for tests and logs. */
  readonly port: number | undefined;
}

export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { config, logger } = options;
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
  const fetchImage = createSlackImageFetcher({ botToken: config.botToken, apiUrl: config.apiUrl });
  let core: AdapterCore | undefined;
  let port: number | undefined;
  const started = () => {
    if (!core) throw new Error('the Slack adapter is not started');
    return core;
  };

  // chat.update is Tier 3 (about 50 a minute per workspace): all of a workspace's jobs share that budget.
  const pacers = new Map<string, EditPacer>();
  const pacerFor = (teamId: string): EditPacer => {
    let pacer = pacers.get(teamId);
    if (!pacer) {
      pacer = createEditPacer({
        perSecond: options.reply?.updatesPerSecond ?? 45 / 60,
        minIntervalMs: options.reply?.updateIntervalMs ?? UPDATE_INTERVAL_MS,
      });
      pacers.set(teamId, pacer);
    }
    return pacer;
  };
  const answers = createPrivateAnswers({ client: bolt.client, logger: log });
  const botName = botNameLookup(bolt, options.bolt?.botUserId, log);
  const replyAt = (ref: SlackMessageRef, replyOptions?: SlackReplyOptions) =>
    createSlackReply(
      ref,
      {
        client: bolt.client,
        logger: log,
        refChanged: (jobId, changed) => started().refChanged(jobId, changed),
        maxUploadBytes: config.maxUploadBytes,
        fetchImage,
        pacerFor,
        updateIntervalMs: options.reply?.updateIntervalMs,
        answers,
        botName,
      },
      replyOptions,
    );

  // Message links in /jobs need the workspace's domain, which slash commands carry.
  const domains = new Map<string, string>();
  const context: SlackContext = {
    bolt,
    log,
    core: started,
    lookupUser: createUserLookup(bolt.client),
    replyAt,
    answers,
  };
  registerSlashCommands(context, (team, domain) => domains.set(team, domain));
  registerInteractions(context);
  registerMentions(context);

  return {
    platform: 'slack',
    bolt,
    get port() {
      return port;
    },
    format: slackFormat((teamId) => domains.get(teamId)),
    async start(adapterCore) {
      core = adapterCore;
      const server = (await bolt.start()) as Server | undefined;
      port = socketMode ? undefined : (server?.address() as AddressInfo | null)?.port;
      log.info({ mode: socketMode ? 'socket' : 'http', port }, 'Slack adapter ready');
    },
    replyFor(record) {
      const parsed = slackMessageRefSchema.safeParse(record.messageRef);
      return parsed.success ? replyAt(parsed.data) : undefined;
    },
    async stop() {
      await bolt.stop();
    },
  };
}

/**
 * The bot user's name as people see it (what "/invite @…" takes), asked once: the bot user id from Bolt's
 * options or auth.test, then users.info. The app's manifest name when Slack does not say.
 */
function botNameLookup(bolt: App, botUserId: string | undefined, log: Logger): () => Promise<string> {
  let known: string | undefined;
  return async () => {
    if (known !== undefined) return known;
    try {
      const user = botUserId ?? (await bolt.client.auth.test()).user_id;
      const info = user ? (await bolt.client.users.info({ user })).user : undefined;
      known = info?.profile?.display_name || info?.real_name || info?.name || APP_NAME;
    } catch (error) {
      log.info({ err: error }, 'could not look up the bot user’s name');
      return APP_NAME;
    }
    return known;
  };
}
