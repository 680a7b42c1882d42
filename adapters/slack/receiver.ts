import { HTTPReceiver, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import type { AckFirst } from './ack-first.js';

/**
 * Bolt's HTTP receiver (signatures checked as usual), refusing requests stamped too far in the future as well.
 * Slack says to ignore a request whose timestamp is more than five minutes from local time, either way
 * (https://api.slack.com/authentication/verifying-requests-from-slack); Bolt 5.1's verifySlackRequest only
 * refuses the stale ones, so a signed request captured with a clock set ahead could be replayed for as long
 * as that clock lead. The check runs on the header before the body is read; the signature is still Bolt's to
 * verify.
 */

export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export interface FreshRequestsReceiverOptions {
  signingSecret: string;
  port: number;
  boltLogger: BoltLogger;
  log: Logger;
  /** Extra GET routes on the same port (/healthz). */
  customRoutes?: CustomRoute[];
  /** Told of every request until it is answered, so follow-up work lets the waiting acks go first. */
  ackFirst?: AckFirst;
  now?: () => number;
}

export function freshRequestsReceiver(options: FreshRequestsReceiverOptions): HTTPReceiver {
  const now = options.now ?? Date.now;
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    port: options.port,
    logger: options.boltLogger,
    customRoutes: options.customRoutes,
  });
  const verifying = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    const aheadSeconds = stamp - Math.floor(now() / 1000);
    if (Number.isFinite(stamp) && aheadSeconds > MAX_CLOCK_SKEW_SECONDS) {
      options.log.warn({ aheadSeconds }, 'refused a Slack request stamped in the future');
      res.writeHead(401);
      res.end();
      return;
    }
    options.ackFirst?.track(res);
    verifying(req, res);
  };
  return receiver;
}
