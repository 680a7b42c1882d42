import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { posts, startFaultBot, type FaultBot } from './harness.js';

/**
 * Redis (the test's own redis-server on a free port, append-only with fsync on every write, in a temp dir)
 * is killed with SIGKILL while jobs run and started again on the same files. The bot's Redis client queues
 * commands while it reconnects, so every job is delivered once and every reservation ends committed: no
 * quota lost or counted twice. redis-server missing is a failure, never a skip (install: apt-get install -y
 * redis-server).
 */
let dir: string;
let port: number;
let redis: ChildProcess | undefined;
let bot: FaultBot;

async function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() === 'PONG')
        return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fault-redis-'));
  port = await freePort();
  redis = await startRedis();
  bot = await startFaultBot({
    generationMs: 3000,
    users: 4,
    env: { STORE_URL: `redis://127.0.0.1:${port}`, QUOTA_DEFAULT: '2' },
  });
}, 60_000);
afterAll(async () => {
  await bot?.close();
  redis?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('Redis restarts mid-run', () => {
  it('delivers every running job once and keeps the quota exact', async () => {
    const handles = await Promise.all(
      bot.users.slice(0, 3).map((user, i) =>
        bot.discord.slashCommand({
          channelId: bot.channelId,
          guildId: bot.guildId,
          user,
          name: 'imagine',
          options: [{ name: 'prompt', value: `through the restart ${i}` }],
        }),
      ),
    );
    await bot.discord.waitFor(() => bot.video.jobs.size === 3, 10_000);
    const down = new Promise((resolve) => redis?.once('exit', resolve));
    redis?.kill('SIGKILL');
    await down;
    // Down for 2 s, across the moment the jobs complete upstream and want to commit.
    await new Promise((r) => setTimeout(r, 2000));
    redis = await startRedis();

    const finals = await Promise.all(
      handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 30_000)),
    );
    expect(finals).toHaveLength(3);
    for (const handle of handles) {
      const uploads = bot.discord.requests.filter(
        (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
      );
      expect(uploads).toHaveLength(1);
    }
    expect(posts(bot.video)).toHaveLength(3);
    // The record writes after each upload go through the store's own Redis client, which may still be
    // reconnecting (with backoff) when the uploads land: wait for them to settle rather than a fixed time.
    const settled = (list: Array<{ reservation: string }>) => list.every((r) => r.reservation !== 'reserved');
    for (let waited = 0; waited < 15_000 && !settled(await bot.app.jobs.list({})); waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const records = await bot.app.jobs.list({});
    expect(records.map((r) => [r.status, r.reservation])).toEqual(Array(3).fill(['completed', 'committed']));
    for (const user of bot.users.slice(0, 3)) {
      const status = await bot.app.quota.status({
        platform: 'discord',
        spaceId: bot.guildId,
        userId: user.id,
      });
      expect(status.used).toBe(1);
    }

    // After the restart the ledger still refuses at the limit: user0 has 1 of 2 left, so one more then no.
    const user0 = bot.users[0];
    if (!user0) throw new Error('user0');
    const again = async (prompt: string) =>
      bot.discord.slashCommand({
        channelId: bot.channelId,
        guildId: bot.guildId,
        user: user0,
        name: 'imagine',
        options: [{ name: 'prompt', value: prompt }],
      });
    const second = await again('second after restart');
    await second.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const third = await again('third after restart');
    await bot.discord.waitFor(() => third.followups().length > 0 || third.original()?.ephemeral, 5000);
    const notice = third.followups()[0] ?? third.original();
    expect(notice?.content).toMatch(/used 2 of your 2 videos today/);
  }, 90_000);
});
