import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createQuotaLedger, type QuotaLedger } from '../src/quota/ledger.js';
import { deleteRedisPrefix, ensureRedis, uniqueRedisPrefix } from '../test/helpers/redis.js';
import { fixed, percentile, writeFigures } from './stats.js';

/**
 * Quota ledger throughput: USERS scopes × PER_USER reserves each, all in flight together (limit high
 * enough that every one succeeds), then a commit of each, then a contended round: USERS × PER_USER reserves
 * on one scope with a limit of USERS (almost all refused), refunds, and finally reserves one at a time.
 * Reports operations per second and latency percentiles per backend. With everything in flight at once the
 * latency is mostly queueing (the last of 5000 waits for the 4999 before it); the one-at-a-time row is
 * the cost of a single operation.
 */
const USERS = Number(process.env.BENCH_USERS ?? 100);
const PER_USER = Number(process.env.BENCH_PER_USER ?? 50);
const SERIAL = 500;
const HOUR = 3_600_000;

interface Row {
  backend: string;
  phase: string;
  ops: number;
  okCount: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

async function timed<T>(
  work: (i: number) => Promise<T>,
  count: number,
): Promise<{ results: T[]; seconds: number; ms: number[] }> {
  const ms: number[] = new Array<number>(count);
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t0 = performance.now();
      const result = await work(i);
      ms[i] = performance.now() - t0;
      return result;
    }),
  );
  return { results, seconds: (performance.now() - started) / 1000, ms };
}

function row(backend: string, phase: string, run: { seconds: number; ms: number[] }, okCount: number): Row {
  return {
    backend,
    phase,
    ops: run.ms.length,
    okCount,
    opsPerSecond: run.ms.length / run.seconds,
    p50: percentile(run.ms, 50),
    p99: percentile(run.ms, 99),
    max: Math.max(...run.ms),
  };
}

async function bench(backend: string, ledger: QuotaLedger): Promise<Row[]> {
  const tag = `${Date.now()}`;
  const total = USERS * PER_USER;
  const expiresAt = Date.now() + HOUR;
  const id = (phase: string, i: number) => `${phase}-${tag}-${i}`;

  // Warm up: connections, prepared scripts, page cache.
  await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      ledger.reserve({
        reservationId: id('warm', i),
        charges: [{ scope: 'warm', window: 'w', limit: 1e9 }],
        cost: 1,
        expiresAt,
      }),
    ),
  );

  const reserve = await timed(
    (i) =>
      ledger.reserve({
        reservationId: id('r', i),
        charges: [{ scope: `bench:user${i % USERS}`, window: '2026-11-25', limit: 1e9 }],
        cost: 1 + (i % 3),
        expiresAt,
      }),
    total,
  );
  const reserveOk = reserve.results.filter((r) => r.ok).length;
  if (reserveOk !== total) throw new Error(`${backend}: only ${reserveOk} of ${total} reserves succeeded`);

  const commit = await timed((i) => ledger.commit(id('r', i)), total);
  const commitOk = commit.results.filter(Boolean).length;

  const contended = await timed(
    (i) =>
      ledger.reserve({
        reservationId: id('c', i),
        charges: [{ scope: 'bench:hot', window: '2026-11-25', limit: USERS }],
        cost: 1,
        expiresAt,
      }),
    total,
  );
  const contendedOk = contended.results.filter((r) => r.ok).length;
  if (contendedOk !== USERS)
    throw new Error(`${backend}: ${contendedOk} contended reserves went through, not ${USERS}`);

  const refund = await timed((i) => ledger.refund(id('c', i % USERS)), USERS);

  // One at a time: the latency of a single reserve with no queue in front of it.
  const serialMs: number[] = [];
  const serialStart = performance.now();
  for (let i = 0; i < SERIAL; i++) {
    const t0 = performance.now();
    await ledger.reserve({
      reservationId: id('s', i),
      charges: [{ scope: 'bench:serial', window: '2026-11-25', limit: 1e9 }],
      cost: 1,
      expiresAt,
    });
    serialMs.push(performance.now() - t0);
  }
  const serial = { seconds: (performance.now() - serialStart) / 1000, ms: serialMs };

  // What a job reserves in the bot: the user here, the user everywhere and the whole bot's budget, at once.
  const jobLike = await timed(
    (i) =>
      ledger.reserve({
        reservationId: id('j', i),
        charges: [
          { scope: `bench:space:user${i % USERS}`, window: '2026-11-25', limit: 1e9 },
          { scope: `bench:global:user${i % USERS}`, window: '2026-11-25', limit: 1e9 },
          { scope: 'bench:budget', window: '2026-11-25', limit: 1e9 },
        ],
        cost: 1,
        expiresAt,
      }),
    total,
  );
  const jobLikeOk = jobLike.results.filter((r) => r.ok).length;
  const refundOk = refund.results.filter(Boolean).length;

  return [
    row(backend, `reserve (${USERS} scopes × ${PER_USER})`, reserve, reserveOk),
    row(backend, 'commit', commit, commitOk),
    row(backend, `reserve, 1 scope, limit ${USERS}`, contended, contendedOk),
    row(backend, 'refund', refund, refundOk),
    row(backend, 'reserve, one at a time', serial, SERIAL),
    row(backend, 'reserve 3 counters (as a job)', jobLike, jobLikeOk),
  ];
}

const rows: Row[] = [];

{
  const dir = await mkdtemp(join(tmpdir(), 'bench-quota-'));
  const ledger = await createQuotaLedger(`sqlite://${join(dir, 'bot.sqlite')}`);
  try {
    rows.push(...(await bench('sqlite', ledger)));
  } finally {
    await ledger.close();
    await rm(dir, { recursive: true, force: true });
  }
}

{
  const url = ensureRedis();
  const prefix = uniqueRedisPrefix('bench-quota');
  const ledger = await createQuotaLedger(url, { redisPrefix: prefix });
  try {
    rows.push(...(await bench('redis', ledger)));
  } finally {
    await ledger.close();
    await deleteRedisPrefix(prefix, url);
  }
}

{
  const ledger = await createQuotaLedger('memory://');
  rows.push(...(await bench('memory', ledger)));
  await ledger.close();
}

console.log(`bench/quota: ${USERS} concurrent users × ${PER_USER} reserves, all in flight together\n`);
const header = ['backend', 'phase', 'ops', 'ok', 'ops/s', 'p50 ms', 'p99 ms', 'max ms'];
const lines = rows.map((r) => [
  r.backend,
  r.phase,
  String(r.ops),
  String(r.okCount),
  fixed(r.opsPerSecond, 0),
  fixed(r.p50),
  fixed(r.p99),
  fixed(r.max),
]);
const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => (l[c] ?? '').length)));
const format = (cells: string[]) =>
  cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
console.log(format(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const line of lines) console.log(format(line));

const figure = (backend: string, phase: string) =>
  rows.find((r) => r.backend === backend && r.phase.startsWith(phase));
const figures: Record<string, number> = {};
for (const backend of ['sqlite', 'redis']) {
  const burst = figure(backend, 'reserve (');
  const serial = figure(backend, 'reserve, one at a time');
  figures[`${backend}ReservesPerSecond`] = burst?.opsPerSecond ?? NaN;
  figures[`${backend}BurstP99Ms`] = burst?.p99 ?? NaN;
  figures[`${backend}SerialP50Ms`] = serial?.p50 ?? NaN;
  figures[`${backend}SerialP99Ms`] = serial?.p99 ?? NaN;
}
figures.inFlight = USERS * PER_USER;
await writeFigures(figures);
