/**
 * The gateway: a `ws` server on the REST port at `/gateway`. HELLO, IDENTIFY, READY (+ GUILD_CREATE),
 * heartbeats, RESUME with replay, several shards, and dispatches addressed by guild (shard = (guild >> 22) %
 * count, DMs on shard 0).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { z } from 'zod';
import { apiGuildCreate, apiMember, apiUser, gatewayMessage } from './payloads.js';
import type { DiscordState } from './state.js';
import type {
  DiscordFaults,
  EmulatedGuild,
  GatewaySessionInfo,
  RecordedDispatch,
  RecordedIdentify,
  StoredMessage,
} from './types.js';
import { Intents, shortHash } from './util.js';

export interface GatewayConfig {
  state: DiscordState;
  now: () => number;
  token: string | undefined;
  applicationId: string;
  applicationFlags: number;
  recommendedShards: number;
  heartbeatIntervalMs: number;
  privilegedIntents: number;
  readyGuilds: 'empty' | 'unavailable';
  faults: () => DiscordFaults;
  identifies: RecordedIdentify[];
  dispatches: RecordedDispatch[];
}

interface Frame {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

const REPLAY_BUFFER = 1000;
/** Close codes after which Discord will not accept a RESUME. */
const NON_RESUMABLE = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);

export class GatewaySession {
  seq = 0;
  readonly buffer: Frame[] = [];
  socket: WebSocket | null = null;
  resumable = true;
  /** Set once READY has been sent. */
  ready = false;

  constructor(
    readonly id: string,
    readonly shard: [number, number],
    readonly intents: number,
    readonly token: string,
  ) {}

  has(intent: number): boolean {
    return (this.intents & intent) !== 0;
  }
}

const identifySchema = z.looseObject({
  token: z.string().min(1),
  intents: z.number().int().nonnegative(),
  properties: z.looseObject({}),
  shard: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).nullish(),
  compress: z.boolean().nullish(),
  large_threshold: z.number().int().nullish(),
  presence: z.unknown().optional(),
});

const resumeSchema = z.looseObject({
  token: z.string(),
  session_id: z.string(),
  seq: z.number().int().nullable(),
});

const requestMembersSchema = z.looseObject({
  guild_id: z.string(),
  query: z.string().nullish(),
  limit: z.number().int().nullish(),
  user_ids: z.union([z.string(), z.array(z.string())]).nullish(),
  nonce: z.string().nullish(),
});

export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly sockets = new Set<WebSocket>();
  url = '';

  constructor(private readonly config: GatewayConfig) {
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://emulator').pathname;
    if (pathname !== '/gateway' && pathname !== '/gateway/') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  // -------------------------------------------------------------------------------------------------------
  // Sessions

  /** The shard count clients identified with (or the recommended count before anyone did). */
  shardCount(): number {
    for (const session of this.liveSessions()) return session.shard[1];
    return this.config.recommendedShards;
  }

  shardFor(guildId: string | null): number {
    if (guildId === null) return 0;
    return Number((BigInt(guildId) >> 22n) % BigInt(this.shardCount()));
  }

  private liveSessions(): GatewaySession[] {
    return [...this.sessions.values()].filter((s) => s.resumable && s.ready).reverse();
  }

  session(shardId: number): GatewaySession | undefined {
    return this.liveSessions().find((s) => s.shard[0] === shardId);
  }

  waitForSession(shardId: number, timeoutMs: number): Promise<GatewaySession> {
    return this.config.state.waitFor(
      () => this.session(shardId),
      timeoutMs,
      `a gateway session on shard ${shardId} (is the client logged in?)`,
    );
  }

  async waitForReady(timeoutMs: number): Promise<void> {
    await this.config.state.waitFor(
      () => {
        const count = this.shardCount();
        for (let shard = 0; shard < count; shard += 1) {
          const session = this.session(shard);
          if (session === undefined || session.socket === null) return false;
        }
        return true;
      },
      timeoutMs,
      'every shard to be identified',
    );
  }

  info(): GatewaySessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      sessionId: s.id,
      shard: s.shard,
      intents: s.intents,
      connected: s.socket !== null,
      resumable: s.resumable,
      seq: s.seq,
    }));
  }

  /**
   * Sends a dispatch to the session serving `guildId`'s shard. `build` may tailor (or drop, with null) the
   * payload per session, e.g. for intents. Returns false when no session serves that shard.
   */
  dispatch(t: string, guildId: string | null, build: (session: GatewaySession) => unknown): boolean {
    const session = this.session(this.shardFor(guildId));
    if (session === undefined) return false;
    const d = build(session);
    if (d === null || d === undefined) return true;
    this.send(session, t, d);
    return true;
  }

  /** Sends `d` as it is, null included (a malformed event), to the session serving `guildId`'s shard. */
  dispatchRaw(t: string, guildId: string | null, d: unknown): boolean {
    const session = this.session(this.shardFor(guildId));
    if (session === undefined) return false;
    this.send(session, t, d);
    return true;
  }

  /**
   * Sends one dispatch to every live session of `guildId`'s shard, as when two processes identified as the
   * same shard (a duplicated deployment). Returns how many got it.
   */
  dispatchToEverySession(t: string, guildId: string | null, d: unknown): number {
    const shard = this.shardFor(guildId);
    const sessions = this.liveSessions().filter((s) => s.shard[0] === shard);
    for (const session of sessions) this.send(session, t, d);
    return sessions.length;
  }

  dispatchGuildCreate(guild: EmulatedGuild): void {
    this.dispatch('GUILD_CREATE', guild.id, (session) =>
      session.has(Intents.Guilds)
        ? apiGuildCreate(this.config.state, guild, session.has(Intents.GuildMembers))
        : null,
    );
  }

  /**
   * MESSAGE_CREATE / MESSAGE_UPDATE as Discord sends them: only with the GuildMessages (guild) or
   * DirectMessages (DM) intent, never for ephemeral messages, and with content, embeds, attachments and
   * components blanked without MessageContent (unless in a DM, from the bot, or mentioning the bot).
   */
  emitMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: StoredMessage): void {
    if (message.ephemeral) return;
    const state = this.config.state;
    this.dispatch(t, message.guildId, (session) => {
      const dm = message.guildId === null;
      if (!session.has(dm ? Intents.DirectMessages : Intents.GuildMessages)) return null;
      const bot = state.botUser.id;
      // The referenced message of a reply is judged on its own: mentioning the bot in a reply does not
      // reveal the content of the message it replies to.
      const strip = (m: StoredMessage) =>
        !dm && !session.has(Intents.MessageContent) && m.author.id !== bot && !m.mentions.users.includes(bot);
      return gatewayMessage(state, message, strip);
    });
  }

  emitMessageDelete(message: StoredMessage): void {
    if (message.ephemeral) return;
    this.dispatch('MESSAGE_DELETE', message.guildId, (session) => {
      const dm = message.guildId === null;
      if (!session.has(dm ? Intents.DirectMessages : Intents.GuildMessages)) return null;
      const d: Record<string, unknown> = { id: message.id, channel_id: message.channelId };
      if (message.guildId !== null) d.guild_id = message.guildId;
      return d;
    });
  }

  private send(session: GatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    const frame: Frame = { op: 0, t, s: session.seq, d };
    session.buffer.push(frame);
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    this.config.dispatches.push({
      at: this.config.now(),
      shard: session.shard[0],
      sessionId: session.id,
      t,
      s: session.seq,
      d,
    });
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify(frame));
  }

  disconnect(options: { shard?: number; code?: number } = {}): void {
    const code = options.code ?? 4000;
    for (const session of this.sessions.values()) {
      if (options.shard !== undefined && session.shard[0] !== options.shard) continue;
      if (session.socket === null) continue;
      if (NON_RESUMABLE.has(code)) session.resumable = false;
      session.socket.close(code, 'emulator disconnect');
      session.socket = null;
    }
    this.config.state.notify();
  }

  clearSessions(): void {
    this.sessions.clear();
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // -------------------------------------------------------------------------------------------------------
  // Connections

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.sockets.add(ws);
    const query = new URL(req.url ?? '/', 'http://emulator').searchParams;
    let session: GatewaySession | undefined;
    const closeWith = (code: number, reason: string): void => {
      if (session !== undefined && NON_RESUMABLE.has(code)) session.resumable = false;
      ws.close(code, reason);
    };
    const raw = (frame: Frame): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };

    ws.on('close', (code) => {
      this.sockets.delete(ws);
      if (session !== undefined && session.socket === ws) {
        session.socket = null;
        // A client closing with 1000/1001 ends its session; other codes leave it resumable.
        if (code === 1000 || code === 1001) session.resumable = false;
        this.config.state.notify();
      }
    });
    ws.on('error', () => undefined);

    const version = query.get('v');
    if (version !== null && version !== '10') {
      closeWith(4012, 'Invalid API version');
      return;
    }
    const encoding = query.get('encoding');
    if ((encoding !== null && encoding !== 'json') || query.has('compress')) {
      closeWith(4002, 'Only uncompressed JSON is emulated');
      return;
    }

    raw({
      op: 10,
      d: { heartbeat_interval: this.config.heartbeatIntervalMs, _trace: ['["emu-gateway"]'] },
      s: null,
      t: null,
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(rawToString(data));
      } catch {
        frame = undefined;
      }
      if (typeof frame !== 'object' || frame === null || !('op' in frame) || typeof frame.op !== 'number') {
        closeWith(4002, 'Decode error');
        return;
      }
      const d = 'd' in frame ? frame.d : undefined;
      switch (frame.op) {
        case 1:
          if (!this.config.faults().ignoreHeartbeats) raw({ op: 11, d: null, s: null, t: null });
          return;
        case 2: {
          if (session !== undefined) {
            closeWith(4005, 'Already authenticated');
            return;
          }
          session = this.identify(ws, d, closeWith);
          return;
        }
        case 6: {
          if (session !== undefined) {
            closeWith(4005, 'Already authenticated');
            return;
          }
          session = this.resume(ws, d, raw);
          return;
        }
        case 3:
        case 4:
        case 31:
          if (session === undefined) closeWith(4003, 'Not authenticated');
          return;
        case 8:
          if (session === undefined) closeWith(4003, 'Not authenticated');
          else this.requestMembers(session, d);
          return;
        default:
          closeWith(4001, 'Unknown opcode');
      }
    });
  }

  private identify(
    ws: WebSocket,
    d: unknown,
    closeWith: (code: number, reason: string) => void,
  ): GatewaySession | undefined {
    const parsed = identifySchema.safeParse(d);
    if (!parsed.success) {
      closeWith(4002, 'Decode error');
      return undefined;
    }
    const identify = parsed.data;
    const shard: [number, number] = identify.shard ?? [0, 1];
    this.config.identifies.push({
      at: this.config.now(),
      token: identify.token,
      intents: identify.intents,
      shard: identify.shard ?? null,
      properties: identify.properties,
    });
    if (this.config.token !== undefined && identify.token.replace(/^Bot\s+/i, '') !== this.config.token) {
      closeWith(4004, 'Authentication failed.');
      return undefined;
    }
    if (shard[0] >= shard[1]) {
      closeWith(4010, 'Invalid shard.');
      return undefined;
    }
    const privileged = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;
    if ((identify.intents & privileged & ~this.config.privilegedIntents) !== 0) {
      closeWith(4014, 'Disallowed intent(s).');
      return undefined;
    }
    const session = new GatewaySession(
      shortHash(`${identify.token}:${shard[0]}:${Math.random()}`),
      shard,
      identify.intents,
      identify.token,
    );
    session.socket = ws;
    this.sessions.set(session.id, session);
    const state = this.config.state;
    const guilds = [...state.guilds.values()].filter(
      (g) => Number((BigInt(g.id) >> 22n) % BigInt(shard[1])) === shard[0],
    );
    const bot = state.botUser;
    this.send(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...apiUser(bot), verified: true, mfa_enabled: false, flags: 0, email: null },
      guilds:
        this.config.readyGuilds === 'unavailable' ? guilds.map((g) => ({ id: g.id, unavailable: true })) : [],
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard,
      application: { id: this.config.applicationId, flags: this.config.applicationFlags },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['emulated'],
      auth: {},
      _trace: ['["emu-gateway"]'],
    });
    session.ready = true;
    if (session.has(Intents.Guilds)) {
      for (const guild of guilds)
        this.send(session, 'GUILD_CREATE', apiGuildCreate(state, guild, session.has(Intents.GuildMembers)));
    }
    state.notify();
    return session;
  }

  private resume(ws: WebSocket, d: unknown, raw: (frame: Frame) => void): GatewaySession | undefined {
    const parsed = resumeSchema.safeParse(d);
    const session = parsed.success ? this.sessions.get(parsed.data.session_id) : undefined;
    if (
      !parsed.success ||
      session === undefined ||
      !session.resumable ||
      session.token !== parsed.data.token
    ) {
      raw({ op: 9, d: false, s: null, t: null });
      return undefined;
    }
    if (session.socket !== null && session.socket !== ws) session.socket.close(4000, 'Resumed elsewhere');
    session.socket = ws;
    const from = parsed.data.seq ?? 0;
    for (const frame of session.buffer) {
      if (frame.s !== null && frame.s > from) raw(frame);
    }
    this.send(session, 'RESUMED', { _trace: ['["emu-gateway"]'] });
    this.config.state.notify();
    return session;
  }

  private requestMembers(session: GatewaySession, d: unknown): void {
    const parsed = requestMembersSchema.safeParse(d);
    if (!parsed.success) return;
    const state = this.config.state;
    const guild = state.guilds.get(parsed.data.guild_id);
    if (guild === undefined) return;
    const wanted = parsed.data.user_ids;
    const ids = wanted === null || wanted === undefined ? null : Array.isArray(wanted) ? wanted : [wanted];
    const query = (parsed.data.query ?? '').toLowerCase();
    const limit = parsed.data.limit ?? 0;
    let members = [...guild.members.keys()].filter((id) => {
      if (ids !== null) return ids.includes(id);
      return (state.users.get(id)?.username ?? '').toLowerCase().startsWith(query);
    });
    if (limit > 0) members = members.slice(0, limit);
    const payload: Record<string, unknown> = {
      guild_id: guild.id,
      members: members.map((id) => apiMember(state, guild, id)),
      chunk_index: 0,
      chunk_count: 1,
      not_found: ids === null ? [] : ids.filter((id) => !guild.members.has(id)),
    };
    if (parsed.data.nonce) payload.nonce = parsed.data.nonce;
    this.send(session, 'GUILD_MEMBERS_CHUNK', payload);
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
