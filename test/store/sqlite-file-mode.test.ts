import { existsSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

/** Permission bits only, as an octal string for readable failures. */
function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

describe('the SQLite file the bot creates', () => {
  let root = '';
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sqlite-mode-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lives in a folder only the bot can enter and is readable by nobody else, WAL files included', async () => {
    const dir = join(root, 'data');
    const file = join(dir, 'bot.sqlite');
    const app = await openApp(parseConfig({ STORE_URL: `sqlite://${file}` }), silentLogger(), {
      needsGeneration: false,
    });
    try {
      const subject = { platform: 'discord' as const, spaceId: 'mode', userId: 'u1' };
      await app.quota.status(subject);
      await app.settings.get(subject);
      expect(modeOf(dir)).toBe('700');
      expect(modeOf(file)).toBe('600');
      // SQLite gives its -wal and -shm files the database file's permissions.
      for (const companion of [`${file}-wal`, `${file}-shm`])
        expect([existsSync(companion), modeOf(companion)]).toEqual([true, '600']);
    } finally {
      await app.close();
    }
  });

  it('takes away other users’ access to a file left readable by an earlier version', async () => {
    const file = join(root, 'bot.sqlite');
    await writeFile(file, '');
    await chmod(file, 0o644);
    const app = await openApp(parseConfig({ STORE_URL: `sqlite://${file}` }), silentLogger(), {
      needsGeneration: false,
    });
    await app.close();
    expect(modeOf(file)).toBe('640');
  });
});
