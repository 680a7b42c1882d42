import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { emptyRedisDatabase } from '../helpers/redis.js';

/**
 * Two bot processes on one store (DISCORD_SHARDS on one SQLite file, two instances on one Redis) take /settings
 * edits for the same space at the same moment, 20 each: every one of the 40 ban words is kept, because an edit
 * holds the store's lock, not a lock of its own process.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./settings-worker.ts', import.meta.url));
const DB = 11;
const EDITS = 20;

interface Worker {
  go(startAt: number): void;
  result: Promise<{ added: number; failed: string[] }>;
}

async function startWorker(args: string[]): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve) =>
    lines.on('line', (line) => (line === 'ready' ? resolve() : output.push(line))),
  );
  await Promise.race([
    ready,
    exited.then((code) => {
      throw new Error(`worker exited (${code}) before it was ready: ${stderr}`);
    }),
  ]);
  return {
    go: (startAt) => child.stdin.write(`go ${startAt}\n`),
    result: exited.then((code) => {
      const last = output.at(-1);
      if (code !== 0 || last === undefined) throw new Error(`worker exited (${code}): ${stderr}`);
      return JSON.parse(last) as { added: number; failed: string[] };
    }),
  };
}

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
        ['a', 'b'].map((label) => startWorker([url, space, label, String(EDITS)])),
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
