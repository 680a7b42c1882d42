import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Preloaded into the bot process by the benchmarks (`node --import dist/bench/loop-lag-hook.js
 * dist/bin/main.js`, with an IPC channel and BENCH_LOOP_LAG=1), so the event-loop lag is measured inside the
 * bot without touching src/. The parent sends `{ cmd: 'reset' }` to start a window and `{ cmd: 'report' }` to
 * get that window's figures back (`{ cmd: 'report', gc: true }` collects garbage first when the bot runs with
 * `--expose-gc`, so the heap figure is what is live). Node's histogram records the whole timer interval, so
 * the sampling resolution is subtracted: the figures are how late the loop was, 0 on an idle process.
 */
const RESOLUTION_MS = 10;

export interface LoopLagReport {
  type: 'loop-lag';
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssMb: number;
  heapUsedMb: number;
  /** Heap V8 has committed (used or not). */
  heapTotalMb: number;
  /** Committed size of each V8 heap space, MB. */
  spacesMb: Record<string, number>;
  /** Anonymous resident memory (heaps, malloc) as the kernel counts it. */
  rssAnonMb: number;
  /** Buffers and other memory outside the JS heap. */
  externalMb: number;
  /** User + system CPU time of the bot since it started. */
  cpuMs: number;
  /** Whether a full collection ran just before the memory figures were taken. */
  collected: boolean;
}

if (process.env.BENCH_LOOP_LAG === '1' && process.send) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const lag = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const gc = (globalThis as { gc?: () => void }).gc;
  let session: Session | undefined;
  process.on('message', (message: unknown) => {
    const cmd = typeof message === 'object' && message !== null && 'cmd' in message ? message.cmd : undefined;
    if (cmd === 'reset') histogram.reset();
    // For finding what a job retains (bench/cost-per-job.ts with BENCH_HEAP_PROFILE=<dir>): V8's sampling heap
    // profiler keeps the allocation stacks of what is still live. Heap snapshots crash this process on Node 20.
    // With `allocations: true` it keeps what was collected too, i.e. everything allocated in the window
    // (bench/discord-burst.ts with BENCH_ALLOC_PROFILE=<file>: what a burst's commands allocate).
    // With `allocations: 'promoted'` it keeps what outlived the young generation, live or collected since by a
    // full collection: what passes through old space (BENCH_HEAP_PROFILE with BENCH_HEAP_PROFILE_PROMOTED=1).
    if (cmd === 'sample-start') {
      const allocations =
        typeof message === 'object' && message !== null && 'allocations' in message
          ? message.allocations
          : false;
      session ??= new Session();
      session.connect();
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: allocations === true || allocations === 'promoted',
        includeObjectsCollectedByMinorGC: allocations === true,
      });
    }
    if (
      cmd === 'sample-stop' &&
      session &&
      typeof message === 'object' &&
      message !== null &&
      'path' in message
    ) {
      const path = String(message.path);
      session.post('HeapProfiler.getSamplingProfile', (error, result) => {
        if (!error) writeFileSync(path, JSON.stringify(result.profile));
        session?.post('HeapProfiler.stopSampling');
        process.send?.({ type: 'sampled', path });
      });
    }
    if (cmd === 'report') {
      const collect =
        typeof message === 'object' && message !== null && 'gc' in message && message.gc === true;
      if (collect) gc?.();
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      const mb = (bytes: number) => bytes / (1024 * 1024);
      const report: LoopLagReport = {
        type: 'loop-lag',
        samples: histogram.count,
        p50Ms: lag(histogram.percentile(50)),
        p99Ms: lag(histogram.percentile(99)),
        maxMs: lag(histogram.max),
        rssMb: mb(memory.rss),
        heapUsedMb: mb(memory.heapUsed),
        heapTotalMb: mb(memory.heapTotal),
        spacesMb: Object.fromEntries(
          getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.physical_space_size)]),
        ),
        rssAnonMb:
          Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024,
        externalMb: mb(memory.external + memory.arrayBuffers),
        cpuMs: (cpu.user + cpu.system) / 1000,
        collected: collect && gc !== undefined,
      };
      process.send?.(report);
    }
  });
  // The IPC channel must not keep a bot alive that main.ts has decided to stop.
  process.channel?.unref();
}
