// Compiles the bot into dist/ (`npm run build`), or with --if-stale only when dist/ is missing or older than
// the sources (`npm start`, so production runs compiled JavaScript and a fresh clone builds on its first start).
// Plain JavaScript on purpose: it must run where dist/ is current and the dev dependencies (tsc, tsx) are not
// installed, as in the Docker image.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What tsconfig.build.json compiles, and the configs that shape the output. */
const SOURCES = ['bin', 'src', 'commands', 'adapters', 'tsconfig.json', 'tsconfig.build.json'];
/** Written after each successful build, dated when that build started (an edit made during it counts as newer). */
const STAMP = join(ROOT, 'dist', '.built');

/** The newest modification time under `path`; folders count too, so a deleted source makes dist/ stale. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isCurrent() {
  if (!existsSync(STAMP) || !existsSync(join(ROOT, 'dist', 'bin', 'main.js'))) return false;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.every((source) => newest(join(ROOT, source)) <= built);
}

function tscPath() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

if (process.argv.includes('--if-stale') && isCurrent()) process.exit(0);

const tsc = tscPath();
if (tsc === undefined) {
  console.error(
    'dist/ is missing or older than the sources, and TypeScript (a dev dependency) is not installed: run ' +
      '`npm ci` with the dev dependencies, then start again.',
  );
  process.exit(1);
}
console.error('Compiling the bot into dist/ ...');
const startedAt = new Date();
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync(join(ROOT, 'dist'), { recursive: true });
writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
utimesSync(STAMP, startedAt, startedAt);
