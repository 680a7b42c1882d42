import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fixed } from './stats.js';

/**
 * Summarises a `node --cpu-prof` profile of a bench process over its bursts only: `BENCH_CPU_PROF_DIR=dir
 * npm run bench:slack-burst` leaves dir/*.cpuprofile and dir/bursts.json (each burst's window on the
 * monotonic clock V8 stamps samples with), `bench:discord-burst` the same in dir/bot and dir/bare (the bare
 * discord.js client); then `tsx bench/cpu-profile.ts dir [commands] [round]` prints where the CPU went in those
 * windows: self time by module (a package, or a file of ours), time by module counting everything it called
 * (inclusive), and the top functions by self time, in ms per command.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: cpu-profile.ts <dir> [commands per burst] [round]');
const perBurst = Number(process.argv[3] ?? 500);

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
const windowsSchema = z.array(z.object({ round: z.number(), fromUs: z.number(), toUs: z.number() }));

const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
const profileFile = files[0];
if (!profileFile) throw new Error(`no .cpuprofile in ${dir}`);
const profile = profileSchema.parse(JSON.parse(await readFile(join(dir, profileFile), 'utf8')));
const onlyRound = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const windows = windowsSchema
  .parse(JSON.parse(await readFile(join(dir, 'bursts.json'), 'utf8')))
  .filter((w) => onlyRound === undefined || w.round === onlyRound);
const repo = fileURLToPath(new URL('..', import.meta.url));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  if (url.startsWith('file://')) return relative(repo, fileURLToPath(url));
  return url;
}
const label = (id: number) => {
  const frame = byId.get(id)?.callFrame;
  if (!frame) return '?';
  return `${frame.functionName || '(anonymous)'} ${moduleOf(frame.url, frame.functionName)}:${frame.lineNumber + 1}`;
};

const self = new Map<string, number>();
const selfModule = new Map<string, number>();
const inclusiveModule = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;
let t = profile.startTime;
const inWindow = (us: number) => windows.some((w) => us >= w.fromUs && us <= w.toUs);
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  t += delta;
  const id = profile.samples[i] ?? 0;
  // A sample's delta is the time since the previous one: attributed to this sample's stack, as DevTools does.
  if (!inWindow(t)) continue;
  const frame = byId.get(id)?.callFrame;
  if (frame?.functionName === '(idle)') {
    idleUs += delta;
    continue;
  }
  busyUs += delta;
  const name = label(id);
  self.set(name, (self.get(name) ?? 0) + delta);
  const mod = frame ? moduleOf(frame.url, frame.functionName) : '?';
  selfModule.set(mod, (selfModule.get(mod) ?? 0) + delta);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)?.callFrame;
    if (f && f.url !== '') seen.add(moduleOf(f.url, f.functionName));
  }
  for (const m of seen) inclusiveModule.set(m, (inclusiveModule.get(m) ?? 0) + delta);
}

const commands = perBurst * windows.length;
const wallUs = windows.reduce((s, w) => s + (w.toUs - w.fromUs), 0);
const perCommand = (us: number) => `${fixed(us / 1000 / commands, 3)} ms/cmd`;
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, us]) => `  ${fixed((100 * us) / busyUs, 1).padStart(5)}%  ${perCommand(us).padStart(15)}  ${k}`,
    );

console.log(
  `${profileFile}: ${windows.length} burst(s) of ${perBurst}, ${fixed(wallUs / 1000, 0)} ms of wall time; ` +
    `busy ${fixed(busyUs / 1000, 0)} ms (${perCommand(busyUs)}), idle ${fixed(idleUs / 1000, 0)} ms`,
);
console.log('\nSelf time by module:');
console.log(top(selfModule, 25).join('\n'));
console.log('\nInclusive time by module (stacks with a frame of it):');
console.log(top(inclusiveModule, 30).join('\n'));
console.log('\nTop functions by self time:');
console.log(top(self, 40).join('\n'));
