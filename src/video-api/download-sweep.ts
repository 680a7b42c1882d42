import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { DOWNLOAD_DIR_PREFIX } from './download.js';

/**
 * Removes the download folders that processes which are gone left in the temporary folder: a process killed
 * mid-job (SIGKILL, OOM, a crash) never runs its cleanup, and each folder may hold a video of up to
 * MAX_VIDEO_BYTES. Run once at start, before this process downloads anything.
 *
 * Whose a folder is comes from the pid in its name (`grok-video-<pid>-XXXXXX`), not from its age: a download
 * and its upload may take many minutes, and other bot processes may share this temporary folder (a second
 * instance, the Discord shard processes), so an age threshold would either delete a live download or keep a
 * dead one for hours. A folder is removed when its process is not running, or when the pid is this process's
 * own (it has made none yet, so an earlier process had the pid: a restarted container's PID 1). A pid reused by
 * an unrelated process keeps its folder until a later start. Folders named before they carried a pid are removed
 * once older than an hour. Only real folders with our prefix are touched; links and files are left alone.
 */

const UNOWNED_MAX_AGE_MS = 60 * 60_000;
const WITH_PID = new RegExp(`^${DOWNLOAD_DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);
const WITHOUT_PID = new RegExp(`^${DOWNLOAD_DIR_PREFIX}[A-Za-z0-9]{6}$`);

export interface SweepOptions {
  logger: Logger;
  /** The OS temporary folder (TMPDIR) by default, where downloads go. */
  root?: string;
  now?: () => number;
}

/** The names of the folders it removed. Never throws: a sweep that fails only leaves files behind. */
export async function sweepDownloadLeftovers(options: SweepOptions): Promise<string[]> {
  const root = options.root ?? tmpdir();
  const now = options.now ?? Date.now;
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    options.logger.warn({ root, err: error }, 'cannot read the temporary folder to remove old downloads');
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(DOWNLOAD_DIR_PREFIX)) continue;
    const path = join(root, name);
    try {
      const stat = await lstat(path);
      if (!stat.isDirectory() || !isLeftover(name, now() - stat.mtimeMs)) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch (error) {
      options.logger.warn({ path, err: error }, 'could not remove an old download folder');
    }
  }
  if (removed.length > 0) {
    options.logger.info(
      { root, folders: removed.length },
      'removed download folders left by earlier processes',
    );
  }
  return removed;
}

function isLeftover(name: string, ageMs: number): boolean {
  const pid = Number(WITH_PID.exec(name)?.[1] ?? NaN);
  if (Number.isInteger(pid)) return pid === process.pid || !isRunning(pid);
  return WITHOUT_PID.test(name) && ageMs > UNOWNED_MAX_AGE_MS;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; only ESRCH says it is gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
