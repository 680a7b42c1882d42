import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { openState, type OpenedState } from '../../src/store/open-state.js';
import { withLock, type StateStore } from '../../src/store/state.js';
import { deleteRedisPrefix, ensureRedis } from '../helpers/redis.js';
import { startWorker } from '../helpers/worker.js';

/**
 * The state interface's contract, the same for every backend. Each test gets keys of its own namespace
 * (Redis is shared with other test files, so a namespace, not a flush, keeps them apart).
 */

interface Opened {
  state: StateStore;
  /** STORE_URL of the same data, for worker processes; absent for memory (one process only). */
  url?: string;
  /** A second, separately opened store on the same data (another process's connection); absent for memory. */
  reopen?(): Promise<OpenedState>;
  dispose(): Promise<void>;
}

interface Backend {
  name: string;
  open(namespace: string): Promise<Opened>;
}

const silent = silentLogger();
const WORKER = fileURLToPath(new URL('./state-worker.ts', import.meta.url));

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const opened = await openState('memory://', silent);
      return { state: opened.state, dispose: () => opened.close() };
    },
  },
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'state-'));
      // A folder that does not exist yet: the store creates it.
      const url = `sqlite://${join(dir, 'data', 'bot.sqlite')}`;
      const opened = await openState(url, silent);
      return {
        state: opened.state,
        url,
        reopen: () => openState(url, silent),
        async dispose() {
          await opened.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    async open(namespace) {
      const url = ensureRedis();
      const opened = await openState(url, silent);
      return {
        state: opened.state,
        url,
        reopen: () => openState(url, silent),
        async dispose() {
          await opened.close();
          await deleteRedisPrefix(`${namespace}::`);
          await deleteRedisPrefix(`state-lock:${namespace}`);
        },
      };
    },
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backends)('state store: $name', (backend) => {
  let ns: string;
  let store: Opened;
  let state: StateStore;
  const others: OpenedState[] = [];
  const key = (rest: string) => `${ns}:${rest}`;

  beforeEach(async () => {
    ns = `t${randomUUID().slice(0, 8)}`;
    store = await backend.open(ns);
    state = store.state;
  });
  afterEach(async () => {
    await Promise.all(others.splice(0).map((o) => o.close()));
    await store.dispose();
  });

  async function second(): Promise<StateStore | undefined> {
    const other = await store.reopen?.();
    if (other === undefined) return undefined;
    others.push(other);
    return other.state;
  }

  it('reads back what it wrote, as JSON, and forgets what it deleted', async () => {
    const value = {
      id: 'a',
      n: 1.5,
      list: [1, 'two', null],
      nested: { ok: true },
      colon: ':x',
      dropped: undefined,
    };
    await state.set(key('a'), value);
    expect(await state.get(key('a'))).toEqual({
      id: 'a',
      n: 1.5,
      list: [1, 'two', null],
      nested: { ok: true },
      colon: ':x',
    });
    await state.set(key('a'), 7);
    expect(await state.get(key('a'))).toBe(7);
    expect(await state.get(key('missing'))).toBeUndefined();
    await state.delete(key('a'));
    expect(await state.get(key('a'))).toBeUndefined();
    await state.delete(key('a'));
  });

  it('reads several values at once, in the order asked, with undefined for absent and expired ones', async () => {
    await state.set(key('one'), { n: 1 });
    await state.set(key('two'), 'two');
    await state.set(key('gone'), 'soon gone', 40);
    await sleep(80);
    expect(await state.getMany([key('two'), key('missing'), key('one'), key('gone'), key('two')])).toEqual([
      'two',
      undefined,
      { n: 1 },
      undefined,
      'two',
    ]);
    expect(await state.getMany([])).toEqual([]);
    await expect(state.getMany(['no-namespace'])).rejects.toThrow(RangeError);
  });

  it('is seen by a second connection to the same store', async () => {
    const other = await second();
    if (!other) return;
    await state.set(key('shared'), { from: 'first' });
    expect(await other.get(key('shared'))).toEqual({ from: 'first' });
  });

  it('lets a value expire after its TTL, and a write without TTL keeps it for good', async () => {
    await state.set(key('short'), 'soon gone', 60);
    await state.set(key('kept'), 'kept', 60);
    await state.set(key('kept'), 'kept for good');
    expect(await state.get(key('short'))).toBe('soon gone');
    await sleep(120);
    expect(await state.get(key('short'))).toBeUndefined();
    expect(await state.get(key('kept'))).toBe('kept for good');
    expect((await state.list(`${ns}:`)).map((e) => e.key)).toEqual([key('kept')]);
  });

  it('refuses keys without a namespace and TTLs that are not positive', async () => {
    await expect(state.set('plain', 1)).rejects.toThrow(RangeError);
    await expect(state.get(':nothing')).rejects.toThrow(RangeError);
    await expect(state.set(key('x'), 1, 0)).rejects.toThrow(RangeError);
    await expect(state.setIfAbsent(key('x'), 1, -5)).rejects.toThrow(RangeError);
  });

  it('sets if absent for exactly one of many concurrent callers, and again once the value expired', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => state.setIfAbsent(key('once'), { winner: i }, 150)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await state.get(key('once'))).toEqual({ winner });
    expect(await state.setIfAbsent(key('once'), { winner: 'late' }, 150)).toBe(false);
    await sleep(250);
    expect(await state.setIfAbsent(key('once'), { winner: 'after expiry' }, 1000)).toBe(true);
    expect(await state.get(key('once'))).toEqual({ winner: 'after expiry' });

    await state.set(key('kept'), 'there');
    expect(await state.setIfAbsent(key('kept'), 'replaced?', 1000)).toBe(false);
    expect(await state.get(key('kept'))).toBe('there');
  });

  it('sets if absent for exactly one caller across two connections', async () => {
    const other = await second();
    if (!other) return;
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? state : other).setIfAbsent(key(`race:${round}`), i, 10_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('gives each set-if-absent key and each lock to exactly one of three processes', async () => {
    if (store.url === undefined) return;
    const n = 40;
    const workers = await Promise.all(
      [0, 1].map(() => startWorker(WORKER, [store.url ?? '', ns, String(n)])),
    );
    const startAt = Date.now() + 300;
    for (const worker of workers) worker.go(startAt);
    await sleep(Math.max(0, startAt - Date.now()));
    const indexes = Array.from({ length: n }, (_, i) => i);
    const [values, locks] = await Promise.all([
      Promise.all(indexes.map((i) => state.setIfAbsent(key(`race:${i}`), 'parent', 60_000))),
      Promise.all(indexes.map((i) => state.acquireLock(key(`lock:${i}`), 60_000))),
    ]);
    const results = (await Promise.all(workers.map((w) => w.result))) as Array<{
      values: number[];
      locks: number[];
    }>;
    const wins = (mine: boolean[], theirs: Array<number[]>) =>
      indexes.map((i) => (mine[i] ? 1 : 0) + theirs.filter((list) => list.includes(i)).length);
    expect(
      wins(
        values,
        results.map((r) => r.values),
      ),
    ).toEqual(indexes.map(() => 1));
    expect(
      wins(
        locks.map((l) => l !== null),
        results.map((r) => r.locks),
      ),
    ).toEqual(indexes.map(() => 1));
  }, 30_000);

  it('gives a lock to one holder at a time, extended and released by that holder only', async () => {
    const lock = await state.acquireLock(key('lock'), 200);
    expect(lock).not.toBeNull();
    if (!lock) return;
    expect(await state.acquireLock(key('lock'), 200)).toBeNull();
    // Another lock name is free.
    expect(await state.acquireLock(key('other-lock'), 200)).not.toBeNull();

    const impostor = { key: lock.key, token: 'not-the-token' };
    expect(await state.extendLock(impostor, 5000)).toBe(false);
    await state.releaseLock(impostor);
    expect(await state.acquireLock(key('lock'), 200)).toBeNull();

    expect(await state.extendLock(lock, 600)).toBe(true);
    await sleep(300);
    // Still held: the extension moved the expiry out past the first TTL.
    expect(await state.acquireLock(key('lock'), 200)).toBeNull();
    await state.releaseLock(lock);
    const next = await state.acquireLock(key('lock'), 100);
    expect(next).not.toBeNull();
    // The first holder's token no longer matches: it can neither extend nor free the new holder's lock.
    expect(await state.extendLock(lock, 5000)).toBe(false);
    await state.releaseLock(lock);
    expect(await state.acquireLock(key('lock'), 100)).toBeNull();
  });

  it('frees a lock whose holder let it expire, and the late holder cannot extend it', async () => {
    const lock = await state.acquireLock(key('lease'), 80);
    if (!lock) throw new Error('no lock');
    await sleep(150);
    expect(await state.extendLock(lock, 1000)).toBe(false);
    const taken = await state.acquireLock(key('lease'), 1000);
    expect(taken).not.toBeNull();
    await state.releaseLock(lock);
    expect(await state.acquireLock(key('lease'), 1000)).toBeNull();
  });

  it('gives a contended lock to exactly one of many callers, across connections too', async () => {
    const other = (await second()) ?? state;
    const locks = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? state : other).acquireLock(key('contended'), 5000)),
    );
    expect(locks.filter((l) => l !== null)).toHaveLength(1);
  });

  it('runs withLock sections one at a time and gives up with a busy error after waitMs', async () => {
    const other = (await second()) ?? state;
    let inside = 0;
    let overlapped = false;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        withLock(i % 2 === 0 ? state : other, key('section'), 5000, async () => {
          inside++;
          if (inside > 1) overlapped = true;
          await sleep(5);
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(overlapped).toBe(false);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const held = await state.acquireLock(key('held'), 5000);
    const error = await withLock(state, key('held'), 5000, async () => 'ran', { waitMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).kind).toBe('transient');
    if (held) await state.releaseLock(held);
    expect(await withLock(state, key('held'), 5000, async () => 'ran')).toBe('ran');
  });

  it('lists live entries by prefix', async () => {
    await state.set(key('job:1'), { n: 1 });
    await state.set(key('job:2'), { n: 2 }, 60_000);
    await state.set(key('job:3'), { n: 3 }, 50);
    await state.set(key('jobs'), 'not a job');
    await state.set(key('cfg:1'), 1);
    await sleep(100);
    const jobs = await state.list(`${ns}:job:`);
    expect(jobs.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: key('job:1'), value: { n: 1 } },
      { key: key('job:2'), value: { n: 2 } },
    ]);
    expect((await state.list(`${ns}:job`)).map((e) => e.key).sort()).toEqual([
      key('job:1'),
      key('job:2'),
      key('jobs'),
    ]);
    // A prefix shorter than the namespace matches every namespace it starts.
    expect((await state.list(ns)).length).toBe(4);
    expect(await state.list(`${ns}:nothing:`)).toEqual([]);
  });

  it('lists many entries', async () => {
    await Promise.all(Array.from({ length: 1200 }, (_, i) => state.set(key(`many:${i}`), i)));
    const entries = await state.list(`${ns}:many:`);
    expect(entries).toHaveLength(1200);
    expect(new Set(entries.map((e) => e.value)).size).toBe(1200);
  });
});
