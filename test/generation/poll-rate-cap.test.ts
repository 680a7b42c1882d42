import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createGenerationService } from '../../src/generation/service.js';
import { silentLogger } from '../../src/log.js';
import { createRateLimiter } from '../../src/video-api/rate-limit.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';

/**
 * VIDEO_API_MAX_RPS: with many jobs in flight the bot's polls are spread under the cap, never dropped.
 */

describe('rate limiter', () => {
  it('gives each caller the next slot, 1/rate apart, in the order they asked', async () => {
    const limiter = createRateLimiter(50);
    const started = Date.now();
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await limiter.acquire();
        at[i] = Date.now() - started;
      }),
    );
    // 20 slots 20 ms apart: the last about 380 ms after the first, each after the one before.
    expect(at[19]!).toBeGreaterThanOrEqual(370);
    for (let i = 1; i < at.length; i++) expect(at[i]!).toBeGreaterThanOrEqual(at[i - 1]!);
  });

  it('lets an aborted waiter go at once, and gives its turn to the next', async () => {
    const limiter = createRateLimiter(20);
    await limiter.acquire();
    const started = Date.now();
    const controller = new AbortController();
    const waiting = limiter.acquire('routine', controller.signal);
    const after = limiter.acquire('routine');
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await after;
    // The next turn (50 ms after the first), not the one after it (100 ms).
    expect(Date.now() - started).toBeLessThan(90);
  });

  it('serves a landing poll before the routine ones already waiting', async () => {
    const limiter = createRateLimiter(50);
    await limiter.acquire();
    const order: string[] = [];
    const routine = Array.from({ length: 5 }, (_, i) =>
      limiter.acquire('routine').then(() => order.push(`routine ${i}`)),
    );
    const landing = limiter.acquire('landing').then(() => order.push('landing'));
    await Promise.all([...routine, landing]);
    expect(order[0]).toBe('landing');
    expect(order.slice(1)).toEqual(['routine 0', 'routine 1', 'routine 2', 'routine 3', 'routine 4']);
  });

  it('refuses a rate of 0', () => {
    expect(() => createRateLimiter(0)).toThrow(RangeError);
  });
});

describe('polling under VIDEO_API_MAX_RPS', () => {
  let emulator: VideoApiEmulator;
  beforeAll(async () => {
    emulator = await startVideoApiEmulator({ generationMs: 1500 });
  });
  afterAll(() => emulator.close());

  it('never polls more than the cap in any second with 60 jobs at once, and finishes every job', async () => {
    const config = parseConfig({
      VIDEO_API_BASE_URL: emulator.baseUrl,
      VIDEO_API_KEY: emulator.apiKey,
      VIDEO_API_MAX_RPS: '10',
    });
    const service = createGenerationService(config, silentLogger());
    const done = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const prepared = await service.prepare({ prompt: `capped ${i}` });
        for await (const event of service.run({ body: prepared.body })) {
          if (event.type === 'completed') {
            await event.video.cleanup();
            return true;
          }
        }
        return false;
      }),
    );
    expect(done.every(Boolean)).toBe(true);
    const polls = emulator.requests.filter((r) => r.method === 'GET' && !r.path.endsWith('/content'));
    expect(polls.length).toBeGreaterThanOrEqual(60);
    // Slide a one-second window over the poll times: at most 10 in any of them (+1 for timer jitter at the edges).
    const times = polls.map((r) => r.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(11);
  }, 60_000);
});
