import { performance } from 'node:perf_hooks';
import { createScheduler } from '../src/jobs/scheduler.js';
import { fixed } from './stats.js';

/**
 * The fair queue under load: 2,000 waiting jobs from 200 users (10 each, submitted user by user, the worst
 * order for first-come-first-served), 8 upstream slots. Reports memory, time to enqueue and to drain, and
 * how unequal the waits of users with equal load are: the spread of the start positions of each user's
 * last job (first-come-first-served would make the last user wait ~1,990 starts longer than the first).
 */
const USERS = Number(process.env.BENCH_USERS ?? 200);
const PER_USER = Number(process.env.BENCH_PER_USER ?? 10);
const SLOTS = 8;

function heapMb(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / 1048576;
}

const scheduler = createScheduler({ maxConcurrent: SLOTS, maxPerUser: PER_USER });
// Occupy every slot so all 2,000 wait.
for (let s = 0; s < SLOTS; s++) {
  scheduler.admit(`busy${s}`, `busy${s}`, 'busy');
  scheduler.tryStart(`busy${s}`);
}
const heapBefore = heapMb();
const started: string[] = [];
let updates = 0;
const t0 = performance.now();
const waits: Promise<void>[] = [];
for (let u = 0; u < USERS; u++) {
  for (let j = 0; j < PER_USER; j++) {
    const id = `u${u}-j${j}`;
    scheduler.admit(id, `user${u}`, 'a prompt');
    waits.push(scheduler.waitForSlot(id, () => updates++).then(() => void started.push(id)));
  }
}
const enqueueMs = performance.now() - t0;
// Let one round of position updates go out (batched per tick), then measure the memory of the full queue.
await new Promise((r) => setImmediate(r));
await new Promise((r) => setImmediate(r));
const heapQueued = heapMb();

const t1 = performance.now();
for (let s = 0; s < SLOTS; s++) scheduler.release(`busy${s}`);
while (started.length < USERS * PER_USER) {
  await Promise.resolve();
  const running = started.slice(-SLOTS);
  for (const id of running) scheduler.release(id);
  await new Promise((r) => setImmediate(r));
}
await Promise.all(waits);
const drainMs = performance.now() - t1;

const lastStart = new Map<string, number>();
started.forEach((id, index) => lastStart.set(id.split('-')[0]!, index));
const positions = [...lastStart.values()];
const spread = Math.max(...positions) - Math.min(...positions);

console.log(`bench/queue: ${USERS * PER_USER} waiting jobs from ${USERS} users, ${SLOTS} slots`);
console.log(
  `  enqueue: ${fixed(enqueueMs, 1)} ms (${fixed((enqueueMs * 1000) / (USERS * PER_USER), 1)} µs per job)`,
);
console.log(
  `  drain (every job started, positions pushed to every waiting job as the line moved): ${fixed(drainMs, 0)} ms; ${updates} position updates`,
);
console.log(
  `  heap for the queued jobs: ${fixed(heapQueued - heapBefore, 2)} MB (${fixed(((heapQueued - heapBefore) * 1048576) / (USERS * PER_USER), 0)} bytes per job${global.gc ? '' : '; run with --expose-gc for exact figures'})`,
);
console.log(
  `  last-job start positions across users with equal load: spread ${spread} starts (one round is ${USERS})`,
);
