/**
 * A minimal Socket Mode endpoint: apps.connections.open mints a single-use ticket URL, the client connects,
 * gets `hello`, and envelopes delivered through `deliver()` wait for the client's `{envelope_id, payload}` ack.
 * The server pings every `pingIntervalMs` (the Slack client drops the link after 30 s without one).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'events_api' | 'interactive';

export interface SocketEnvelopeRecord {
  envelopeId: string;
  type: EnvelopeType;
  payload: unknown;
  acceptsResponsePayload: boolean;
  retryAttempt: number | undefined;
  retryReason: string | undefined;
  sentAt: number;
  /** Set when the client acked. */
  ack: { payload: unknown; at: number; latencyMs: number } | undefined;
}

export interface SocketDelivery {
  envelopeId: string;
  acked: boolean;
  /** What came back in the ack's `payload` (Bolt sends `{}` for a bare `ack()`). */
  ackPayload: unknown;
  latencyMs: number;
}

export interface DeliverOptions {
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
  /** How long to wait for the ack. Default 3000 (Slack's own limit). */
  ackTimeoutMs?: number;
}

export interface SocketFrame {
  direction: 'in' | 'out';
  at: number;
  data: unknown;
}

interface Connection {
  ws: WebSocket;
  id: number;
  ping: NodeJS.Timeout;
}

export interface SocketModeHubOptions {
  appId: string;
  pingIntervalMs: number;
  now: () => number;
}

export class SocketModeHub {
  readonly envelopes: SocketEnvelopeRecord[] = [];
  /** Every JSON frame in both directions (hello, envelopes, acks, disconnects). */
  readonly frames: SocketFrame[] = [];
  /** Connection attempts, including refused ones (bad or reused ticket). */
  readonly connectAttempts: { at: number; ticket: string | null; accepted: boolean }[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly connections: Connection[] = [];
  private readonly pending = new Map<string, (payload: unknown) => void>();
  private readonly waiters = new Set<() => void>();
  private nextConnectionId = 1;

  constructor(private readonly options: SocketModeHubOptions) {}

  /** A fresh single-use ticket; apps.connections.open wraps it in a URL. */
  issueTicket(): string {
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    return ticket;
  }

  get openConnections(): number {
    return this.connections.filter((c) => c.ws.readyState === c.ws.OPEN).length;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const ticket = url.searchParams.get('ticket');
    const accepted = ticket !== null && this.tickets.delete(ticket);
    this.connectAttempts.push({ at: this.options.now(), ticket, accepted });
    if (!accepted) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const connection: Connection = {
      ws,
      id: this.nextConnectionId++,
      ping: setInterval(() => {
        if (ws.readyState === ws.OPEN) ws.ping();
      }, this.options.pingIntervalMs),
    };
    this.connections.push(connection);
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawToString(data));
      } catch {
        return;
      }
      this.frames.push({ direction: 'in', at: this.options.now(), data: parsed });
      if (typeof parsed === 'object' && parsed !== null && 'envelope_id' in parsed) {
        const id = String(parsed.envelope_id);
        const payload = 'payload' in parsed ? parsed.payload : undefined;
        this.pending.get(id)?.(payload);
      }
    });
    ws.on('close', () => {
      clearInterval(connection.ping);
      const index = this.connections.indexOf(connection);
      if (index >= 0) this.connections.splice(index, 1);
    });
    ws.on('error', () => ws.terminate());
    this.sendFrame(ws, {
      type: 'hello',
      num_connections: this.openConnections,
      debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.options.appId },
    });
    for (const wake of this.waiters) wake();
  }

  private sendFrame(ws: WebSocket, data: unknown): void {
    this.frames.push({ direction: 'out', at: this.options.now(), data });
    ws.send(JSON.stringify(data));
  }

  /** Resolves once at least one client is connected (and has been sent `hello`). */
  async waitForConnection(timeoutMs = 5000): Promise<void> {
    if (this.openConnections > 0) return;
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no Socket Mode connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  /** Sends an envelope on the newest connection and waits for its ack (or the timeout). */
  async deliver(type: EnvelopeType, payload: unknown, options: DeliverOptions = {}): Promise<SocketDelivery> {
    const connection = this.connections.filter((c) => c.ws.readyState === c.ws.OPEN).at(-1);
    if (connection === undefined) throw new Error('no open Socket Mode connection to deliver to');
    const envelopeId = `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;
    const acceptsResponsePayload = options.acceptsResponsePayload ?? type !== 'events_api';
    const frame: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: acceptsResponsePayload,
    };
    if (type === 'events_api') {
      frame.retry_attempt = options.retryAttempt ?? 0;
      frame.retry_reason = options.retryReason ?? '';
    }
    const record: SocketEnvelopeRecord = {
      envelopeId,
      type,
      payload,
      acceptsResponsePayload,
      retryAttempt: type === 'events_api' ? (options.retryAttempt ?? 0) : undefined,
      retryReason: type === 'events_api' ? (options.retryReason ?? '') : undefined,
      sentAt: this.options.now(),
      ack: undefined,
    };
    this.envelopes.push(record);
    const started = performance.now();
    const timeoutMs = options.ackTimeoutMs ?? 3000;
    const ackPayload = await new Promise<{ acked: boolean; payload: unknown }>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        resolve({ acked: false, payload: undefined });
      }, timeoutMs);
      this.pending.set(envelopeId, (p) => {
        clearTimeout(timer);
        this.pending.delete(envelopeId);
        resolve({ acked: true, payload: p });
      });
      this.sendFrame(connection.ws, frame);
    });
    const latencyMs = performance.now() - started;
    if (ackPayload.acked) record.ack = { payload: ackPayload.payload, at: this.options.now(), latencyMs };
    return { envelopeId, acked: ackPayload.acked, ackPayload: ackPayload.payload, latencyMs };
  }

  /** Asks every client to reconnect, as Slack does before recycling a server (`refresh_requested`). */
  requestReconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    for (const c of this.connections) {
      if (c.ws.readyState === c.ws.OPEN) {
        this.sendFrame(c.ws, { type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } });
      }
    }
  }

  /** Cuts every connection without a close handshake (a network failure). */
  dropConnections(): void {
    for (const c of [...this.connections]) c.ws.terminate();
  }

  reset(): void {
    this.envelopes.length = 0;
    this.frames.length = 0;
    this.connectAttempts.length = 0;
  }

  /**
   * Closes every link with a close handshake (so a client that is itself disconnecting sees a clean close),
   * then terminates whatever has not finished within `graceMs`.
   */
  async close(graceMs = 500): Promise<void> {
    const open = [...this.connections];
    const closed = open.map(
      (c) =>
        new Promise<void>((resolve) => {
          clearInterval(c.ping);
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          if (c.ws.readyState === c.ws.OPEN) c.ws.close(1001, 'emulator closing');
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const c of open) c.ws.terminate();
    this.connections.length = 0;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
