import { describe, expect, it } from 'vitest';
import { fetchGatewayBot, shardEntry, shardOfSpace, spawnDelayMs } from '../../adapters/discord/sharding.js';

describe('Discord sharding helpers', () => {
  it('routes a guild to (id >> 22) % count and DMs to shard 0', () => {
    const id = ((123n << 22n) | 5n).toString();
    expect(shardOfSpace(id, 2)).toBe(1);
    expect(shardOfSpace(id, 4)).toBe(3);
    expect(shardOfSpace(id, 1)).toBe(0);
    expect(shardOfSpace('dm:123456789012345678', 4)).toBe(0);
  });

  it('spawns at once when every shard has its own identify slot, else 5.5 s per bucket', () => {
    expect(spawnDelayMs(2, 2)).toBe(0);
    expect(spawnDelayMs(2, 16)).toBe(0);
    expect(spawnDelayMs(4, 1)).toBe(5500);
    expect(spawnDelayMs(4, 2)).toBe(2750);
  });

  it('spawns the .ts entry through tsx from source and the .js entry from dist', () => {
    const source = shardEntry('file:///app/adapters/discord/sharding.ts', []);
    expect(source).toEqual({ file: '/app/bin/discord-shard.ts', execArgv: ['--import', 'tsx'] });
    const built = shardEntry('file:///app/dist/adapters/discord/sharding.js', []);
    expect(built).toEqual({ file: '/app/dist/bin/discord-shard.js', execArgv: [] });
  });

  it('gives the shards the heap settings of the production start, and only those', () => {
    const parent = ['--max-semi-space-size=1', '--heap-growing-percent=30', '--inspect', '--import', 'x'];
    expect(shardEntry('file:///app/dist/adapters/discord/sharding.js', parent).execArgv).toEqual([
      '--max-semi-space-size=1',
      '--heap-growing-percent=30',
    ]);
  });

  it('reads /gateway/bot with the bot token and validates the answer', async () => {
    const seen: Array<{ url: string; auth: string | null }> = [];
    const answer = (body: unknown, status = 200): typeof fetch =>
      ((url: string | URL | Request, init?: RequestInit) => {
        seen.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') });
        return Promise.resolve(new Response(JSON.stringify(body), { status }));
      }) as typeof fetch;
    const ok = answer({ url: 'wss://x', shards: 3, session_start_limit: { max_concurrency: 1 } });
    expect(await fetchGatewayBot('http://emu/api', 'tok', ok)).toEqual({ shards: 3, maxConcurrency: 1 });
    expect(seen[0]).toEqual({ url: 'http://emu/api/v10/gateway/bot', auth: 'Bot tok' });
    await expect(fetchGatewayBot('http://emu/api', 'tok', answer({ url: 'wss://x' }))).rejects.toThrow(
      /answered unexpectedly/,
    );
    await expect(fetchGatewayBot('http://emu/api', 'bad', answer({}, 401))).rejects.toThrow(
      'Discord at http://emu/api/v10/gateway/bot: answered 401 (is DISCORD_TOKEN right?)',
    );
    const unreachable = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    await expect(fetchGatewayBot('http://emu/api', 'tok', unreachable)).rejects.toThrow(
      'Discord at http://emu/api/v10/gateway/bot: fetch failed',
    );
  });
});
