import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerStats } from './child-stats.js';

/**
 * The baseline of bench/slack-burst.ts, in its own process like the bot: a bare node:http server doing the
 * least any Slack app must before it answers — read the body, refuse a timestamp more than five minutes off,
 * check the v0 HMAC-SHA256 signature of `v0:{ts}:{body}` with the signing secret — and answer 200 with an
 * empty body, as Bolt acknowledges a slash command. The bot's ack p99 is reported as a ratio of this server's,
 * measured the same way on the same machine, so the figure is the bot's own cost, not the machine's load.
 * argv[2]: the signing secret. Prints "port <n>" once listening.
 */
const secret = process.argv[2];
if (!secret) throw new Error('usage: slack-burst-bare.ts <signing secret>');
const MAX_SKEW_SECONDS = 5 * 60;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    const signature = String(req.headers['x-slack-signature'] ?? '');
    const fresh = Number.isFinite(stamp) && Math.abs(Date.now() / 1000 - stamp) <= MAX_SKEW_SECONDS;
    const expected = `v0=${createHmac('sha256', secret).update(`v0:${stamp}:${body}`).digest('hex')}`;
    const signed =
      signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    res.writeHead(fresh && signed ? 200 : 401);
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
answerStats();
process.once('SIGTERM', () => process.exit(0));
