import { cp, mkdir, mkdtemp, readdir, rm, symlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from './emulators/video-api/server.js';
import { spawnMain } from './helpers/main-process.js';

/**
 * `npm start` as an operator runs it, in a copy of the repository with no dist/ (a fresh clone): the first
 * start compiles, later ones run the compiled JavaScript as it is, and the compiled bot runs without the dev
 * dependencies (tsx, TypeScript) installed, as in the Docker image.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODULES = join(ROOT, 'node_modules');
const COPIED = [
  'bin',
  'src',
  'commands',
  'adapters',
  'scripts',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
];
/** What `npm ci --omit=dev` leaves out and the running bot must not need. */
const DEV_ONLY = new Set(['tsx', 'typescript', '.bin']);

let clone: string;
let video: VideoApiEmulator;
let slack: SlackEmulator;

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), 'npm-start-'));
  for (const entry of COPIED) await cp(join(ROOT, entry), join(clone, entry), { recursive: true });
  video = await startVideoApiEmulator();
  slack = await startSlackEmulator();
});
afterAll(async () => {
  await Promise.all([video?.close(), slack?.close()]);
  await rm(clone, { recursive: true, force: true });
});

const npmStart = (env: Record<string, string> = {}) =>
  spawnMain({ STORE_URL: 'memory://', ...env }, { command: ['npm', 'start', '--silent'], cwd: clone });

describe('npm start in a fresh clone', () => {
  it('compiles on the first start, then runs dist/ without tsx or TypeScript', async () => {
    await symlink(MODULES, join(clone, 'node_modules'));
    // No settings: the compiled bot is reached, and says what is missing.
    const first = npmStart();
    expect((await first.exited()).code).toBe(1);
    expect(first.stderr()).toContain('Compiling the bot into dist/');
    expect(first.stderr()).toContain('Cannot start the bot');

    // The production install: the same packages without the dev-only ones.
    await rm(join(clone, 'node_modules'));
    await mkdir(join(clone, 'node_modules'));
    for (const entry of await readdir(MODULES)) {
      if (!DEV_ONLY.has(entry)) await symlink(join(MODULES, entry), join(clone, 'node_modules', entry));
    }
    const bot = npmStart({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_PORT: '0',
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
    });
    await bot.waitForOutput('Slack adapter ready', 30_000);
    expect(bot.stderr()).not.toContain('Compiling');
    // npm hands SIGTERM to the bot itself (the script execs node), which shuts down cleanly.
    expect(await bot.stop()).toEqual({ code: 0, signal: null });
    expect(bot.stdout()).toContain('shutting down');
  }, 180_000);

  it('compiles again when a source changed, and says what to do when TypeScript is not installed', async () => {
    const later = new Date(Date.now() + 5000);
    await utimes(join(clone, 'src', 'config.ts'), later, later);
    const run = npmStart();
    expect((await run.exited()).code).toBe(1);
    expect(run.stderr()).toContain('dist/ is missing or older than the sources, and TypeScript');
    expect(run.stderr()).not.toContain('Cannot start the bot');
  });
});
