import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { shardOfSpace } from '../../adapters/discord/sharding.js';
import { createSlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { freePort } from '../helpers/net.js';
import { emptyRedisDatabase } from '../helpers/redis.js';

/**
 * `npm start` (bin/main.ts in a child process) with DISCORD_SHARDS against the Discord emulator with two
 * shards: the manager spawns two shard processes, each identifies with its own shard, each answers /imagine in
 * the guild Discord routes to it, a restart after SIGKILL resumes every job exactly once (by the process
 * owning its guild), Slack runs once (in the manager), SIGTERM stops the manager and both shards cleanly,
 * and the shards leave by themselves when the manager is killed.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Two guild ids Discord routes to different shards of two: `(id >> 22) % 2` is 0 for one, 1 for the other. */
function guildsOnBothShards(): [string, string] {
  const ids: Record<number, string> = {};
  while (ids[0] === undefined || ids[1] === undefined) {
    const id = snowflake();
    ids[shardOfSpace(id, 2)] ??= id;
  }
  return [ids[0], ids[1]];
}

interface World {
  video: VideoApiEmulator;
  discord: DiscordEmulator;
  dir: string;
  slack?: SlackEmulator;
  guilds: Array<{ guildId: string; channelId: string; user: { id: string; username: string } }>;
}

let world: World | undefined;
let bots: ChildProcess[] = [];
const stderrOf = new Map<ChildProcess, string>();

async function startWorld(generationMs: number): Promise<World> {
  const video = await startVideoApiEmulator({ generationMs });
  const guilds = guildsOnBothShards().map((guildId, i) => ({
    guildId,
    channelId: snowflake(),
    user: { id: snowflake(), username: `user${i}` },
  }));
  const discord = await startDiscordEmulator({
    shards: 2,
    maxConcurrency: 2,
    guilds: guilds.map((g) => ({
      id: g.guildId,
      channels: [{ id: g.channelId, name: 'general' }],
      members: [{ user: g.user }],
    })),
  });
  const dir = await mkdtemp(join(tmpdir(), 'discord-shards-'));
  world = { video, discord, dir, guilds };
  return world;
}

afterEach(async () => {
  for (const bot of bots) if (bot.exitCode === null && bot.signalCode === null) bot.kill('SIGKILL');
  bots = [];
  if (!world) return;
  await world.discord.close();
  await world.slack?.close();
  await world.video.close();
  await rm(world.dir, { recursive: true, force: true });
  world = undefined;
});

function startBot(
  w: World,
  shards: string,
  storeUrl?: string,
  env: Record<string, string> = {},
): ChildProcess {
  // Socket Mode: no port to agree on, and the emulator counts the connections Bolt opens.
  const slack = w.slack
    ? { SLACK_BOT_TOKEN: w.slack.botToken, SLACK_APP_TOKEN: w.slack.appToken, SLACK_API_URL: w.slack.apiUrl }
    : {};
  const bot = spawn(process.execPath, ['--import', 'tsx', 'bin/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DISCORD_TOKEN: 'shard-token',
      DISCORD_API_BASE_URL: w.discord.apiBase,
      DISCORD_SHARDS: shards,
      VIDEO_API_BASE_URL: w.video.baseUrl,
      VIDEO_API_KEY: w.video.apiKey,
      STORE_URL: storeUrl ?? `sqlite://${join(w.dir, 'bot.sqlite')}`,
      LOG_LEVEL: 'warn',
      ...slack,
      ...env,
    },
    // The shard processes write to the same stderr (discord.js forks them with inherited stdio).
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  stderrOf.set(bot, '');
  bot.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrOf.set(bot, (stderrOf.get(bot) ?? '') + chunk.toString());
  });
  bots.push(bot);
  return bot;
}

function exitOf(bot: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (bot.exitCode !== null || bot.signalCode !== null) {
    return Promise.resolve({ code: bot.exitCode, signal: bot.signalCode });
  }
  return new Promise((resolve) => bot.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Waits until the emulator has a connected session on each of the two shards. */
async function waitForBothShards(w: World): Promise<void> {
  await w.discord.waitFor(() => {
    const connected = w.discord.sessions().filter((s) => s.connected);
    return connected.some((s) => s.shard[0] === 0) && connected.some((s) => s.shard[0] === 1);
  }, 40_000);
}

function imagine(w: World, i: number) {
  const g = w.guilds[i]!;
  return w.discord.slashCommand({
    channelId: g.channelId,
    guildId: g.guildId,
    user: g.user,
    name: 'imagine',
    options: [{ name: 'prompt', value: `shard test ${i}` }],
  });
}

/** The shard processes (not tsx's esbuild service, also a child of the manager). */
function shardPids(manager: ChildProcess): number[] {
  return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(manager.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('discord-shard'))
    .map((line) => Number.parseInt(line.trim(), 10));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the manager: it and both shard processes exit, and no gateway session stays connected. */
async function stopCleanly(w: World, bot: ChildProcess): Promise<void> {
  const exited = exitOf(bot);
  bot.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
  await w.discord.waitFor(() => w.discord.sessions().every((s) => !s.connected), 5000);
  expect(stderrOf.get(bot)).toBe('');
}

describe('DISCORD_SHARDS: npm start as a sharding manager with two shard processes', () => {
  it('DISCORD_SHARDS=2: each shard serves its guild; after a SIGKILL every job is resumed exactly once', async () => {
    const w = await startWorld(4000);
    const first = startBot(w, '2');
    await waitForBothShards(w);
    const shardsOf = w.discord.identifies.map((identify) => identify.shard);
    expect(shardsOf).toHaveLength(2);
    expect(shardsOf).toEqual(
      expect.arrayContaining([
        [0, 2],
        [1, 2],
      ]),
    );
    // Each guild's events went to a different shard.
    expect(w.guilds.map((g) => shardOfSpace(g.guildId, 2)).sort()).toEqual([0, 1]);

    const handles = await Promise.all([imagine(w, 0), imagine(w, 1)]);
    await Promise.all(handles.map((h) => h.waitForAck(5000)));
    await w.discord.waitFor(() => w.video.jobs.size === 2, 10_000);
    // The upstream id is saved before the first poll: kill only once each job has been polled, else a job
    // whose POST was answered but whose id was not saved yet is (rightly) failed as ambiguous on restart.
    await w.discord.waitFor(
      () =>
        [...w.video.jobs.keys()].every((id) =>
          w.video.requests.some((r) => r.method === 'GET' && r.path.includes(id)),
        ),
      10_000,
    );
    // Kill the manager and both shard processes at once, mid-generation; their records stay unfinished.
    // The shard processes (not tsx's esbuild service, also a child).
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(first.pid)], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((line) => line.includes('discord-shard'))
      .map((line) => Number.parseInt(line.trim(), 10));
    expect(children).toHaveLength(2);
    const killed = exitOf(first);
    first.kill('SIGKILL');
    for (const pid of children) process.kill(pid, 'SIGKILL');
    await killed;
    expect(handles.some((h) => h.original()?.attachments.length)).toBe(false);

    const second = startBot(w, '2');
    // Three processes start again under tsx: on a loaded 2-core CI machine that alone can take half a minute.
    const finals = await Promise.all(
      handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 60_000)),
    );
    for (const final of finals) expect(final.attachments[0]?.bytes).toEqual(w.video.mp4);
    // Give a second (wrong) resumer time to show itself, then: one upload per job, one upstream POST per job.
    await new Promise((r) => setTimeout(r, 1000));
    for (const handle of handles) {
      const uploads = w.discord.requests.filter(
        (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
      );
      expect(uploads).toHaveLength(1);
    }
    expect(w.video.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    await stopCleanly(w, second);
  }, 120_000);

  it.each(['sqlite', 'redis'] as const)(
    'DISCORD_SHARDS=auto reads the count from the emulator’s /gateway/bot (2); Slack runs once, in the manager (%s store)',
    async (store) => {
      const w = await startWorld(500);
      w.slack = await startSlackEmulator({ users: [{ id: 'U0ALICE', name: 'alice' }] });
      let storeUrl: string | undefined;
      if (store === 'redis') {
        // With Redis the shards' BullMQ workers take Discord's jobs and the manager's worker Slack's.
        storeUrl = await emptyRedisDatabase(15);
      }
      const metricsPort = await freePort();
      const bot = startBot(w, 'auto', storeUrl, { METRICS_PORT: String(metricsPort) });
      await waitForBothShards(w);
      expect(w.discord.identifies.map((identify) => identify.shard)).toEqual(
        expect.arrayContaining([
          [0, 2],
          [1, 2],
        ]),
      );
      expect(w.discord.requests.some((r) => r.method === 'GET' && r.route?.endsWith('/gateway/bot'))).toBe(
        true,
      );
      const slack = w.slack;
      await slack.waitFor(() => slack.socket.openConnections > 0, { timeoutMs: 20_000 });

      const handles = await Promise.all([imagine(w, 0), imagine(w, 1)]);
      const driver = createSlackDriver({ emulator: slack, transport: 'socket' });
      const res = await driver.slashCommand({
        command: '/imagine',
        text: 'a slack boat',
        user: 'U0ALICE',
        channel: 'C0GENERAL',
      });
      expect(res.status).toBe(200);
      const finals = await Promise.all(
        handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 20_000)),
      );
      for (const final of finals) expect(final.attachments[0]?.bytes).toEqual(w.video.mp4);
      // A file exists from files.getUploadURLExternal on; its bytes arrive with the upload that follows.
      const uploaded = await slack.waitFor(() => [...slack.files.values()].find((f) => f.bytes.length > 0), {
        timeoutMs: 20_000,
      });
      expect(uploaded.bytes).toEqual(w.video.mp4);
      // One Bolt Socket Mode connection for three processes: Slack runs in the manager only.
      expect(slack.socket.openConnections).toBe(1);
      // The manager's /healthz counts Discord as connected when every shard process is READY.
      const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      expect({ status: health.status, body: await health.json() }).toEqual({
        status: 200,
        body: { ok: true, store: 'ok', platforms: { discord: 'connected', slack: 'connected' } },
      });
      await stopCleanly(w, bot);
      expect(w.discord.identifies).toHaveLength(2);
    },
    40_000,
  );

  it('shard processes leave on their own when the manager is killed with SIGKILL', async () => {
    const w = await startWorld(500);
    const bot = startBot(w, '2');
    await waitForBothShards(w);
    const children = shardPids(bot);
    expect(children).toHaveLength(2);
    bot.kill('SIGKILL');
    await exitOf(bot);
    await w.discord.waitFor(() => children.every((pid) => !alive(pid)), 15_000);
    expect(w.discord.sessions().filter((s) => s.connected)).toEqual([]);
    expect(stderrOf.get(bot)).toBe('');
  }, 30_000);
});
