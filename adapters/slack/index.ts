import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, SocketModeReceiver, type AppOptions, type CodedError } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import {
  startupStep,
  writeHealth,
  type Adapter,
  type AdapterCore,
  type HealthCheck,
  type SlackConfig,
} from '../../src/port.js';
import { createEditPacer, type EditPacer } from '../../src/util/edit-pacer.js';
import { createAckFirst } from './ack-first.js';
import { boltLogger, listenerErrorFields } from './bolt-log.js';
import { checkSlackToken } from './auth-check.js';
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
import { createChannelLookup } from './channels.js';
import { freshRequestsReceiver } from './receiver.js';
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
  /** Served as GET /healthz on the HTTP receiver (HTTP mode only: Socket Mode has no port of its own). */
  health?: HealthCheck;
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
  const health = options.health;
  const boltLog = boltLogger(log);
  const ackFirst = createAckFirst();
  let receiver: AppOptions['receiver'];
  if (!socketMode) {
    if (config.signingSecret === undefined) throw new Error('Slack over HTTP needs SLACK_SIGNING_SECRET');
    receiver = freshRequestsReceiver({
      signingSecret: config.signingSecret,
      port: config.port,
      boltLogger: boltLog,
      log,
      ackFirst,
      customRoutes: health
        ? [{ path: '/healthz', method: ['GET'], handler: (_req, res) => void writeHealth(res, health) }]
        : undefined,
    });
  }
  const bolt = new App({
    token: config.botToken,
    appToken: config.appToken,
    socketMode,
    ...(receiver === undefined ? { port: config.port } : { receiver }),
    logger: boltLog,
    // app.error below then gets the request body as well, to say which request failed.
    extendedErrorHandler: true,
    // Bolt would call auth.test from its constructor, where a refusal becomes an unhandled rejection; start()
    // checks the token first and then lets Bolt initialise.
    deferInitialization: true,
    clientOptions: {
      slackApiUrl: config.apiUrl,
      retryConfig: { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 30_000 },
    },
    ...options.bolt,
  });
  bolt.error(async ({ error, body }: { error: CodedError; body: unknown }) => {
    log.error(listenerErrorFields(error, body), 'a Slack listener failed');
  });
  const fetchImage = createSlackImageFetcher({ botToken: config.botToken, apiUrl: config.apiUrl });
  let core: AdapterCore | undefined;
  let port: number | undefined;
  let running = false;
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
        fetchFile: fetchImage.toFile,
        pacerFor,
        updateIntervalMs: options.reply?.updateIntervalMs,
        answers,
        botName,
        afterAcks: ackFirst.afterAcks,
      },
      replyOptions,
    );

  // Message links in /jobs need the workspace's domain, which slash commands carry.
  const domains = new Map<string, string>();
  const lookupUser = createUserLookup(bolt.client);
  const lookupChannel = createChannelLookup(bolt.client);
  const context: SlackContext = {
    bolt,
    log,
    core: started,
    lookupUser,
    names: (teamId) => ({
      user: async (id) => (await lookupUser(id, teamId)).name,
      channel: (id) => lookupChannel(id, teamId),
    }),
    replyAt,
    answers,
    afterAcks: ackFirst.afterAcks,
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
      await checkSlackToken(config.apiUrl, config.botToken);
      await startupStep('Slack', config.apiUrl, () => bolt.init());
      // Socket Mode opens its link with the app token; HTTP mode binds SLACK_PORT.
      const service = socketMode ? 'Slack Socket Mode' : 'Slack HTTP receiver';
      const url = socketMode ? `${config.apiUrl}apps.connections.open` : `port ${config.port}`;
      const server = (await startupStep(service, url, () => bolt.start())) as Server | undefined;
      port = socketMode ? undefined : (server?.address() as AddressInfo | null)?.port;
      running = true;
      log.info({ mode: socketMode ? 'socket' : 'http', port }, 'Slack adapter ready');
    },
    connected() {
      if (!running) return false;
      // HTTP mode has nothing to lose once listening; Socket Mode has its link, which drops and reconnects.
      // Bolt keeps its receiver private, hence the lookup, checked by class.
      const receiver: unknown = Reflect.get(bolt, 'receiver');
      return receiver instanceof SocketModeReceiver ? (receiver.client.websocket?.isActive() ?? false) : true;
    },
    replyFor(record) {
      const parsed = slackMessageRefSchema.safeParse(record.messageRef);
      return parsed.success ? replyAt(parsed.data, { language: record.language }) : undefined;
    },
    async stop() {
      running = false;
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
