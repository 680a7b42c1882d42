import type { ServerResponse } from 'node:http';
import type { Config } from './config.js';
import type { ChatPlatform } from './platforms.js';

/**
 * GET /healthz: ready when the store answers and every chat platform this process runs is connected. Served
 * on the HTTP ports the bot already has (Slack's receiver in HTTP mode, METRICS_PORT); the Docker image's
 * HEALTHCHECK asks it through bin/healthcheck.ts. The answer says only up or down per part: Slack's port is
 * public, so no error text, URL or count goes into it.
 */

export type PartState = 'ok' | 'down' | 'starting';
export type PlatformState = 'connected' | 'disconnected' | 'starting';

export interface HealthReport {
  ok: boolean;
  store: PartState;
  platforms: Partial<Record<ChatPlatform, PlatformState>>;
}

export type HealthCheck = () => Promise<HealthReport>;

/** A store that does not answer within this counts as down (a health check must answer quickly itself). */
const STORE_TIMEOUT_MS = 2000;

export function createHealthCheck(options: {
  storeAnswers: () => Promise<boolean>;
  /** Each platform this process runs, connected or not right now. */
  platforms: () => Partial<Record<ChatPlatform, boolean>>;
  storeTimeoutMs?: number;
}): HealthCheck {
  return async () => {
    const storeOk = await withTimeout(options.storeAnswers(), options.storeTimeoutMs ?? STORE_TIMEOUT_MS);
    const platforms: HealthReport['platforms'] = {};
    let allConnected = true;
    for (const [platform, connected] of Object.entries(options.platforms()) as Array<
      [ChatPlatform, boolean]
    >) {
      platforms[platform] = connected ? 'connected' : 'disconnected';
      allConnected &&= connected;
    }
    return { ok: storeOk && allConnected, store: storeOk ? 'ok' : 'down', platforms };
  };
}

/**
 * /healthz for a process whose ports open before everything is connected (the metrics server first, Slack's
 * receiver before the bot has started): it answers "starting" until `ready` hands it the real check.
 */
export function healthWhileStarting(platforms: readonly ChatPlatform[]): {
  check: HealthCheck;
  ready(check: HealthCheck): void;
} {
  const starting: HealthReport = {
    ok: false,
    store: 'starting',
    platforms: Object.fromEntries(platforms.map((platform) => [platform, 'starting'])),
  };
  let current: HealthCheck = () => Promise.resolve(starting);
  return {
    check: () => current(),
    ready(check) {
      current = check;
    },
  };
}

/** Answers a /healthz request: 200 when ready, 503 otherwise, JSON either way, never cached. */
export async function writeHealth(res: ServerResponse, check: HealthCheck): Promise<void> {
  let report: HealthReport;
  try {
    report = await check();
  } catch {
    report = { ok: false, store: 'down', platforms: {} };
  }
  res
    .writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(report));
}

/**
 * Where this configuration serves /healthz, seen from inside the bot's own host or container: Slack's HTTP
 * receiver when Slack runs in HTTP mode (it listens on every interface), otherwise the metrics server.
 * Undefined when the bot has no HTTP port (Discord only, or Slack over Socket Mode, without METRICS_PORT).
 */
export function healthUrl(config: Pick<Config, 'slack' | 'metricsPort' | 'metricsHost'>): string | undefined {
  if (config.slack && config.slack.appToken === undefined && config.slack.port !== 0) {
    return `http://127.0.0.1:${config.slack.port}/healthz`;
  }
  if (config.metricsPort !== undefined && config.metricsPort !== 0) {
    const host = ['0.0.0.0', '::', ''].includes(config.metricsHost) ? '127.0.0.1' : config.metricsHost;
    return `http://${host.includes(':') ? `[${host}]` : host}:${config.metricsPort}/healthz`;
  }
  return undefined;
}

function withTimeout(answer: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  return Promise.race([answer.catch(() => false), late]).finally(() => clearTimeout(timer));
}
