import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * What the benchmarks that run the compiled bot share: the production form of its process (keep in step with
 * the Dockerfile's CMD and ENV, so the figures are the production bot's), the bench-only helpers compiled beside
 * it (they run under plain node, as the bot does), and its RSS as the kernel counts it.
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=30'];
export const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2' };

/** Builds the bot (`dist/`, when stale) and compiles bench helpers (e.g. `bench/loop-lag-hook.ts`) beside it. */
export function compileBotAndHelpers(files: readonly string[]): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  execFileSync(
    'npx',
    [
      'tsc',
      ...files,
      '--outDir',
      'dist/bench',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
      '--types',
      'node',
      '--strict',
      '--skipLibCheck',
    ],
    { stdio: 'inherit' },
  );
}

/** A process's resident memory in MB (`VmRSS`, or another field of /proc/<pid>/status such as `RssAnon`). */
export async function rssMb(pid: number, field = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
}
