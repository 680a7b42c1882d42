import { createServer } from 'node:http';
import { closeServer, flattenHeaders, listen, trackSockets } from '../emulators/http-util.js';
import type { Socket } from 'node:net';

/**
 * A service inside the bot's network that the video API must not be able to point the bot at: a plain HTTP
 * server on a loopback address other than the API's own (127.0.0.1). It answers every request with `body`
 * labelled `video/mp4`: by default a secret-looking text file; a test passes a real MP4 to show that the
 * address guard alone (not the check of the file's first bytes) keeps it out.
 */
export interface InternalService {
  /** `http://host:port`. */
  origin: string;
  port: number;
  /** Every request that reached it, path and headers. */
  requests: Array<{ path: string; headers: Record<string, string | undefined> }>;
  close(): Promise<void>;
}

export async function startInternalService(
  options: { host?: string; body?: Buffer } = {},
): Promise<InternalService> {
  const body = options.body ?? Buffer.from('INTERNAL ONLY: db_password=hunter2\n');
  const requests: InternalService['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '/', headers: flattenHeaders(req) });
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(body.length) });
    res.end(body);
  });
  const sockets = new Set<Socket>();
  trackSockets(server, sockets);
  const origin = await listen(server, 0, options.host ?? '127.0.0.2');
  return {
    origin,
    port: Number(new URL(origin).port),
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}
