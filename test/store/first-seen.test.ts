import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { stateFirstSeen } from '../../src/store/first-seen.js';
import { openState } from '../../src/store/open-state.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import type { StateStore } from '../../src/store/state.js';
import { capturedLogger } from '../helpers/core.js';
import { deleteRedisPrefix, ensureRedis } from '../helpers/redis.js';

describe('first-seen marks', () => {
  it('answers true once per key within the TTL, then true again', async () => {
    const firstSeen = stateFirstSeen(createMemoryState(), silentLogger());
    expect(await firstSeen('slack:event:E1', 80)).toBe(true);
    expect(await firstSeen('slack:event:E1', 80)).toBe(false);
    expect(await firstSeen('slack:event:E2', 80)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await firstSeen('slack:event:E1', 80)).toBe(true);
  });

  it('on SQLite, keeps a mark across a restart, except one meant for this process only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'first-seen-'));
    const url = `sqlite://${join(dir, 'bot.sqlite')}`;
    try {
      const before = await openState(url, silentLogger());
      const seen = stateFirstSeen(before.state, silentLogger());
      expect(await seen('slack:event:E1', 60_000)).toBe(true);
      expect(await seen('discord:interaction:I1', 60_000, { acrossRestarts: false })).toBe(true);
      expect(await seen('discord:interaction:I1', 60_000, { acrossRestarts: false })).toBe(false);
      expect(await before.state.get('pending:seen:discord:interaction:I1')).toBeUndefined();
      await before.close();

      const after = await openState(url, silentLogger());
      const seenAfter = stateFirstSeen(after.state, silentLogger());
      expect(await seenAfter('slack:event:E1', 60_000)).toBe(false);
      expect(await seenAfter('discord:interaction:I1', 60_000, { acrossRestarts: false })).toBe(true);
      await after.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on Redis, is shared by every process, whatever acrossRestarts says', async () => {
    const url = ensureRedis();
    const [a, b] = await Promise.all([openState(url, silentLogger()), openState(url, silentLogger())]);
    const id = randomUUID();
    try {
      const seenA = stateFirstSeen(a.state, silentLogger());
      const seenB = stateFirstSeen(b.state, silentLogger());
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? seenA : seenB)(`discord:interaction:${id}`, 60_000, { acrossRestarts: false }),
        ),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await deleteRedisPrefix(`pending::seen:discord:interaction:${id}`);
    }
  });

  it('on an embedded store that fails, deduplicates in this process and says so in the log', async () => {
    const broken: StateStore = {
      ...createMemoryState(),
      backend: 'sqlite',
      setIfAbsent: () => Promise.reject(new Error('SQLITE_IOERR')),
    };
    const log = capturedLogger();
    const firstSeen = stateFirstSeen(broken, log.logger);
    expect(await firstSeen('slack:event:E1', 60_000)).toBe(true);
    expect(await firstSeen('slack:event:E1', 60_000)).toBe(false);
    expect(log.lines.some((l) => l.includes('dedupe store unavailable'))).toBe(true);
  });
});
