import { ownsRecord } from '../adapters/discord/sharding.js';
import { REGISTRY } from '../commands/index.js';
import { openApp } from '../src/app.js';
import { createBot } from '../src/core/bot.js';
import { loadConfig } from '../src/config.js';
import { createHealthCheck, healthWhileStarting } from '../src/health.js';
import { createLogger } from '../src/log.js';
import { sweepDownloadLeftovers } from '../src/video-api/download-sweep.js';
import { runMain } from './run-main.js';

/**
 * One Discord shard process, spawned by the sharding manager (`npm start` with DISCORD_SHARDS; see
 * adapters/discord/sharding.ts), never started by hand. discord.js gives it SHARDS and SHARD_COUNT, which
 * `new Client()` picks up. It opens the shared store, runs the Discord adapter for its shards and the jobs
 * started there, and resumes the unfinished Discord jobs of its own guilds (DMs: shard 0) that an earlier
 * process left; on SIGTERM, or when the manager goes away, it stops taking commands and keeps job records.
 */

const MANAGER_GONE = 'manager gone';

async function main(): Promise<number> {
  const config = loadConfig();
  const discordConfig = config.discord;
  const shardIds = discordConfig?.shardIds;
  const shardCount = discordConfig?.shardCount;
  if (!discordConfig || !shardIds || !shardCount) {
    console.error('bin/discord-shard.ts is started by `npm start` with DISCORD_SHARDS set, not by hand.');
    return 1;
  }
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    secrets: [config.videoApi.apiKey, discordConfig.token],
  }).child({ shard: shardIds.length === 1 ? shardIds[0] : shardIds, shardCount });

  // Signals may arrive while connecting; the shutdown below waits for the start to finish first.
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    // The manager died (even by SIGKILL): leave rather than keep a gateway session nobody supervises.
    process.once('disconnect', () => resolve(MANAGER_GONE));
  });
  // discord.js reports the gateway closing to the manager over IPC; with the manager gone, that send fails
  // with an 'error' event on `process`, which would otherwise crash the shutdown half-way.
  process.on('error', (error) => {
    const code = 'code' in error ? error.code : undefined;
    if (code === 'ERR_IPC_CHANNEL_CLOSED') logger.debug('the manager is gone; a message to it was dropped');
    else logger.error({ err: error }, 'shard process error');
  });

  // Each shard process serves its own figures, on the port after the manager's plus its first shard id.
  const metricsPort =
    config.metricsPort === undefined || config.metricsPort === 0
      ? config.metricsPort
      : config.metricsPort + 1 + (shardIds[0] ?? 0);
  const health = healthWhileStarting(['discord']);
  const metrics =
    metricsPort === undefined
      ? undefined
      : await (
          await import('../src/metrics.js')
        ).startMetricsServer({
          port: metricsPort,
          host: config.metricsHost,
          logger,
          health: health.check,
        });
  const app = await openApp(config, logger, { observe: metrics?.observe });
  metrics?.watchBudget(() => app.quota.budget());
  // A process killed mid-job leaves its downloads behind: remove them before this one makes any.
  await sweepDownloadLeftovers({ logger });
  const { createDiscordAdapter } = await import('../adapters/discord/index.js');
  const bot = createBot({ app, registry: REGISTRY, logger });
  bot.add(createDiscordAdapter({ config: discordConfig, logger }));
  await bot.start();
  health.ready(
    createHealthCheck({ storeAnswers: () => app.storeAnswers(), platforms: () => bot.connected() }),
  );

  // In-process (SQLite), this shard resumes its own guilds' unfinished jobs; with Redis, its BullMQ worker
  // takes any Discord job (REST reaches every guild), whichever shard acknowledged it.
  void bot
    .startWorkers({ owns: (record) => ownsRecord(record, shardIds, shardCount) })
    .then((settled) => {
      if (settled.length > 0) logger.info({ jobs: settled.length }, 'resumed jobs from the previous run');
    })
    .catch((error: unknown) => logger.error({ err: error }, 'resuming jobs failed'));

  const signal = await stopRequested;
  logger.info({ signal }, 'shard shutting down; running jobs resume on the next start');
  // Without a manager a new one may already be starting this shard again: let go of running jobs at once
  // (their records stay for it to resume) instead of finishing them beside it.
  await bot.stop(signal === MANAGER_GONE ? 0 : undefined);
  await app.close();
  await metrics?.close();
  return 0;
}

runMain(main);
