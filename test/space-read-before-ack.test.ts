import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRY } from '../commands/index.js';
import type { App } from '../src/app.js';
import { createBot } from '../src/core/bot.js';
import type { Language } from '../src/i18n/languages.js';
import type { Logger } from '../src/log.js';
import type { GenerationReply, Invocation } from '../src/port.js';
import { createSpaceSettings } from '../src/settings/space-settings.js';
import { createMemoryState } from '../src/store/state-memory.js';
import type { StateStore } from '../src/store/state.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { appFor } from './helpers/app.js';
import { silentAdapter } from './helpers/bot.js';
import { configFor } from './helpers/core.js';

/**
 * A platform waits for the acknowledgement (3 s on Discord), and during a burst every store read before it
 * queues behind the others': the space's settings are read once before it, for both the languages and the
 * precheck's model, not once per question.
 */

const MODELS = { VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' };
let emulator: VideoApiEmulator;
let opened: App;
let logger: Logger;

beforeEach(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 50 });
  ({ app: opened, logger } = await appFor(emulator, MODELS));
});
afterEach(async () => {
  await opened.close();
  await emulator.close();
});

/** A memory store that counts reads of space settings. */
function countingState(): { state: StateStore; reads: () => number } {
  const state = createMemoryState();
  let reads = 0;
  return {
    state: {
      ...state,
      backend: state.backend,
      get(key) {
        if (key.startsWith('space:settings:')) reads++;
        return state.get(key);
      },
    },
    reads: () => reads,
  };
}

describe('the space’s settings before the acknowledgement', () => {
  it('are read once for the languages and the precheck’s model', async () => {
    const config = configFor(emulator, MODELS);
    const { state, reads } = countingState();
    const settings = createSpaceSettings({
      state,
      logger,
      limits: config.limits,
      models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
      isAdmin: () => true,
    });
    const admin = { platform: 'discord' as const, spaceId: 'g1', userId: 'admin', isSpaceAdmin: true };
    await settings.setLanguage(admin, 'zh-CN');
    await settings.setModels(admin, { allowed: ['grok-video-3'], defaultModel: 'grok-video-3' });
    const readsBefore = reads();

    const bot = createBot({ app: { ...opened, settings }, registry: REGISTRY, logger });
    bot.add(silentAdapter());

    let atAcknowledge: { reads: number; language: Language | undefined } | undefined;
    const failures: string[] = [];
    const reply: GenerationReply = {
      ref: undefined,
      acknowledge(_visibility, language) {
        atAcknowledge = { reads: reads() - readsBefore, language };
        return Promise.resolve();
      },
      text: () => Promise.resolve(),
      progress: () => undefined,
      deliver: () => Promise.resolve(),
      fail(error) {
        failures.push(error.userMessage);
        return Promise.resolve();
      },
    };
    const invocation = (model: string): Invocation => ({
      platform: 'discord',
      spaceId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      isSpaceAdmin: false,
      command: 'imagine',
      options: { prompt: 'a fox in the snow', model },
      images: [],
    });

    // A model the space does not allow is refused by the precheck, in the language that same read gave.
    await bot.core.handle(invocation('grok-imagine-video'), reply);
    expect(atAcknowledge).toBeUndefined();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/grok-video-3/);
    expect(reads() - readsBefore).toBe(1);

    await bot.core.handle(invocation('grok-video-3'), reply);
    expect(failures[1]).toBeUndefined();
    expect(atAcknowledge).toEqual({ reads: 2, language: 'zh-CN' });
  });
});
