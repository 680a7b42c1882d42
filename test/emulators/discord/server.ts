/**
 * An in-process emulator of Discord (REST API v10, gateway, CDN) that unmodified discord.js runs against,
 * with a driver so tests can act as users and see what users would see. See README.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createDriver } from './driver.js';
import { Gateway } from './gateway.js';
import { DEFAULT_BUCKETS, RateLimiter } from './ratelimit.js';
import { createMediaFetch, linkPreview } from './media-proxy.js';
import { FaultBox, createRest } from './rest.js';
import { DiscordState } from './state.js';
import type {
  BucketLimit,
  BucketName,
  DiscordEmulator,
  DiscordEmulatorOptions,
  RecordedDispatch,
  RecordedIdentify,
  RecordedRateLimit,
  RecordedRequest,
} from './types.js';
import { Intents, PRIVILEGED_INTENTS, snowflake } from './util.js';

export type * from './types.js';
export { PermissionBits, Intents, snowflake } from './util.js';

const DEFAULT_TOKEN_TTL_MS = 15 * 60 * 1000;
const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

function applicationFlagsFor(privileged: number): number {
  let flags = 0;
  if (privileged & Intents.GuildPresences) flags |= 1 << 12;
  if (privileged & Intents.GuildMembers) flags |= 1 << 14;
  if (privileged & Intents.MessageContent) flags |= 1 << 18;
  return flags;
}

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const botId = options.bot?.id ?? snowflake();
  const applicationId = options.applicationId ?? botId;
  const privilegedIntents = options.privilegedIntents ?? PRIVILEGED_INTENTS;
  const applicationFlags = options.applicationFlags ?? applicationFlagsFor(privilegedIntents);
  const recommendedShards = options.shards ?? 1;
  const attachmentSizeLimit = options.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT;
  const tokenTtlMs = options.interactionTokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;

  const state = new DiscordState(now, {
    id: botId,
    username: options.bot?.username ?? 'emu-bot',
    globalName: null,
    bot: true,
    dmsClosed: false,
  });
  for (const user of options.users ?? []) state.ensureUser(user);
  for (const guild of options.guilds ?? []) state.addGuild(guild);

  const requests: RecordedRequest[] = [];
  const cdnRequests: RecordedRequest[] = [];
  const rateLimitHits: RecordedRateLimit[] = [];
  const identifies: RecordedIdentify[] = [];
  const dispatches: RecordedDispatch[] = [];
  const faults = new FaultBox();
  faults.configure(options.faults ?? {});
  const limits: Record<BucketName, BucketLimit> | false =
    options.rateLimits === false ? false : { ...DEFAULT_BUCKETS, ...options.rateLimits };
  const limiter = new RateLimiter(limits, now);

  const gateway = new Gateway({
    state,
    now,
    token: options.token,
    applicationId,
    applicationFlags,
    recommendedShards,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    privilegedIntents,
    readyGuilds: options.readyGuilds ?? 'empty',
    faults: () => faults.current,
    identifies,
    dispatches,
  });
  const rest = createRest({
    state,
    gateway,
    now,
    token: options.token,
    applicationId,
    applicationFlags,
    recommendedShards,
    maxConcurrency: options.maxConcurrency ?? 1,
    attachmentSizeLimit,
    ackDeadlineMs: options.ackDeadlineMs ?? 3000,
    limiter,
    faults,
    requests,
    cdnRequests,
    rateLimitHits,
    identifiesSoFar: () => identifies.length,
    onRequest: options.onRequest,
  });
  const driver = createDriver({
    state,
    gateway,
    now,
    applicationId,
    tokenTtlMs: () => tokenTtlMs,
    attachmentSizeLimit,
    sessionWaitMs: options.sessionWaitMs ?? 5000,
    requireRegisteredCommands: options.requireRegisteredCommands ?? false,
  });

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    rest.handle(req, res).catch((error: unknown) => {
      // An emulator bug must surface in the test, not turn into a hang.
      console.error('discord emulator: handler failed', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: 'emulator bug', code: 0 }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${hostPart}:${address.port}`;
  state.origin = origin;
  gateway.url = `ws://${hostPart}:${address.port}/gateway`;

  let closing: Promise<void> | undefined;

  const emulator: DiscordEmulator = {
    origin,
    apiBase: `${origin}/api`,
    gatewayUrl: gateway.url,
    applicationId,
    botUser: state.botUser,
    token: options.token,
    requests,
    cdnRequests,
    rateLimitHits,
    identifies,
    dispatches,

    addGuild(input) {
      const guild = state.addGuild(input);
      gateway.dispatchGuildCreate(guild);
      return guild;
    },
    addUser: (input) => state.ensureUser(input),
    dmChannel(user) {
      const found = typeof user === 'string' ? state.users.get(user) : state.ensureUser(user);
      if (found === undefined) throw new Error(`discord emulator: unknown user ${String(user)}`);
      return state.dmChannel(found);
    },
    guild: (id) => state.guilds.get(id),
    channel: (id) => state.channels.get(id),
    user: (id) => state.users.get(id),

    waitForReady: (timeoutMs = 10_000) => gateway.waitForReady(timeoutMs),
    sessions: () => gateway.info(),
    ...driver,
    disconnect: (opts) => gateway.disconnect(opts),
    linkPreview: (input) => linkPreview(state, input),
    mediaFetch: createMediaFetch(origin),

    registeredCommands: (guildId) => state.registered(guildId ?? 'global').slice(),
    messages: (channelId, query) => state.channelMessages(channelId, query),
    message: (id) => state.messages.get(id),
    interaction: (id) => state.interactions.get(id),
    interactions: () => [...state.interactions.values()],
    waitFor: (probe, timeoutMs = 5000) => state.waitFor(probe, timeoutMs),

    configure(next) {
      faults.configure(next);
    },
    reset() {
      requests.length = 0;
      cdnRequests.length = 0;
      rateLimitHits.length = 0;
      dispatches.length = 0;
      faults.clear();
      limiter.clear();
      state.clearTraffic();
    },
    close() {
      closing ??= (async () => {
        await gateway.close();
        const closed = new Promise<void>((resolve, reject) =>
          server.close((error) => (error === undefined ? resolve() : reject(error))),
        );
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
  return emulator;
}
