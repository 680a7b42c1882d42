import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * CPU time a process has used so far, user and system, in ms (/proc/<pid>/stat, in the kernel's clock ticks of
 * 10 ms): works for a child without an IPC channel, such as the bare discord.js client.
 */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
  // 14th and 15th fields of the line, the 12th and 13th after the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The compiled bot in a process of its own, on the emulators, with the loop-lag hook preloaded (IPC). */
export interface CompiledBot {
  process: ChildProcess;
  /** SIGTERM, waits for the exit, removes its SQLite store. */
  stop(): Promise<void>;
}

/** SIGTERM, and resolves once the process has exited (at once if it already has). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts `dist/bin/main.js` as production runs it (the flags and environment above, the SQLite store in a
 * directory of its own), quiet (warn and above on stderr), with `env` on top: the emulators' addresses and
 * the run's caps. `nodeFlags`, then BENCH_EXTRA_NODE_FLAGS (for trying runtime settings before they go into the
 * Dockerfile, e.g. '--optimize-for-size'), come after the production ones, so a V8 flag given there overrides
 * its default.
 */
export async function spawnCompiledBot(
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<CompiledBot> {
  const storeDir = await mkdtemp(join(tmpdir(), 'bench-bot-'));
  const child = spawn(
    process.execPath,
    [
      ...PRODUCTION_NODE_FLAGS,
      ...nodeFlags,
      ...(process.env.BENCH_EXTRA_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      '--import',
      './dist/bench/loop-lag-hook.js',
      'dist/bin/main.js',
    ],
    {
      env: {
        ...process.env,
        ...PRODUCTION_ENV,
        BENCH_LOOP_LAG: '1',
        DISCORD_TOKEN: 'bench-token',
        // The production default store: job records and quotas on disk, as an operator would run it.
        STORE_URL: `sqlite://${storeDir}/bot.sqlite`,
        LOG_LEVEL: 'warn',
        LOG_PRETTY: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  return {
    process: child,
    async stop() {
      await stopProcess(child);
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
