import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createRedisFairQueue } from '../src/jobs/redis-fair-queue.js';
import { fixed } from './stats.js';

/**
 * bench/queue.ts's workload on the shared fair line in Redis (STORE_URL=redis://, several instances): 2,000
 * waiting jobs from 200 users (10 each, submitted user by user), 8 slots. Reports the time to admit and
 * enqueue, to read the whole line in start order (what each instance does to refresh places, every 2 s while
 * it has jobs waiting), to drain it (dispatch + release, one job at a time as slots free), the Redis memory
 * the line takes, and the spread of each user's last start. Needs Redis on REDIS_URL (default
 * redis://127.0.0.1:6379); uses a key prefix of its own and deletes it.
 */
const USERS = Number(process.env.BENCH_USERS ?? 200);
const PER_USER = Number(process.env.BENCH_PER_USER ?? 10);
const SLOTS = 8;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `bench:{fq}:${process.pid}:`;
const fair = createRedisFairQueue(redis, prefix, { maxConcurrent: SLOTS, maxPerUser: PER_USER });

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

try {
  const memoryBefore = await usedMemory();
  // Occupy every slot so all 2,000 wait.
  for (let s = 0; s < SLOTS; s++) await fair.markRunning(`busy${s}`, `busy${s}`, Date.now());
  const t0 = performance.now();
  for (let u = 0; u < USERS; u++) {
    for (let j = 0; j < PER_USER; j++) {
      const id = `u${u}-j${j}`;
      await fair.admit(id, `user${u}`, Date.now());
      await fair.enqueue(id, `user${u}`);
    }
  }
  const enqueueMs = performance.now() - t0;
  const memoryQueued = await usedMemory();

  const t1 = performance.now();
  const ordered = await fair.ordered();
  const orderedMs = performance.now() - t1;

  const t2 = performance.now();
  const started: string[] = [];
  for (let s = 0; s < SLOTS; s++) await fair.release(`busy${s}`, `busy${s}`, Date.now());
  let running = (await fair.dispatch(Date.now())).map((job) => job.id);
  started.push(...running);
  while (running.length > 0) {
    const [done, ...rest] = running;
    await fair.release(done!, `user${done!.split('-')[0]!.slice(1)}`, Date.now());
    const next = (await fair.dispatch(Date.now())).map((job) => job.id);
    started.push(...next);
    running = [...rest, ...next];
  }
  const drainMs = performance.now() - t2;

  const lastStart = new Map<string, number>();
  started.forEach((id, index) => lastStart.set(id.split('-')[0]!, index));
  const positions = [...lastStart.values()];
  const spread = Math.max(...positions) - Math.min(...positions);
  const jobs = USERS * PER_USER;

  console.log(`bench/queue-redis: ${jobs} waiting jobs from ${USERS} users, ${SLOTS} slots, one Redis`);
  console.log(
    `  admit + enqueue, one at a time: ${fixed(enqueueMs, 0)} ms (${fixed((enqueueMs * 1000) / jobs, 0)} µs per job)`,
  );
  console.log(
    `  the whole line in start order (${ordered.length} ids, one Lua call): ${fixed(orderedMs, 1)} ms`,
  );
  console.log(
    `  drain (release + dispatch per start): ${fixed(drainMs, 0)} ms (${fixed((drainMs * 1000) / jobs, 0)} µs per start); ${started.length} started`,
  );
  console.log(
    `  Redis memory for the line: ${fixed((memoryQueued - memoryBefore) / 1048576, 2)} MB (${fixed((memoryQueued - memoryBefore) / jobs, 0)} bytes per job)`,
  );
  console.log(
    `  last-job start positions across users with equal load: spread ${spread} starts (one round is ${USERS})`,
  );
} finally {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
