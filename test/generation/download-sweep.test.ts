import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepDownloadLeftovers } from '../../src/video-api/download-sweep.js';
import { startSlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { collect, capturedLogger, serviceFor } from '../helpers/core.js';
import { freePort } from '../helpers/net.js';
import { listening, spawnMain } from '../helpers/main-process.js';

/**
 * Download folders a crashed process left behind (each may hold a video of up to MAX_VIDEO_BYTES) are removed
 * when a bot process starts: those of processes that are gone, never those of a process still running (another
 * bot process on the same machine, a Discord shard), and nothing else in the temporary folder.
 */

let root: string;
let video: VideoApiEmulator;
const HOUR = 3_600_000;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'download-sweep-'));
  video = await startVideoApiEmulator({ generationMs: 0 });
});
afterAll(async () => {
  await video.close();
  await rm(root, { recursive: true, force: true });
});

/** A pid no process has any more: a child that already exited. */
function finishedPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('no child');
  return pid;
}

/** A download folder as a crashed download leaves it: a partial MP4 inside. */
async function leftover(dir: string, name: string, ageMs = 0): Promise<void> {
  const path = join(dir, name);
  await mkdir(path);
  await writeFile(join(path, 'video_x.mp4'), Buffer.alloc(1024));
  const at = new Date(Date.now() - ageMs);
  await utimes(path, at, at);
}

describe('sweeping download folders', () => {
  it('names each download folder after the process that made it', async () => {
    const { service } = serviceFor(video);
    const prepared = await service.prepare({ prompt: 'a folder of its own' });
    const events = await collect(service.run({ body: prepared.body }));
    const last = events.at(-1);
    if (last?.type !== 'completed') throw new Error(`last event was ${last?.type}`);
    try {
      expect(basename(dirname(last.video.path))).toMatch(new RegExp(`^grok-video-${process.pid}-\\w{6}$`));
    } finally {
      await last.video.cleanup();
    }
  });

  it('keeps one folder for all of a process’s downloads, removes each file after use, and remakes a removed folder', async () => {
    const { service } = serviceFor(video);
    const download = async (prompt: string) => {
      const prepared = await service.prepare({ prompt });
      const last = (await collect(service.run({ body: prepared.body }))).at(-1);
      if (last?.type !== 'completed') throw new Error(`last event was ${last?.type}`);
      return last.video;
    };
    const [a, b] = await Promise.all([download('first'), download('second')]);
    expect(dirname(a.path)).toBe(dirname(b.path));
    expect(a.path).not.toBe(b.path);
    await a.cleanup();
    expect(await readdir(dirname(a.path))).toEqual([basename(b.path)]);
    await b.cleanup();
    expect(await readdir(dirname(a.path))).toEqual([]);

    // A temp cleaner removed it while the bot was quiet: the next download makes a new one.
    await rm(dirname(a.path), { recursive: true });
    const c = await download('third');
    try {
      expect(dirname(c.path)).not.toBe(dirname(a.path));
      expect(basename(dirname(c.path))).toMatch(new RegExp(`^grok-video-${process.pid}-\\w{6}$`));
      expect(await readdir(dirname(c.path))).toEqual([basename(c.path)]);
    } finally {
      await c.cleanup();
      await rm(dirname(c.path), { recursive: true, force: true });
    }
  });

  it('removes the folders of gone processes and its own pid’s, keeps running ones’ and anything else', async () => {
    const dir = await mkdtemp(join(root, 'tmp-'));
    const running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      const gone = finishedPid();
      await leftover(dir, `grok-video-${gone}-aaaaaa`);
      // Left by an earlier process that had this pid (a restarted container's PID 1): this one has made none yet.
      await leftover(dir, `grok-video-${process.pid}-bbbbbb`);
      // Another bot process on this machine, mid-download: even an old folder stays.
      await leftover(dir, `grok-video-${running.pid}-cccccc`, 48 * HOUR);
      // Made before folders carried a pid: removed once no download could still be using them.
      await leftover(dir, 'grok-video-dddddd', 2 * HOUR);
      await leftover(dir, 'grok-video-eeeeee');
      // Not ours: other names, a file with our name, a link to a folder elsewhere.
      await leftover(dir, 'other-app-ffffff');
      await writeFile(join(dir, `grok-video-${gone}-gggggg`), 'a file');
      const target = await mkdtemp(join(root, 'target-'));
      await symlink(target, join(dir, `grok-video-${gone}-hhhhhh`));

      const log = capturedLogger();
      const removed = await sweepDownloadLeftovers({ root: dir, logger: log.logger });

      expect(removed.sort()).toEqual(
        [`grok-video-${gone}-aaaaaa`, `grok-video-${process.pid}-bbbbbb`, 'grok-video-dddddd'].sort(),
      );
      expect((await readdir(dir)).sort()).toEqual(
        [
          `grok-video-${running.pid}-cccccc`,
          'grok-video-eeeeee',
          'other-app-ffffff',
          `grok-video-${gone}-gggggg`,
          `grok-video-${gone}-hhhhhh`,
        ].sort(),
      );
      expect(await readdir(target)).toEqual([]);
      expect(log.lines.join('\n')).toContain('removed download folders left by earlier processes');
    } finally {
      running.kill();
    }
  });

  it('answers nothing, and does not throw, when the temporary folder cannot be read', async () => {
    const log = capturedLogger();
    expect(await sweepDownloadLeftovers({ root: join(root, 'missing'), logger: log.logger })).toEqual([]);
  });

  it('is done by npm start before it takes any command', async () => {
    const dir = await mkdtemp(join(root, 'main-'));
    await leftover(dir, `grok-video-${finishedPid()}-iiiiii`);
    const slack = await startSlackEmulator();
    const port = await freePort();
    const bot = spawnMain({
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
      STORE_URL: 'memory://',
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl.replace(/\/$/, ''),
      SLACK_PORT: String(port),
      TMPDIR: dir,
    });
    try {
      await listening(port, 30_000);
      // tsx keeps its cache here too; only the download folder matters.
      expect((await readdir(dir)).filter((name) => name.startsWith('grok-video-'))).toEqual([]);
    } finally {
      await bot.stop();
      await slack.close();
    }
  });
});
