import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A worker process that printed `ready` and waits for `go <epoch ms>` on stdin. */
export interface Worker {
  /** Tells the worker to start at `startAt` (epoch ms), so several processes start together. */
  go(startAt: number): void;
  /** The worker's last line of output, parsed as JSON, once it exited with 0. */
  result: Promise<unknown>;
}

/** Starts `node --import tsx <script> ...args` and resolves once it is ready. */
export async function startWorker(script: string, args: string[]): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve) =>
    createInterface({ input: child.stdout }).on('line', (line) =>
      line === 'ready' ? resolve() : output.push(line),
    ),
  );
  await Promise.race([
    ready,
    exited.then((code) => {
      throw new Error(`worker exited (${code}) before it was ready: ${stderr}`);
    }),
  ]);
  return {
    go: (startAt) => child.stdin.write(`go ${startAt}\n`),
    result: exited.then((code) => {
      const last = output.at(-1);
      if (code !== 0 || last === undefined) throw new Error(`worker exited (${code}): ${stderr}`);
      return JSON.parse(last) as unknown;
    }),
  };
}

/**
 * The worker's side of `startWorker`: prints `ready`, waits for `go <epoch ms>` on stdin, then sleeps until
 * that instant, so every process starts together rather than when its stdin happens to be read.
 */
export async function readyThenWaitForGo(): Promise<void> {
  process.stdout.write('ready\n');
  const startAt = await new Promise<number>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', (line) => {
      lines.close();
      process.stdin.destroy();
      resolve(Number(line.split(' ')[1] ?? 0));
    });
  });
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
