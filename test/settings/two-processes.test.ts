import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { emptyRedisDatabase } from '../helpers/redis.js';
import { startWorker } from '../helpers/worker.js';

/**
 * Two bot processes on one store (DISCORD_SHARDS on one SQLite file, two instances on one Redis) take /settings
 * edits for the same space at the same moment, 20 each: every one of the 40 ban words is kept, because an edit
 * holds the store's lock, not a lock of its own process.
 */
const WORKER = fileURLToPath(new URL('./settings-worker.ts', import.meta.url));
const DB = 11;
const EDITS = 20;

const stores = [
  { name: 'redis', open: async () => ({ url: await emptyRedisDatabase(DB), dispose: async () => {} }) },
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'settings-two-'));
      return {
        url: `sqlite://${join(dir, 'bot.sqlite')}`,
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];

describe.each(stores)('/settings edits from two processes on one $name store', (store) => {
  it(`keeps all ${2 * EDITS} ban words added at once`, async () => {
    const { url, dispose } = await store.open();
    const space = `g${randomUUID().slice(0, 8)}`;
    try {
      const workers = await Promise.all(
        ['a', 'b'].map((label) => startWorker(WORKER, [url, space, label, String(EDITS)])),
      );
      const startAt = Date.now() + 300;
      for (const worker of workers) worker.go(startAt);
      const results = await Promise.all(workers.map((w) => w.result));
      expect(results).toEqual([
        { added: EDITS, failed: [] },
        { added: EDITS, failed: [] },
      ]);

      const app = await openApp(parseConfig({ STORE_URL: url }), silentLogger(), { needsGeneration: false });
      try {
        const settings = await app.settings.get({ platform: 'discord', spaceId: space });
        const words = settings.bans.map((b) => b.pattern).sort();
        const expected = ['a', 'b']
          .flatMap((l) => Array.from({ length: EDITS }, (_, i) => `${l}w${i}`))
          .sort();
        expect(words).toEqual(expected);
      } finally {
        await app.close();
      }
    } finally {
      await dispose();
    }
  }, 60_000);
});
