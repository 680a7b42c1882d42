import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { FAST_POLL, capturedLogger, configFor } from '../helpers/core.js';
import { recordingSink } from '../helpers/app.js';

let emulator: VideoApiEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startVideoApiEmulator();
  dir = await mkdtemp(join(tmpdir(), 'resume-'));
});
afterAll(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

describe('jobs survive a crash', () => {
  it('a job killed mid-poll is resumed by a new process on the same SQLite file and delivered once', async () => {
    const storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/jobs/crash-worker.ts', emulator.baseUrl, emulator.apiKey, storeUrl, '3'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker never submitted: ${output}`)), 60_000);
      worker.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (new Set(output.match(/submitted \S+/g) ?? []).size >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(output).not.toContain('delivered-by-worker');
    const postsBefore = emulator.requests.filter((r) => r.method === 'POST').length;
    expect(postsBefore).toBe(3);

    const log = capturedLogger();
    const app = await openApp(configFor(emulator, { STORE_URL: storeUrl, QUOTA_DEFAULT: '50' }), log.logger, {
      generation: { runner: { pollPolicy: FAST_POLL } },
    });
    const alice = { platform: 'discord', spaceId: 'guild1', userId: 'alice' } as const;
    expect((await app.quota.status(alice)).used).toBe(3);
    const unfinished = await app.jobs.unfinished();
    expect(unfinished).toHaveLength(3);

    const out = recordingSink();
    const settled = await app.runner?.startWorkers(() => out.sink);
    expect(settled?.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(out.delivered).toHaveLength(3);
    for (const d of out.delivered) expect(d.bytes).toEqual(emulator.mp4);
    expect(new Set(out.delivered.map((d) => JSON.stringify(d.record.messageRef))).size).toBe(3);
    // Resuming used GETs only, and a second resume finds nothing left to do.
    expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(postsBefore);
    expect(await app.runner?.startWorkers(() => out.sink)).toEqual([]);
    expect(out.delivered).toHaveLength(3);
    expect(await app.ledger.pending()).toEqual([]);
    expect((await app.quota.status(alice)).used).toBe(3);
    await app.close();
  }, 90_000);
});
