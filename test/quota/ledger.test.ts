import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createQuotaLedger, type QuotaLedger, type ReserveRequest } from '../../src/quota/ledger.js';
import { BUDGET_SCOPE, createQuotaService, globalScopeKey } from '../../src/quota/quota.js';
import { scopeKey } from '../../src/quota/scope.js';
import { quotaWindow } from '../../src/quota/window.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';
import { deleteRedisPrefix, ensureRedis, uniqueRedisPrefix } from '../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./ledger-worker.ts', import.meta.url));
const HOUR = 3_600_000;

/** One store per test: a fresh SQLite file, a fresh Redis key prefix, or a fresh Map. */
interface Store {
  url: string;
  ledger: QuotaLedger;
  /** Extra worker arguments pointing the worker at the same store. */
  workerArgs: string[];
  /** Opens a second ledger on the same store (a second connection, as another process would). */
  reopen(): Promise<QuotaLedger>;
  dispose(): Promise<void>;
}

interface Backend {
  name: string;
  crossProcess: boolean;
  open(): Promise<Store>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    crossProcess: true,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'quota-ledger-'));
      // A directory that does not exist yet: the ledger must create it.
      const url = `sqlite://${join(dir, 'data', 'bot.sqlite')}`;
      const ledger = await createQuotaLedger(url);
      return {
        url,
        ledger,
        workerArgs: [],
        reopen: () => createQuotaLedger(url),
        async dispose() {
          await ledger.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    crossProcess: true,
    async open() {
      const url = ensureRedis();
      const prefix = uniqueRedisPrefix('quota');
      const ledger = await createQuotaLedger(url, { redisPrefix: prefix });
      return {
        url,
        ledger,
        workerArgs: ['--prefix', prefix],
        reopen: () => createQuotaLedger(url, { redisPrefix: prefix }),
        async dispose() {
          await ledger.close();
          await deleteRedisPrefix(prefix);
        },
      };
    },
  },
  {
    name: 'memory',
    crossProcess: false,
    async open() {
      const ledger = await createQuotaLedger('memory://');
      return {
        url: 'memory://',
        ledger,
        workerArgs: [],
        reopen: () => Promise.reject(new Error('memory:// is one process only')),
        dispose: () => ledger.close(),
      };
    },
  },
];

/** A reservation of one counter, the shape most tests need. */
interface OneCharge {
  reservationId: string;
  scope: string;
  window: string;
  cost: number;
  limit: number;
  expiresAt: number;
}

function request(overrides: Partial<OneCharge> = {}): ReserveRequest & OneCharge {
  const one: OneCharge = {
    reservationId: randomUUID(),
    scope: 'discord:guild1:user1',
    window: '2026-11-25',
    cost: 1,
    limit: 5,
    expiresAt: Date.now() + HOUR,
    ...overrides,
  };
  return { ...one, charges: [{ scope: one.scope, window: one.window, limit: one.limit }] };
}

/** A reservation of several counters at once, all or none. */
function multi(
  charges: ReserveRequest['charges'],
  overrides: Partial<Omit<ReserveRequest, 'charges'>> = {},
): ReserveRequest {
  return { reservationId: randomUUID(), charges, cost: 1, expiresAt: Date.now() + HOUR, ...overrides };
}

/** A worker process, started and waiting for the word to go. */
interface Worker {
  /** Tells the worker to start at `startAt` (epoch ms). */
  go(startAt: number): void;
  result: Promise<Record<string, string[]>>;
}

async function startWorker(args: string[]): Promise<Worker> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, ...args],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    else output.push(line);
  });
  await Promise.race([
    ready,
    exited.then((code) => {
      throw new Error(`worker exited (${code}) before it was ready: ${stderr}`);
    }),
  ]);
  const result = exited.then((code) => {
    const last = output.at(-1);
    if (code !== 0 || last === undefined) throw new Error(`worker exited with ${code}: ${stderr}`);
    return JSON.parse(last) as Record<string, string[]>;
  });
  return { go: (startAt) => child.stdin.end(`go ${startAt}\n`), result };
}

/** Starts the workers and returns at the same instant they start (a little after now). */
async function startTogether(workers: Worker[]): Promise<void> {
  const startAt = Date.now() + 150;
  for (const w of workers) w.go(startAt);
  await waitUntil(startAt);
}

/** Sleeps until `at` (epoch ms), spinning through the last few ms so several processes start within ~0.1 ms. */
async function waitUntil(at: number): Promise<void> {
  const coarse = at - Date.now() - 15;
  if (coarse > 0) await new Promise((resolve) => setTimeout(resolve, coarse));
  while (performance.timeOrigin + performance.now() < at) {
    // spin
  }
}

describe.each(backends)('quota ledger on $name', (backend) => {
  let store: Store;
  let ledger: QuotaLedger;

  beforeEach(async () => {
    store = await backend.open();
    ledger = store.ledger;
  });

  afterEach(async () => {
    await store.dispose();
  });

  it('lets exactly 5 of 50 concurrent reserves through a limit of 5', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => ledger.reserve(request())));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok)).toHaveLength(45);
    expect(results.filter((r) => r.ok).map((r) => r.used[0])).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5]),
    );
    for (const r of results.filter((r) => !r.ok)) expect(r.used).toEqual([5]);
    expect(await ledger.used('discord:guild1:user1', '2026-11-25')).toBe(5);
  });

  it('decides a burst as one reservation after another would, in the order asked', async () => {
    const expired = request({ scope: 'burst:expired', cost: 4, limit: 5, expiresAt: Date.now() + 100 });
    await ledger.reserve(expired);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = request({ scope: 'burst:a', cost: 2, limit: 5 });
    const asked = [
      again,
      request({ scope: 'burst:a', cost: 2, limit: 5 }),
      again, // the same reservation asked twice: charged once
      request({ scope: 'burst:a', cost: 2, limit: 5 }), // 6 > 5: refused, charges nothing
      request({ scope: 'burst:a', cost: 1, limit: 5 }),
      request({ scope: 'burst:expired', cost: 5, limit: 5 }), // the expired window starts afresh
      request({ scope: 'burst:expired', cost: 1, limit: 5 }),
    ];
    const results = await Promise.all(asked.map((r) => ledger.reserve(r)));
    expect(results).toEqual([
      { ok: true, used: [2] },
      { ok: true, used: [4] },
      { ok: true, used: [4] },
      { ok: false, used: [4] },
      { ok: true, used: [5] },
      { ok: true, used: [5] },
      { ok: false, used: [5] },
    ]);
    expect(await ledger.used('burst:a', '2026-11-25')).toBe(5);
    expect(await ledger.used('burst:expired', '2026-11-25')).toBe(5);
    // Refunds give back in the epoch each was charged in: the expired one's 4 is not taken from the new 5.
    expect(await ledger.refund(expired.reservationId)).toBe(true);
    expect(await ledger.refund(again.reservationId)).toBe(true);
    expect(await ledger.used('burst:expired', '2026-11-25')).toBe(5);
    expect(await ledger.used('burst:a', '2026-11-25')).toBe(3);
  });

  it('counts cost in units (seconds): 10 × 7 against 60 lets 6 through', async () => {
    const results: boolean[] = [];
    for (let i = 0; i < 7; i++) results.push((await ledger.reserve(request({ cost: 10, limit: 60 }))).ok);
    expect(results).toEqual([true, true, true, true, true, true, false]);
    expect(await ledger.used('discord:guild1:user1', '2026-11-25')).toBe(60);
    // Full: even a cost of 1 no longer fits.
    expect(await ledger.reserve(request({ cost: 1, limit: 60 }))).toEqual({ ok: false, used: [60] });
  });

  it('refuses everything with a limit of 0', async () => {
    expect(await ledger.reserve(request({ limit: 0 }))).toEqual({ ok: false, used: [0] });
    expect(await ledger.used('discord:guild1:user1', '2026-11-25')).toBe(0);
  });

  it('refuses to refund a committed reservation, and to commit a refunded one', async () => {
    const a = request();
    expect(await ledger.reserve(a)).toEqual({ ok: true, used: [1] });
    expect(await ledger.commit(a.reservationId)).toBe(true);
    expect(await ledger.commit(a.reservationId)).toBe(false);
    expect(await ledger.refund(a.reservationId)).toBe(false);
    expect(await ledger.used(a.scope, a.window)).toBe(1);
    expect((await ledger.get(a.reservationId))?.state).toBe('committed');

    const b = request();
    expect(await ledger.reserve(b)).toEqual({ ok: true, used: [2] });
    expect(await ledger.refund(b.reservationId)).toBe(true);
    expect(await ledger.used(b.scope, b.window)).toBe(1);
    expect(await ledger.commit(b.reservationId)).toBe(false);
    expect(await ledger.refund(b.reservationId)).toBe(false);
    expect(await ledger.get(b.reservationId)).toMatchObject({
      reservationId: b.reservationId,
      charges: [{ scope: b.scope, window: b.window }],
      cost: 1,
      state: 'refunded',
    });

    expect(await ledger.commit('no-such-reservation')).toBe(false);
    expect(await ledger.refund('no-such-reservation')).toBe(false);
    expect(await ledger.get('no-such-reservation')).toBeUndefined();
  });

  it('refunds exactly once under 20 concurrent refunds', async () => {
    await ledger.reserve(request({ cost: 3, limit: 100 }));
    const target = request({ cost: 7, limit: 100 });
    expect(await ledger.reserve(target)).toEqual({ ok: true, used: [10] });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => ledger.refund(target.reservationId)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await ledger.used(target.scope, target.window)).toBe(3);
  });

  it('never lets a refund after a reset push usage below 0, nor give back what the reset already did', async () => {
    const old = request({ cost: 4, limit: 10 });
    await ledger.reserve(old);
    await ledger.reset(old.scope, old.window);
    expect(await ledger.used(old.scope, old.window)).toBe(0);
    expect(await ledger.refund(old.reservationId)).toBe(true);
    expect(await ledger.used(old.scope, old.window)).toBe(0);

    const before = request({ cost: 2, limit: 10 });
    await ledger.reserve(before);
    await ledger.reset(before.scope, before.window);
    await ledger.reserve(request({ cost: 3, limit: 10 }));
    expect(await ledger.refund(before.reservationId)).toBe(true);
    // The 2 were wiped by the reset; the 3 charged since stay charged.
    expect(await ledger.used(before.scope, before.window)).toBe(3);

    // Resetting a window nobody used is harmless.
    await ledger.reset('nobody', 'never');
    expect(await ledger.used('nobody', 'never')).toBe(0);
  });

  it('lists only reserved reservations as pending, oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = request({ limit: 10, scope: `scope-${i}` });
      ids.push(r.reservationId);
      await ledger.reserve(r);
    }
    await ledger.commit(ids[1] ?? '');
    await ledger.refund(ids[3] ?? '');
    await ledger.reserve(request({ limit: 0 })); // refused: leaves no record
    const pending = await ledger.pending();
    expect(pending.map((p) => p.reservationId)).toEqual([ids[0], ids[2], ids[4]]);
    expect(pending[0]).toMatchObject({
      charges: [{ scope: 'scope-0', window: '2026-11-25' }],
      cost: 1,
      state: 'reserved',
    });
    expect(pending[0]?.createdAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps windows and scopes independent', async () => {
    const fill = (scope: string, window: string) =>
      Promise.all(Array.from({ length: 4 }, () => ledger.reserve(request({ scope, window, limit: 3 }))));
    // Scope and window pairs that would collide if the key were a plain `${scope}:${window}`.
    const pairs: [string, string][] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a:b', 'd'],
      ['x', 'c'],
    ];
    const results = await Promise.all(pairs.map(([s, w]) => fill(s, w)));
    for (const r of results) expect(r.filter((x) => x.ok)).toHaveLength(3);
    for (const [s, w] of pairs) expect(await ledger.used(s, w)).toBe(3);
    await ledger.reset('a:b', 'c');
    expect(await ledger.used('a:b', 'c')).toBe(0);
    expect(await ledger.used('a', 'b:c')).toBe(3);
  });

  it('treats a repeated reservationId as the same reservation, not a second charge', async () => {
    const a = request();
    expect(await ledger.reserve(a)).toEqual({ ok: true, used: [1] });
    expect(await ledger.reserve(a)).toEqual({ ok: true, used: [1] });
    await ledger.refund(a.reservationId);
    expect(await ledger.reserve(a)).toEqual({ ok: false, used: [0] });
    expect(await ledger.used(a.scope, a.window)).toBe(0);
  });

  it('forgets a window once it has expired', async () => {
    const a = request({ expiresAt: Date.now() + 150 });
    expect((await ledger.reserve(a)).ok).toBe(true);
    expect(await ledger.used(a.scope, a.window)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await ledger.used(a.scope, a.window)).toBe(0);
    const b = request({ limit: 1 });
    expect(await ledger.reserve(b)).toEqual({ ok: true, used: [1] });
    // The old reservation was charged to the expired window: refunding it leaves the new one alone.
    expect(await ledger.refund(a.reservationId)).toBe(true);
    expect(await ledger.used(b.scope, b.window)).toBe(1);
  });

  it('rejects malformed requests', async () => {
    await expect(ledger.reserve(request({ cost: 0 }))).rejects.toThrow(/cost/);
    await expect(ledger.reserve(request({ cost: 1.5 }))).rejects.toThrow(/cost/);
    await expect(ledger.reserve(request({ limit: -1 }))).rejects.toThrow(/limit/);
    await expect(ledger.reserve(request({ reservationId: '' }))).rejects.toThrow(/reservationId/);
  });

  it('charges every counter or none: a refused charge leaves each counter as it was', async () => {
    const global = { scope: 'global:discord:u1', window: 'd', limit: 3 };
    const budget = { scope: 'budget', window: 'd', limit: 100 };
    // u1 spends the whole of their global allowance in another space first.
    for (let i = 0; i < 3; i++) {
      const r = await ledger.reserve(
        multi([{ scope: 'discord:g2:u1', window: 'd', limit: 10 }, global, budget]),
      );
      expect(r).toEqual({ ok: true, used: [i + 1, i + 1, i + 1] });
    }
    const here = { scope: 'discord:g1:u1', window: 'd', limit: 10 };
    const refused = multi([here, global, budget]);
    expect(await ledger.reserve(refused)).toEqual({ ok: false, used: [0, 3, 3] });
    expect(await ledger.used(here.scope, 'd')).toBe(0);
    expect(await ledger.used(global.scope, 'd')).toBe(3);
    expect(await ledger.used(budget.scope, 'd')).toBe(3);
    expect(await ledger.get(refused.reservationId)).toBeUndefined();
    expect(await ledger.pending()).toHaveLength(3);
    // The last counter refusing (the budget) leaves the ones before it untouched too.
    const full = multi([here, { scope: 'budget-small', window: 'd', limit: 0 }]);
    expect(await ledger.reserve(full)).toEqual({ ok: false, used: [0, 0] });
    expect(await ledger.used(here.scope, 'd')).toBe(0);
  });

  it('lets concurrent multi-counter reservations go over no limit', async () => {
    const budget = { scope: 'budget', window: 'd', limit: 7 };
    const users = ['u0', 'u1', 'u2'];
    const fire = (limit: number, shared: typeof budget) =>
      Promise.all(
        Array.from({ length: 60 }, (_, i) => {
          const user = users[i % 3] ?? 'u0';
          return ledger
            .reserve(multi([{ scope: `${shared.scope}:${user}`, window: 'd', limit }, shared]))
            .then((r) => ({ user, ok: r.ok }));
        }),
      );
    // The budget binds first: 7 in all, no user over their 4.
    const first = await fire(4, budget);
    expect(first.filter((r) => r.ok)).toHaveLength(7);
    for (const user of users) {
      const mine = first.filter((r) => r.ok && r.user === user).length;
      expect(mine).toBeLessThanOrEqual(4);
      expect(await ledger.used(`budget:${user}`, 'd')).toBe(mine);
    }
    expect(await ledger.used('budget', 'd')).toBe(7);
    // Each user's own limit binds first: 2 each, 6 of the budget of 100.
    const roomy = { scope: 'roomy', window: 'd', limit: 100 };
    const second = await fire(2, roomy);
    expect(second.filter((r) => r.ok)).toHaveLength(6);
    for (const user of users) expect(await ledger.used(`roomy:${user}`, 'd')).toBe(2);
    expect(await ledger.used('roomy', 'd')).toBe(6);
  });

  it('refunds every counter a reservation charged, exactly once, and each only in its own epoch', async () => {
    const global = { scope: 'global:slack:u1', window: 'd', limit: 50 };
    const budget = { scope: 'budget', window: 'd', limit: 50 };
    const a = multi([{ scope: 'slack:T1:u1', window: 'd', limit: 50 }, global, budget], { cost: 2 });
    const b = multi([{ scope: 'slack:T2:u1', window: 'd', limit: 50 }, global, budget], { cost: 3 });
    expect(await ledger.reserve(a)).toEqual({ ok: true, used: [2, 2, 2] });
    expect(await ledger.reserve(b)).toEqual({ ok: true, used: [3, 5, 5] });
    expect(await ledger.get(a.reservationId)).toMatchObject({
      charges: [
        { scope: 'slack:T1:u1', window: 'd' },
        { scope: global.scope, window: 'd' },
        { scope: budget.scope, window: 'd' },
      ],
      cost: 2,
      state: 'reserved',
    });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => ledger.refund(a.reservationId)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await ledger.used('slack:T1:u1', 'd')).toBe(0);
    expect(await ledger.used(global.scope, 'd')).toBe(3);
    expect(await ledger.used(budget.scope, 'd')).toBe(3);
    // A repeated id charges nothing and answers with each counter's usage.
    expect(await ledger.reserve(b)).toEqual({ ok: true, used: [3, 3, 3] });
    // An owner resets the user's global counter: b's refund gives nothing back there, the rest as usual.
    await ledger.reset(global.scope, 'd');
    expect(await ledger.refund(b.reservationId)).toBe(true);
    expect(await ledger.used('slack:T2:u1', 'd')).toBe(0);
    expect(await ledger.used(global.scope, 'd')).toBe(0);
    expect(await ledger.used(budget.scope, 'd')).toBe(0);
    expect(await ledger.pending()).toEqual([]);
  });

  it('rejects a request that charges no counter, or one counter twice', async () => {
    await expect(ledger.reserve(multi([]))).rejects.toThrow(/charges/);
    const twice = { scope: 's', window: 'w', limit: 5 };
    await expect(ledger.reserve(multi([twice, { ...twice, limit: 9 }]))).rejects.toThrow(/twice/);
    expect(await ledger.used('s', 'w')).toBe(0);
  });

  it('charges, commits and refunds a job’s price in credits on the user here, everywhere and the budget', async () => {
    const config = parseConfig({
      QUOTA_UNIT: 'credits',
      QUOTA_DEFAULT: '100',
      QUOTA_GLOBAL_PER_USER: '150',
      BUDGET_PER_PERIOD: '200',
      PRICES: 'grok-imagine-video:3/s,grok-video-3@1080P:60/video,*:2/s',
    });
    const quota = createQuotaService({
      ledger,
      state: createMemoryState(),
      config: config.quota,
      ownerIds: [],
      logger: capturedLogger().logger,
    });
    const tag = randomUUID();
    const user = { platform: 'discord' as const, spaceId: `g1-${tag}`, userId: `u-${tag}` };
    const thirty = { model: 'grok-imagine-video', seconds: 10, resolution: '720P' };
    const window = quotaWindow('day', Date.now()).label;
    const counters = async () => [
      await ledger.used(scopeKey(user), window),
      await ledger.used(globalScopeKey(user), window),
      await ledger.used(BUDGET_SCOPE, window),
    ];
    const attempt = (subject: typeof user, id: string, request = thirty) =>
      quota.reserve(subject, id, request).then(
        () => true,
        () => false,
      );
    // 10 at once at 30 credits against 100 here: exactly 3 fit.
    const here = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(user, `${tag}-a${i}`)));
    expect(here.filter(Boolean)).toHaveLength(3);
    expect(await counters()).toEqual([90, 90, 90]);
    // The same user in another space: the 150 everywhere leaves room for 2.
    const elsewhere = { ...user, spaceId: `g2-${tag}` };
    const there = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(elsewhere, `${tag}-b${i}`)));
    expect(there.filter(Boolean)).toHaveLength(2);
    // Someone else: the budget of 200 has 50 left, room for one 30-credit video, not for a 60-credit one.
    const other = { ...user, userId: `v-${tag}` };
    expect(
      await attempt(other, `${tag}-c0`, { model: 'grok-video-3', seconds: 15, resolution: '1080P' }),
    ).toBe(false);
    const others = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt(other, `${tag}-c${i + 1}`)),
    );
    expect(others.filter(Boolean)).toHaveLength(1);
    expect(await ledger.used(BUDGET_SCOPE, window)).toBe(180);
    // A delivered job stays charged; a failed one gives its 30 credits back to every counter, once.
    const granted = here.flatMap((ok, i) => (ok ? [`${tag}-a${i}`] : []));
    expect(await quota.commit(granted[0] ?? '')).toBe(true);
    expect(await quota.refund(granted[0] ?? '')).toBe(false);
    const refunds = await Promise.all(Array.from({ length: 5 }, () => quota.refund(granted[1] ?? '')));
    expect(refunds.filter(Boolean)).toHaveLength(1);
    expect(await counters()).toEqual([60, 120, 150]);
    expect((await ledger.get(granted[1] ?? ''))?.cost).toBe(30);
  });

  if (backend.crossProcess) {
    it('sees the same counters from a second connection', async () => {
      const other = await store.reopen();
      try {
        const a = request();
        await ledger.reserve(a);
        expect(await other.used(a.scope, a.window)).toBe(1);
        expect(await other.refund(a.reservationId)).toBe(true);
        expect(await ledger.refund(a.reservationId)).toBe(false);
        expect(await ledger.used(a.scope, a.window)).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('lets exactly 5 through across processes (2 workers × 50 + 50 here, limit 5)', async () => {
      const scope = `xproc-${randomUUID()}`;
      const args = [store.url, '50', ...store.workerArgs, '--scope', scope, '--window', 'w', '--limit', '5'];
      const workers = await Promise.all([startWorker(args), startWorker(args)]);
      await startTogether(workers);
      const mine = await Promise.all(
        Array.from({ length: 50 }, () => ledger.reserve(request({ scope, window: 'w', limit: 5 }))),
      );
      const theirs = await Promise.all(workers.map((w) => w.result));
      const okTotal = mine.filter((r) => r.ok).length + theirs.reduce((n, t) => n + (t.ok?.length ?? 0), 0);
      expect(okTotal).toBe(5);
      expect(await ledger.used(scope, 'w')).toBe(5);
      expect(await ledger.pending()).toHaveLength(5);
    });

    it('lets only what fits in credits through across processes (30-credit jobs, limit 100)', async () => {
      const scope = `xcredits-${randomUUID()}`;
      const args = [store.url, '20', ...store.workerArgs, '--scope', scope, '--window', 'w'];
      const workers = await Promise.all([
        startWorker([...args, '--limit', '100', '--cost', '30']),
        startWorker([...args, '--limit', '100', '--cost', '30']),
      ]);
      await startTogether(workers);
      const mine = await Promise.all(
        Array.from({ length: 20 }, () =>
          ledger.reserve(request({ scope, window: 'w', limit: 100, cost: 30 })),
        ),
      );
      const theirs = await Promise.all(workers.map((w) => w.result));
      const okTotal = mine.filter((r) => r.ok).length + theirs.reduce((n, t) => n + (t.ok?.length ?? 0), 0);
      expect(okTotal).toBe(3);
      expect(await ledger.used(scope, 'w')).toBe(90);
    });

    it('keeps every counter under its limit across processes when reservations charge several', async () => {
      const tag = randomUUID();
      const budget = `xbudget-${tag}`;
      // Each process its own user (limit 3), all of them one budget (limit 5).
      const workerArgs = (user: string) => [
        store.url,
        '50',
        ...store.workerArgs,
        '--window',
        'w',
        '--charge',
        `${user},3`,
        '--charge',
        `${budget},5`,
      ];
      const workers = await Promise.all([
        startWorker(workerArgs(`xuser1-${tag}`)),
        startWorker(workerArgs(`xuser2-${tag}`)),
      ]);
      await startTogether(workers);
      const charges = [
        { scope: `xuser0-${tag}`, window: 'w', limit: 3 },
        { scope: budget, window: 'w', limit: 5 },
      ];
      const mine = await Promise.all(Array.from({ length: 50 }, () => ledger.reserve(multi(charges))));
      const theirs = await Promise.all(workers.map((w) => w.result));
      const oks = [mine.filter((r) => r.ok).length, ...theirs.map((t) => t.ok?.length ?? 0)];
      expect(oks.reduce((a, b) => a + b, 0)).toBe(5);
      expect(await ledger.used(budget, 'w')).toBe(5);
      for (const [i, ok] of oks.entries()) {
        expect(ok).toBeLessThanOrEqual(3);
        // Refused reservations charged nothing: each user's counter holds exactly what they were granted.
        expect(await ledger.used(`xuser${i}-${tag}`, 'w')).toBe(ok);
      }
    });

    it('refunds each reservation exactly once when two processes race to refund them', async () => {
      const scope = `xrefund-${randomUUID()}`;
      const reservations = Array.from({ length: 30 }, () => request({ scope, cost: 2, limit: 1000 }));
      for (const r of reservations) await ledger.reserve(r);
      expect(await ledger.used(scope, '2026-11-25')).toBe(60);
      const ids = reservations.map((r) => r.reservationId);
      const args = [store.url, '0', ...store.workerArgs, '--refund', ids.join(',')];
      const workers = await Promise.all([startWorker(args), startWorker(args)]);
      await startTogether(workers);
      const mine = await Promise.all(ids.map((id) => ledger.refund(id)));
      const theirs = await Promise.all(workers.map((w) => w.result));
      const refundedBy = [ids.filter((_, i) => mine[i]), ...theirs.map((t) => t.refunded ?? [])];
      const all = refundedBy.flat();
      expect(all).toHaveLength(ids.length);
      expect(new Set(all)).toEqual(new Set(ids));
      expect(await ledger.used(scope, '2026-11-25')).toBe(0);
      expect(await ledger.pending()).toEqual([]);
    });
  }
});

describe('createQuotaLedger', () => {
  it('rejects store URLs it does not know', async () => {
    await expect(createQuotaLedger('postgres://x')).rejects.toThrow(
      'STORE_URL must start with sqlite://, redis:// or memory:// (got "postgres://x")',
    );
    await expect(createQuotaLedger('garbage')).rejects.toThrow(
      'STORE_URL must start with sqlite://, redis:// or memory:// (got "garbage")',
    );
    await expect(createQuotaLedger('')).rejects.toThrow(/STORE_URL must start with/);
  });

  it('waits for another process holding the SQLite write lock instead of failing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quota-busy-'));
    const file = join(dir, 'bot.sqlite');
    const ledger = await createQuotaLedger(`sqlite://${file}`);
    // A second connection (as the operator CLI would open) takes the write lock and keeps it for 300 ms.
    const other = await new Promise<sqlite3.Database>((resolve, reject) => {
      const db: sqlite3.Database = new sqlite3.Database(file, (error) =>
        error ? reject(error) : resolve(db),
      );
    });
    const exec = (sql: string) =>
      new Promise<void>((resolve, reject) => other.exec(sql, (error) => (error ? reject(error) : resolve())));
    try {
      await exec("BEGIN IMMEDIATE; UPDATE quota_usage SET used = used WHERE scope = 'nobody';");
      const started = Date.now();
      const release = new Promise((resolve) => setTimeout(resolve, 300)).then(() => exec('COMMIT'));
      const result = await ledger.reserve(request());
      await release;
      expect(result).toEqual({ ok: true, used: [1] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
      await ledger.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shares the SQLite file with keyv, which keeps working', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quota-keyv-'));
    const file = join(dir, 'bot.sqlite');
    try {
      const ledger = await createQuotaLedger(`sqlite://${file}`);
      const keyv = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) });
      await keyv.set('job:1', { state: 'running' });
      expect((await ledger.reserve(request())).ok).toBe(true);
      expect(await keyv.get('job:1')).toEqual({ state: 'running' });
      expect(await ledger.used('discord:guild1:user1', '2026-11-25')).toBe(1);
      await keyv.disconnect();
      await ledger.close();
      expect(existsSync(file)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
