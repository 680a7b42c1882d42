import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ShardingManager, type Shard } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../../src/log.js';
import {
  StartupError,
  errorMessage,
  startupStep,
  type DiscordConfig,
  type JobRecord,
} from '../../src/port.js';

/**
 * DISCORD_SHARDS: `npm start` becomes a manager that spawns one shard process per shard through discord.js's
 * ShardingManager (bin/discord-shard.ts is the entry). The manager runs no gateway connection itself; it
 * keeps Slack (one Bolt receiver) and pruning, and stops the shards on SIGTERM.
 */

/** The part of GET /gateway/bot the manager uses. */
const gatewayBotSchema = z.object({
  url: z.string(),
  shards: z.number().int().positive(),
  session_start_limit: z.object({ max_concurrency: z.number().int().positive() }).optional(),
});

export interface GatewayBot {
  /** Discord's recommended shard count. */
  shards: number;
  /** Shards whose `id % maxConcurrency` differ may identify at the same time; others 5 s apart. */
  maxConcurrency: number;
}

/**
 * Asks DISCORD_API_BASE_URL (not discord.com, as ShardingManager's own `auto` would) for the recommended
 * shard count and the identify concurrency.
 */
export async function fetchGatewayBot(
  apiBaseUrl: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
): Promise<GatewayBot> {
  const url = `${apiBaseUrl}/v10/gateway/bot`;
  const response = await startupStep('Discord', url, () =>
    fetchImpl(url, { headers: { Authorization: `Bot ${token}` }, signal: AbortSignal.timeout(15_000) }),
  );
  if (!response.ok) {
    throw new StartupError(
      'Discord',
      url,
      `answered ${response.status}${response.status === 401 ? ' (is DISCORD_TOKEN right?)' : ''}`,
    );
  }
  const parsed = gatewayBotSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new StartupError('Discord', url, `answered unexpectedly: ${parsed.error.message}`);
  return {
    shards: parsed.data.shards,
    maxConcurrency: parsed.data.session_start_limit?.max_concurrency ?? 1,
  };
}

/** The shard Discord sends a space's events to: `(guild_id >> 22) % count`; DMs (`dm:<user>`) go to shard 0. */
export function shardOfSpace(spaceId: string, shardCount: number): number {
  if (!/^\d{1,20}$/.test(spaceId)) return 0;
  return Number((BigInt(spaceId) >> 22n) % BigInt(shardCount));
}

/** Whether a Discord job record belongs to a process connecting `shardIds` out of `shardCount`. */
export function ownsRecord(record: JobRecord, shardIds: readonly number[], shardCount: number): boolean {
  return record.platform === 'discord' && shardIds.includes(shardOfSpace(record.spaceId, shardCount));
}

/** Pause between spawning two shards so no two in one identify bucket (`id % maxConcurrency`) start < 5 s apart. */
export function spawnDelayMs(shardCount: number, maxConcurrency: number): number {
  return maxConcurrency >= shardCount ? 0 : Math.ceil(5500 / maxConcurrency);
}

/** The heap settings the production start gives the process (Dockerfile, `npm start`); its shards run with the same. */
const HEAP_FLAG = /^--(max-semi-space-size|heap-growing-percent)=/;

/** The shard entry next to this build: the .ts source under tsx (`npm start`), the .js file in dist/. */
export function shardEntry(
  moduleUrl: string = import.meta.url,
  parentArgv: readonly string[] = process.execArgv,
): { file: string; execArgv: string[] } {
  const fromSource = moduleUrl.endsWith('.ts');
  return {
    file: fileURLToPath(new URL(`../../bin/discord-shard.${fromSource ? 'ts' : 'js'}`, moduleUrl)),
    execArgv: [
      ...parentArgv.filter((arg) => HEAP_FLAG.test(arg)),
      ...(fromSource ? ['--import', 'tsx'] : []),
    ],
  };
}

export interface ShardManagerOptions {
  config: DiscordConfig;
  logger: Logger;
  /** How long a shard process may take to connect (discord.js's spawn timeout). */
  readyTimeoutMs?: number;
}

export interface ShardManagerHandle {
  shardCount: number;
  /** Every shard process is up and its client READY (discord.js tells the manager over IPC). */
  connected(): boolean;
  /** SIGTERM to every shard process (no respawn), then waits for them to exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startShardManager(options: ShardManagerOptions): Promise<ShardManagerHandle> {
  const { config } = options;
  const log = options.logger.child({ platform: 'discord', role: 'shard-manager' });
  const gateway = await fetchGatewayBot(config.apiBaseUrl, config.token);
  const shardCount = config.shards === 'auto' || config.shards === undefined ? gateway.shards : config.shards;
  const entry = shardEntry();
  const manager = new ShardingManager(entry.file, {
    totalShards: shardCount,
    token: config.token,
    mode: 'process',
    respawn: true,
    execArgv: entry.execArgv,
  });
  let stopping = false;
  manager.on('shardCreate', (shard: Shard) => {
    log.info({ shard: shard.id, shardCount }, 'shard process starting');
    shard.on('death', (child) => {
      const exitCode = 'exitCode' in child ? child.exitCode : undefined;
      if (stopping) log.info({ shard: shard.id, exitCode }, 'shard process stopped');
      else log.error({ shard: shard.id, exitCode }, 'shard process exited; discord.js starts it again');
    });
    shard.on('error', (error) => log.error({ shard: shard.id, err: error }, 'shard process error'));
  });
  const delay = spawnDelayMs(shardCount, gateway.maxConcurrency);
  log.info(
    {
      shardCount,
      requested: config.shards,
      recommended: gateway.shards,
      maxConcurrency: gateway.maxConcurrency,
      spawnDelayMs: delay,
    },
    `starting ${shardCount} Discord shard process${shardCount === 1 ? '' : 'es'}`,
  );

  async function stop(graceMs = 20_000): Promise<void> {
    stopping = true;
    manager.respawn = false;
    await Promise.all(
      [...manager.shards.values()].map((shard) =>
        shard.process ? stopChild(shard.process, graceMs) : undefined,
      ),
    );
  }

  try {
    await manager.spawn({ amount: shardCount, delay, timeout: options.readyTimeoutMs ?? 60_000 });
  } catch (error) {
    await stop(5000);
    // A shard process prints its own reason (naming the URL it failed on) on the same stderr, just above.
    throw new StartupError(
      'Discord',
      config.apiBaseUrl,
      `the shard processes did not connect (${errorMessage(error)})`,
      { cause: error },
    );
  }
  log.info({ shardCount }, 'all Discord shards connected');
  const connected = () =>
    manager.shards.size === shardCount && [...manager.shards.values()].every((shard) => shard.ready);
  return { shardCount, connected, stop };
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
