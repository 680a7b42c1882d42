import { Client, Events, GatewayIntentBits, Options, Partials, REST, Status } from 'discord.js';
import type { Logger } from '../../src/log.js';
import {
  StartupError,
  errorMessage,
  type Adapter,
  type AdapterCore,
  type DiscordConfig,
} from '../../src/port.js';
import { createEditPacer } from '../../src/util/edit-pacer.js';
import type { DiscordContext } from './context.js';
import { discordFormat } from './format.js';
import { guardGatewayDispatch } from './gateway-guard.js';
import { createDiscordImageFetcher } from './images.js';
import { createInteractionHandler } from './interactions.js';
import { createMentionHandler } from './mentions.js';
import { NO_MENTIONS } from './render.js';
import {
  EDIT_INTERVAL_MS,
  createDiscordReply,
  discordMessageRefSchema,
  type DiscordReplyDeps,
} from './reply.js';
import { makeRequestWithUploadTimeout } from './upload.js';

/**
 * The Discord adapter: a discord.js client pointed at DISCORD_API_BASE_URL (its gateway URL comes from
 * GET /gateway/bot there), wiring interactions and mentions to the core and rendering job replies over REST.
 */

export interface DiscordAdapterOptions {
  config: DiscordConfig;
  logger: Logger;
  /** Tests shorten the edit interval and the token lifetime; production keeps 1.5 s and 14.5 min. */
  reply?: Pick<DiscordReplyDeps, 'editIntervalMs' | 'tokenLifetimeMs'>;
  /** Tests reach Discord's CDN and media-proxy hosts on an emulator through this; production: global fetch. */
  imageFetch?: typeof fetch;
  /** Tests shorten the request timeout of everything but uploads; production keeps discord.js's 15 s. */
  restTimeoutMs?: number;
}

export interface DiscordAdapter extends Adapter {
  readonly platform: 'discord';
  client: Client;
}

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const { config, logger } = options;
  const log = logger.child({ platform: 'discord' });
  // Requests that carry the video get a timeout of their own (see UPLOAD_TIMEOUT_MS).
  const restOptions = {
    api: config.apiBaseUrl,
    makeRequest: makeRequestWithUploadTimeout,
    ...(options.restTimeoutMs === undefined ? {} : { timeout: options.restTimeoutMs }),
  };
  const intents = [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
  ];
  if (config.messageContent) intents.push(GatewayIntentBits.MessageContent);
  const client = new Client({
    intents,
    // DM channels are not cached before their first message; without this partial, DM mentions are dropped.
    partials: [Partials.Channel],
    // The bot reads what it needs from each event, so it keeps only a few hundred members and users: memory
    // stays flat however many people use it. Recent messages stay cached (discord.js's default 200 per
    // channel): a reply's referenced message comes from that cache, as REST would hide its images without the
    // Message Content intent.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      GuildMemberManager: { maxSize: 200, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 200, keepOverLimit: (user) => user.id === user.client.user.id },
    }),
    rest: restOptions,
    allowedMentions: NO_MENTIONS,
  });
  guardGatewayDispatch(client, log);
  const fetchImage = createDiscordImageFetcher(config.apiBaseUrl, options.imageFetch);

  // Progress edits of all jobs together keep to 40 a second: under discord.js's global 50 for mention jobs
  // (channel messages), and a bounded load for the rest (interaction edits are not globally limited).
  const pacer = createEditPacer({
    perSecond: 40,
    minIntervalMs: options.reply?.editIntervalMs ?? EDIT_INTERVAL_MS,
  });
  // Discord does not count interaction endpoints (the reply's edits and follow-ups, by token) against the
  // bot's global 50 requests a second, but discord.js's own limiter would: with many jobs finishing at once,
  // their uploads queued behind it. They go through a REST client of their own, without that global cap;
  // each interaction's own bucket is still honoured.
  // Every interaction token is a rate-limit handler of its own here, which discord.js keeps until its hourly sweep
  // of idle handlers: ~1 KB per job, hours after the job. Idle ones are swept every minute instead.
  const interactionRest = new REST({
    ...restOptions,
    globalRequestsPerSecond: 1_000_000,
    handlerSweepInterval: 60_000,
  });
  const replyDeps = (): DiscordReplyDeps => ({
    rest: client.rest,
    interactionRest,
    logger: log,
    fetchImage,
    fetchFile: fetchImage.toFile,
    pacer,
    ...options.reply,
  });

  let core: AdapterCore | undefined;
  const context: DiscordContext = {
    client,
    log,
    core() {
      if (!core) throw new Error('the Discord adapter is not started');
      return core;
    },
    replyDeps,
    messageContent: config.messageContent,
  };
  const onInteraction = createInteractionHandler(context);
  const onMessage = createMentionHandler(context);
  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction).catch((error: unknown) => {
      log.error({ err: error, interactionId: interaction.id }, 'interaction failed');
    });
  });
  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((error: unknown) => {
      log.error({ err: error, messageId: message.id, channelId: message.channelId }, 'mention failed');
    });
  });
  client.on(Events.Error, (error) => log.error({ err: error }, 'discord client error'));

  return {
    platform: 'discord',
    client,
    format: discordFormat,
    async start(adapterCore) {
      core = adapterCore;
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(config.token).catch((error: unknown) => {
        throw loginError(error, client.ws.gateway, config.apiBaseUrl);
      });
      await ready;
      log.info({ user: client.user?.tag, messageContent: config.messageContent }, 'Discord adapter ready');
    },
    connected() {
      // Every gateway shard of this client READY (or resumed); false while one reconnects or gave up.
      const shards = [...client.ws.shards.values()];
      return shards.length > 0 && shards.every((shard) => shard.status === Status.Ready);
    },
    replyFor(record) {
      const parsed = discordMessageRefSchema.safeParse(record.messageRef);
      return parsed.success ? createDiscordReply(parsed.data, replyDeps(), record.language) : undefined;
    },
    async stop() {
      await client.destroy();
    },
  };
}

/**
 * discord.js says "An invalid token was provided" or "ECONNREFUSED" without saying where; the operator needs
 * the URL (the REST base for the token, the gateway once the client reached it) and the setting to look at.
 */
function loginError(error: unknown, gateway: string | null, apiBaseUrl: string): StartupError {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const message = errorMessage(error);
  if (code === 'TokenInvalid') {
    return new StartupError(
      'Discord',
      `${apiBaseUrl}/v10/gateway/bot`,
      `${message} (is DISCORD_TOKEN right?)`,
      {
        cause: error,
      },
    );
  }
  const hint = /disallowed intents/i.test(message)
    ? ' (turn on the Message Content intent in the Developer Portal, or set DISCORD_MESSAGE_CONTENT=false)'
    : '';
  return new StartupError(
    gateway === null ? 'Discord' : 'Discord gateway',
    gateway ?? apiBaseUrl,
    `login failed: ${message}${hint}`,
    { cause: error },
  );
}
