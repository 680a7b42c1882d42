import type { ShardManagerHandle } from '../adapters/discord/sharding.js';
import { REGISTRY } from '../commands/index.js';
import { openApp } from '../src/app.js';
import { createBot } from '../src/core/bot.js';
import { ConfigError, loadConfig, requireVideoApiKey, type Config } from '../src/config.js';
import { createHealthCheck, healthWhileStarting } from '../src/health.js';
import { createLogger } from '../src/log.js';
import { CHAT_PLATFORMS } from '../src/platforms.js';
import { probeVideoApi } from '../src/video-api/probe.js';
import { sweepDownloadLeftovers } from '../src/video-api/download-sweep.js';
import { runMain } from './run-main.js';

/**
 * `npm start`: the bot. Starts every chat adapter whose token is configured, resumes the jobs an earlier
 * process left running, and on SIGTERM stops taking commands while keeping job records for the next start.
 */

function missingSettings(config: Config): string[] {
  const missing: string[] = [];
  try {
    requireVideoApiKey(config);
  } catch (error) {
    if (error instanceof ConfigError) missing.push(...error.problems);
  }
  if (!config.discord && !config.slack) {
    missing.push(
      'No chat platform configured: set DISCORD_TOKEN (Discord) and/or SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN (Slack); see the README',
    );
  }
  return missing;
}

async function main(): Promise<number> {
  const config = loadConfig();
  const missing = missingSettings(config);
  if (missing.length > 0) {
    console.error(`Cannot start the bot:\n  - ${missing.join('\n  - ')}`);
    return 1;
  }
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    secrets: [
      config.videoApi.apiKey,
      config.discord?.token,
      config.slack?.botToken,
      config.slack?.appToken,
      config.slack?.signingSecret,
    ],
  });
  // Listened for from here on: a SIGTERM during start-up (an orchestrator giving up, a fast redeploy) would
  // otherwise kill the process with Node's default action, mid-write. Start-up finishes, then it stops.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const platforms = CHAT_PLATFORMS.filter((platform) => config[platform] !== undefined);
  logger.info({ platforms, store: config.storeUrl.split('://')[0] }, `starting: ${platforms.join(' and ')}`);
  // Logged, never awaited: a slow or absent video API must not hold the platforms back.
  void probeVideoApi({ baseUrl: config.videoApi.baseUrl, apiKey: config.videoApi.apiKey ?? '', logger });
  // GET /healthz answers "starting" on whichever port opens first, until everything below is connected.
  const health = healthWhileStarting(platforms);
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : await (
          await import('../src/metrics.js')
        ).startMetricsServer({
          port: config.metricsPort,
          host: config.metricsHost,
          logger,
          health: health.check,
        });
  const app = await openApp(config, logger, { observe: metrics?.observe });
  metrics?.watchBudget(() => app.quota.budget());
  // A process killed mid-job leaves its downloads behind: remove them before this one makes any.
  await sweepDownloadLeftovers({ logger });
  const pruned = await app.prune();
  if (pruned > 0) logger.info({ pruned }, 'removed old job records');

  const bot = createBot({ app, registry: REGISTRY, logger });
  let shards: ShardManagerHandle | undefined;
  // Each platform's client library is loaded only when it is configured (discord.js ~45 MB, Bolt ~35 MB RSS).
  // With DISCORD_SHARDS this process is the sharding manager: the shard processes run Discord and its jobs
  // (and resume them); Slack, its jobs and pruning stay here. See docs/operations.md.
  if (config.discord?.shards !== undefined) {
    const { startShardManager } = await import('../adapters/discord/sharding.js');
    shards = await startShardManager({ config: config.discord, logger });
  } else if (config.discord) {
    const { createDiscordAdapter } = await import('../adapters/discord/index.js');
    bot.add(createDiscordAdapter({ config: config.discord, logger }));
  }
  if (config.slack) {
    const { createSlackAdapter } = await import('../adapters/slack/index.js');
    bot.add(createSlackAdapter({ config: config.slack, logger, health: health.check }));
  }
  await bot.start();
  health.ready(
    createHealthCheck({
      storeAnswers: () => app.storeAnswers(),
      platforms: () => ({ ...bot.connected(), ...(shards && { discord: shards.connected() }) }),
    }),
  );

  // This process takes jobs of the platforms it runs here (with DISCORD_SHARDS, Discord's are the shards').
  void bot
    .startWorkers()
    .then((settled) => {
      if (settled.length > 0) logger.info({ jobs: settled.length }, 'resumed jobs from the previous run');
    })
    .catch((error: unknown) => logger.error({ err: error }, 'resuming jobs failed'));

  const daily = setInterval(() => void app.prune().catch(() => undefined), 86_400_000);
  daily.unref();

  const signal = await stopSignal;
  logger.info({ signal }, 'shutting down; running jobs resume on the next start');
  await Promise.all([bot.stop(), shards?.stop()]);
  await app.close();
  await metrics?.close();
  return 0;
}

runMain(main);
