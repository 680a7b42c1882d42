import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRY } from '../commands/index.js';
import type { App } from '../src/app.js';
import { createBot } from '../src/core/bot.js';
import type { Logger } from '../src/log.js';
import type { GenerationReply, Invocation } from '../src/port.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { appFor } from './helpers/app.js';
import { silentAdapter } from './helpers/bot.js';

/**
 * A platform event that starts a job ends once the job is accepted (recorded, quota reserved), not when the
 * video is delivered: the event, the dispatcher and the command would otherwise stay suspended in memory,
 * with the platform's objects they hold, for the whole generation. Stopping the bot still waits for the job.
 */

let emulator: VideoApiEmulator;
let app: App;
let logger: Logger;

beforeEach(async () => {
  emulator = await startVideoApiEmulator({ generationMs: 600 });
  ({ app, logger } = await appFor(emulator));
});
afterEach(async () => {
  await app.close();
  await emulator.close();
});

describe('a command that starts a job', () => {
  it('returns once the job is accepted; the bot’s stop still waits for its delivery', async () => {
    const bot = createBot({ app, registry: REGISTRY, logger });
    bot.add(silentAdapter());
    const delivered: Uint8Array[] = [];
    const failures: string[] = [];
    const reply: GenerationReply = {
      ref: { channelId: 'c1', messageId: 'm1' },
      acknowledge: () => Promise.resolve(),
      text: () => Promise.resolve(),
      progress: () => undefined,
      async deliver(video) {
        delivered.push(await readFile(video.path));
      },
      fail(error) {
        failures.push(error.userMessage);
        return Promise.resolve();
      },
    };
    const invocation: Invocation = {
      platform: 'discord',
      spaceId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      isSpaceAdmin: false,
      command: 'imagine',
      options: { prompt: 'a fox in the snow' },
      images: [],
    };

    await bot.core.handle(invocation, reply);
    const [job] = await app.jobs.unfinished();
    expect(job).toMatchObject({ userId: 'u1', reservation: 'reserved' });
    expect(delivered).toHaveLength(0);

    await bot.stop(10_000);
    expect(failures).toEqual([]);
    expect(delivered).toHaveLength(1);
    expect(Buffer.from(delivered[0] ?? [])).toEqual(emulator.mp4);
    expect(await app.jobs.get(job?.id ?? '')).toMatchObject({ status: 'completed' });
  });
});
