import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { openState } from '../../src/store/open-state.js';
import { freePort } from '../helpers/net.js';
import { ensureRedis } from '../helpers/redis.js';

describe('openState', () => {
  it('opens the backend STORE_URL names', async () => {
    const memory = await openState('memory://', silentLogger());
    expect([memory.state.backend, memory.redis]).toEqual(['memory', undefined]);
    await memory.close();
    const dir = await mkdtemp(join(tmpdir(), 'open-state-'));
    try {
      const sqlite = await openState(`sqlite://${join(dir, 'bot.sqlite')}`, silentLogger());
      expect([sqlite.state.backend, sqlite.redis]).toEqual(['sqlite', undefined]);
      await sqlite.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(openState('postgres://x', silentLogger())).rejects.toThrow(/STORE_URL must start with/);
  });

  it('names Redis, without its password, when it does not answer at start', async () => {
    const port = await freePort();
    const failure = openState(`redis://:hunter2@127.0.0.1:${port}/3`, silentLogger(), {
      redisReadyTimeoutMs: 300,
    });
    await expect(failure).rejects.toThrow(`Redis at redis://127.0.0.1:${port}/3: no connection within 0.3 s`);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('names the SQLite file when it cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-state-'));
    try {
      await writeFile(join(dir, 'file'), '');
      const path = join(dir, 'file', 'bot.sqlite');
      await expect(openState(`sqlite://${path}`, silentLogger())).rejects.toThrow(
        `SQLite store at ${path}: `,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says whether the store answers', async () => {
    const memory = await openState('memory://', silentLogger());
    expect(await memory.answers()).toBe(true);
    await memory.close();
    const redis = await openState(ensureRedis(), silentLogger());
    expect(await redis.answers()).toBe(true);
    // As while Redis restarts: the client is not connected, and commands would only queue.
    redis.redis?.disconnect();
    expect(await redis.answers()).toBe(false);
    await redis.close().catch(() => undefined);
  });

  it('gives an app on Redis one connection for state, dedup marks and the quota ledger', async () => {
    const url = ensureRedis();
    const observer = new Redis(url);
    // Client ids only grow: every connection opened after the observer's has a larger one. Run under the
    // Redis test lock, so no other test opens connections meanwhile.
    const mark = Number(await observer.client('ID'));
    const opened = async () =>
      String(await observer.client('LIST'))
        .split('\n')
        .map((line) => ({ id: Number(/\bid=(\d+)/.exec(line)?.[1]), name: /\bname=(\S*)/.exec(line)?.[1] }))
        .filter((client) => client.id > mark);
    try {
      const app = await openApp(parseConfig({ STORE_URL: url }), silentLogger(), { needsGeneration: false });
      try {
        const subject = { platform: 'discord' as const, spaceId: 'one-connection', userId: 'u1' };
        await app.quota.status(subject);
        await app.jobs.get('no-such-job');
        await app.settings.get(subject);
        await app.firstSeen(`test:one-connection:${Date.now()}`, 1000);
        expect(await opened()).toEqual([{ id: expect.any(Number), name: `gvb:${process.pid}` }]);
      } finally {
        await app.close();
      }
      expect(await opened()).toEqual([]);
    } finally {
      await observer.quit();
    }
  });
});
