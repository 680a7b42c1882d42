import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * `npm start`'s program (bin/main.ts through tsx, as the dev scripts run it, unless `command` says otherwise)
 * in a child process, with only the environment a test gives it (no `.env`: the child's working directory has
 * none, and real variables win). Its stdout (pino JSON) and stderr are kept for assertions.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MainProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the output so far once `pattern` appears in stdout or stderr; rejects on exit or timeout. */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnMain(
  env: Record<string, string>,
  options: { command?: [string, ...string[]]; cwd?: string } = {},
): MainProcess {
  const [file, ...args] = options.command ?? [process.execPath, '--import', 'tsx', 'bin/main.ts'];
  const child = spawn(file, args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${file} did not start`);
  const pid = child.pid;
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((listener) => listener());
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    changed();
  });
  // 'close', not 'exit': by then everything the process wrote has been read.
  let closed = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
      changed();
    }),
  );
  const ended = () => closed;

  return {
    child,
    pid,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs = 20_000) {
      const found = () =>
        typeof pattern === 'string' ? (out + err).includes(pattern) : pattern.test(out + err);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${String(pattern)} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        function check() {
          if (found()) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(out + err);
          } else if (ended()) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited before ${String(pattern)}; stdout:\n${out}\nstderr:\n${err}`));
          }
        }
        listeners.add(check);
        check();
      });
    },
    exited: () => exit,
    async stop(graceMs = 10_000) {
      if (ended() || child.exitCode !== null || child.signalCode !== null) return exit;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

/** A memory figure of `pid` from /proc in bytes: VmRSS (resident now) or VmHWM (peak since `resetPeak`). */
export async function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  if (!Number.isFinite(kb)) throw new Error(`no ${field} for process ${pid}`);
  return kb * 1024;
}

/** Sets VmHWM to the current RSS (Linux `clear_refs` 5), so the next VmHWM is the peak from now on. */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (the bot's Slack receiver). */
export async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
