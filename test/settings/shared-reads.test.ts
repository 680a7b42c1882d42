import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { QuotaActor } from '../../src/quota/quota.js';
import { createSpaceSettings } from '../../src/settings/space-settings.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import type { StateStore } from '../../src/store/state.js';
import { capturedLogger } from '../helpers/core.js';

/**
 * A burst of commands from one space reads its settings hundreds of times at once, each read a statement queued
 * on the SQLite file before the command's acknowledgement: reads of one space already on their way are shared,
 * and a change made here is never hidden by a read that started before it.
 */

function setup() {
  const config = parseConfig({});
  const memory = createMemoryState();
  let reads = 0;
  let hold: Promise<void> | undefined;
  const state: StateStore = {
    ...memory,
    backend: memory.backend,
    async get(key) {
      if (key.startsWith('space:settings:')) reads++;
      const value = memory.get(key);
      const held = hold;
      hold = undefined;
      if (held) await held;
      return value;
    },
  };
  const settings = createSpaceSettings({
    state,
    logger: capturedLogger().logger,
    limits: config.limits,
    models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
    isAdmin: () => true,
  });
  return {
    settings,
    reads: () => reads,
    /** The next read stays unanswered until the returned function is called. */
    holdNextRead() {
      let release = () => undefined as void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
  };
}

const admin: QuotaActor = { platform: 'discord', spaceId: 'g1', userId: 'boss', isSpaceAdmin: true };
const g1 = { platform: 'discord' as const, spaceId: 'g1' };
const g2 = { platform: 'discord' as const, spaceId: 'g2' };

describe('reads of a space’s settings', () => {
  it('are shared while one is on its way, and each reader gets its own copy', async () => {
    const { settings, reads } = setup();
    await settings.setLanguage(admin, 'zh-CN');
    const before = reads();
    const all = await Promise.all([settings.get(g1), settings.get(g1), settings.get(g1), settings.get(g2)]);
    expect(reads() - before).toBe(2);
    expect(all.map((s) => s.language)).toEqual(['zh-CN', 'zh-CN', 'zh-CN', undefined]);
    expect(all[0]).not.toBe(all[1]);
    all[0]?.bans.push({ kind: 'word', pattern: 'x' } as never);
    expect(all[1]?.bans).toEqual([]);
    // Once answered, the next read goes to the store again.
    await settings.get(g1);
    expect(reads() - before).toBe(3);
  });

  it('started after a change here see it, even while an older read is still on its way', async () => {
    const { settings, holdNextRead } = setup();
    const release = holdNextRead();
    const older = settings.get(g1);
    // The change reads for itself: what it changes must be what the store holds once it has the lock.
    await settings.setLanguage(admin, 'zh-CN');
    expect((await settings.get(g1)).language).toBe('zh-CN');
    release();
    expect((await older).language).toBeUndefined();
  });
});
