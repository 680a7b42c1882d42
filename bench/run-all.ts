import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fixed } from './stats.js';

/**
 * `npm run bench`: runs every benchmark in bench/ one after another (so they do not compete for the CPU),
 * each in its own process with BENCH_JSON pointing at a file for its figures, and writes bench/RESULTS.md:
 * the machine, Node, the date, and each figure beside its target. A benchmark that fails is reported as such
 * and makes the exit status 1; a missed target is reported (✗) but is a result, not a failure.
 */

const BENCHES = [
  { name: 'discord-burst', file: 'discord-burst.ts' },
  { name: 'cost-per-job', file: 'cost-per-job.ts' },
  { name: 'slack-burst', file: 'slack-burst.ts' },
  { name: 'e2e-overhead', file: 'e2e-overhead.ts' },
  { name: 'poll', file: 'poll.ts' },
  { name: 'quota', file: 'quota.ts' },
  { name: 'image', file: 'image.ts' },
  { name: 'join', file: 'join.ts' },
] as const;
type BenchName = (typeof BENCHES)[number]['name'];

const figuresSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
type Figures = z.infer<typeof figuresSchema>;

interface Outcome {
  figures: Figures | undefined;
  seconds: number;
  code: number;
  output: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);

async function run(file: string, jsonPath: string): Promise<Omit<Outcome, 'figures'>> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, file)], {
    env: { ...process.env, BENCH_JSON: jsonPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    process.stdout.write(chunk);
    output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, output, seconds: (Date.now() - started) / 1000 };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-'));
const outcomes = new Map<BenchName, Outcome>();
try {
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    console.log(`\n=== bench/${bench.file}`);
    const jsonPath = join(dir, `${bench.name}.json`);
    const result = await run(bench.file, jsonPath);
    let figures: Figures | undefined;
    try {
      figures = figuresSchema.parse(JSON.parse(await readFile(jsonPath, 'utf8')));
    } catch {
      figures = undefined;
    }
    outcomes.set(bench.name, { ...result, figures });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// The report.

const num = (name: BenchName, key: string): number => {
  const value = outcomes.get(name)?.figures?.[key];
  return typeof value === 'number' ? value : NaN;
};
const text = (name: BenchName, key: string): string => String(outcomes.get(name)?.figures?.[key] ?? 'n/a');
const ms = (n: number, digits = 0) => `${fixed(n, digits)} ms`;
const count = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✓ met' : '✗ **missed**');
const meets = (value: number, test: (v: number) => boolean) => (Number.isFinite(value) ? test(value) : false);

interface Row {
  figure: string;
  value: string;
  target: string;
  ok: boolean | undefined;
}
const rows: Row[] = [];
const add = (figure: string, value: string, target: string, ok?: boolean) =>
  rows.push({ figure, value, target, ok });

if (outcomes.has('discord-burst')) {
  const b = 'discord-burst';
  add(
    `Discord ack p99 ÷ bare discord.js deferReply p99, ${count(num(b, 'burst'))} /imagine at once`,
    `${fixed(num(b, 'ackP99Ratio'), 2)} (bot p50 ${ms(num(b, 'ackP50Ms'))}, p99 ${ms(num(b, 'ackP99Ms'))}, max ${ms(num(b, 'ackMaxMs'))}; bare client p50 ${ms(num(b, 'bareAckP50Ms'))}, p99 ${ms(num(b, 'bareAckP99Ms'))}; better of ${count(num(b, 'rounds'))} alternating runs each)`,
    '≤ 1.25',
    meets(num(b, 'ackP99Ratio'), (v) => v <= 1.25),
  );
  add(
    'Discord: CPU a command, first dispatch to last ack, bot ÷ bare client (context)',
    `${fixed(num(b, 'botCpuPerCommandMs') / num(b, 'bareCpuPerCommandMs'), 2)} (bot ${fixed(num(b, 'botCpuPerCommandMs'), 2)} ms, bare ${fixed(num(b, 'bareCpuPerCommandMs'), 2)} ms; the lower round of each)`,
    '—',
  );
  add(
    'Discord: acks later than 3 s',
    count(num(b, 'missedDeadlines')),
    '0',
    meets(num(b, 'missedDeadlines'), (v) => v === 0),
  );
  add(
    'Event-loop lag in the bot during the 500-command burst (context)',
    `p99 ${ms(num(b, 'burstLagP99Ms'), 1)}, max ${ms(num(b, 'burstLagMaxMs'), 1)}`,
    '—',
  );
}
if (outcomes.has('cost-per-job')) {
  const b = 'cost-per-job';
  const levels = [100, 1000, 5000];
  add(
    'Bot RSS by jobs in flight (Discord, compiled bot, own process, SQLite store; live heap after a GC)',
    levels
      .map(
        (n) =>
          `${count(n)}: ${fixed(num(b, `rssMbAt${n}`), 0)} MB (heap ${fixed(num(b, `heapMbAt${n}`), 0)} MB)`,
      )
      .join('; '),
    '≤ 200 MB at 1,000',
    meets(num(b, 'rssMbAt1000'), (v) => v <= 200),
  );
  add(
    'Bot RSS per extra job in flight (one bot grown from the level below to the next)',
    `${fixed(num(b, 'rssKbPerJobLow'), 1)} KB (100 → 1,000), ${fixed(num(b, 'rssKbPerJobHigh'), 1)} KB (1,000 → 5,000); between fresh bots ${fixed(num(b, 'freshRssKbPerJobLow'), 1)} / ${fixed(num(b, 'freshRssKbPerJobHigh'), 1)} KB, over each one's own idle RSS ${fixed(num(b, 'rssAboveIdleKbPerJobLow'), 1)} / ${fixed(num(b, 'rssAboveIdleKbPerJobHigh'), 1)} KB; live heap ${fixed(num(b, 'heapKbPerJobLow'), 1)} / ${fixed(num(b, 'heapKbPerJobHigh'), 1)} KB`,
    '≤ 20 KB both',
    meets(Math.max(num(b, 'rssKbPerJobLow'), num(b, 'rssKbPerJobHigh')), (v) => v <= 20),
  );
  // Flat: the dearest level within a quarter of the 1,000-job figure (fewer polls per job above the cap).
  const cpu = levels.map((n) => num(b, `cpuMsPerJobAt${n}`));
  add(
    `CPU per job, submit → delivered (generation ${fixed(num(b, 'generationBaseMs') / 1000, 0)} s + 15 ms per job in flight)`,
    levels
      .map(
        (n, i) =>
          `${count(n)}: ${fixed(cpu[i] ?? NaN, 1)} ms (${fixed(num(b, `pollsPerJobAt${n}`), 1)} polls)`,
      )
      .join('; '),
    'flat (≤ 1.25 × the 1,000-job figure)',
    meets(
      Math.max(num(b, 'cpuMsPerJobAt1000'), num(b, 'cpuMsPerJobAt5000')),
      (v) => v <= 1.25 * num(b, 'cpuMsPerJobAt1000'),
    ),
  );
  add(
    `Status polls per second (VIDEO_API_MAX_RPS=${count(num(b, 'maxRps'))} for the run) and event-loop lag p99 by jobs in flight`,
    levels
      .map(
        (n) =>
          `${count(n)}: ${fixed(num(b, `pollsPerSecondAt${n}`), 0)}/s, lag p99 ${ms(num(b, `lagP99MsAt${n}`), 1)}`,
      )
      .join('; '),
    'lag p99 ≤ 20 ms',
    meets(Math.max(...levels.map((n) => num(b, `lagP99MsAt${n}`))), (v) => v <= 20),
  );
  add(
    'Videos delivered after the cost-per-job run',
    levels.map((n) => `${count(num(b, `deliveredAt${n}`))}/${count(n)}`).join(', '),
    'all',
    levels.every((n) => num(b, `deliveredAt${n}`) === n),
  );
}
if (outcomes.has('slack-burst')) {
  const b = 'slack-burst';
  add(
    `Slack ack p99 ÷ bare signature-verifying node:http p99, ${count(num(b, 'commands'))} signed /imagine`,
    `${fixed(num(b, 'p99Ratio'), 2)} (bot p50 ${ms(num(b, 'ackP50Ms'))}, p99 ${ms(num(b, 'ackP99Ms'))}; bare p50 ${ms(num(b, 'bareP50Ms'))}, p99 ${ms(num(b, 'bareP99Ms'))}; better of ${count(num(b, 'rounds'))} alternating runs each; CPU per command bot ${ms(num(b, 'cpuMsPerCommand'), 2)}, bare ${ms(num(b, 'bareCpuMsPerCommand'), 2)})`,
    '≤ 1.25',
    meets(num(b, 'p99Ratio'), (v) => v <= 1.25),
  );
  add(
    'Slack: acks later than 3 s or not 200',
    count(num(b, 'missedDeadlines')),
    '0',
    meets(num(b, 'missedDeadlines'), (v) => v === 0),
  );
  add(
    'Slack: videos delivered after the bursts',
    `${count(num(b, 'delivered'))}/${count(num(b, 'expected'))}, each burst's in ≤ ${fixed(num(b, 'deliverySeconds'), 1)} s`,
    'all',
    meets(num(b, 'delivered'), (v) => v === num(b, 'expected')),
  );
}
if (outcomes.has('e2e-overhead')) {
  const b = 'e2e-overhead';
  add(
    `End-to-end ÷ (generation ${fixed(num(b, 'generationMs') / 1000, 0)} s + transfer ${ms(num(b, 'transferMs'), 1)}), ${count(num(b, 'jobs'))} Discord jobs at once (poll cap not binding)`,
    `mean ${fixed(num(b, 'ratioMean'), 3)}, p50 ${fixed(num(b, 'ratioP50'), 3)}, p99 ${fixed(num(b, 'ratioP99'), 3)}`,
    '≤ 1.02',
    meets(num(b, 'ratioMean'), (v) => v <= 1.02),
  );
  add(
    'Where the added time goes (same run)',
    `dispatch → upstream POST p50 ${ms(num(b, 'submitP50Ms'))} (the ack p50 ${ms(num(b, 'ackP50Ms'))}); completion → download p50 ${ms(num(b, 'noticeP50Ms'))} (p99 ${ms(num(b, 'noticeP99Ms'))}); download → video in Discord p50 ${ms(num(b, 'deliverP50Ms'))} (p99 ${ms(num(b, 'deliverP99Ms'))})`,
    '—',
  );
  add('Polls per 20 s job', `mean ${fixed(num(b, 'pollsPerJob'), 1)}, max ${count(num(b, 'pollsMax'))}`, '—');
  add(
    `The same burst under the default VIDEO_API_MAX_RPS=${count(num(b, 'cappedRps'))} (context)`,
    `end-to-end ratio mean ${fixed(num(b, 'cappedRatioMean'), 3)}, p99 ${fixed(num(b, 'cappedRatioP99'), 3)}; completion → download mean ${ms(num(b, 'cappedNoticeMeanMs'))} (floor for jobs ending together: ${ms(num(b, 'cappedNoticeFloorMs'))}); ${fixed(num(b, 'cappedPollsPerJob'), 1)} polls per job`,
    '—',
  );
}
if (outcomes.has('poll')) {
  const b = 'poll';
  add(
    `Polling, ${count(num(b, 'jobs'))} jobs of 8–40 s: job time per poll`,
    `${fixed(num(b, 'secondsPerPoll'), 2)} s (${fixed(num(b, 'pollsPerJob'), 1)} polls per job)`,
    '≥ 3 s',
    meets(num(b, 'secondsPerPoll'), (v) => v >= 3),
  );
  add(
    'Polling: delay between completion and the bot noticing',
    `median ${fixed(num(b, 'noticeMedianS'), 2)} s, p90 ${fixed(num(b, 'noticeP90S'), 2)} s`,
    'median ≤ 0.25 s',
    meets(num(b, 'noticeMedianS'), (v) => v <= 0.25),
  );
  add(
    `Poll rate cap (VIDEO_API_MAX_RPS=${count(num(b, 'capRps'))}), ${count(num(b, 'capJobs'))} jobs in flight`,
    `most in any one second ${count(num(b, 'capWorstSecond'))}, mean ${fixed(num(b, 'capMeanRps'), 1)}/s; ${count(num(b, 'capPolledJobs'))} jobs polled so far, in the order they asked`,
    '≤ cap (+1 arrival jitter)',
    meets(num(b, 'capWorstSecond'), (v) => v <= num(b, 'capRps') + 1),
  );
}
if (outcomes.has('quota')) {
  const b = 'quota';
  for (const [backend, label] of [
    ['sqlite', 'SQLite (file, BEGIN IMMEDIATE)'],
    ['redis', 'Redis (Lua)'],
  ] as const) {
    add(
      `Quota reservations, ${label}: ${count(num(b, 'inFlight'))} in flight over 100 users`,
      `${count(num(b, `${backend}ReservesPerSecond`))}/s, p99 ${ms(num(b, `${backend}BurstP99Ms`), 1)} (queueing)`,
      '—',
    );
    add(
      `Quota reservation, ${label}: one at a time`,
      `p50 ${ms(num(b, `${backend}SerialP50Ms`), 2)}, p99 ${ms(num(b, `${backend}SerialP99Ms`), 2)}`,
      '—',
    );
  }
}
if (outcomes.has('image')) {
  const b = 'image';
  add(
    `Image pipeline: ${count(num(b, 'inputBytes'))}-byte 4000×3000 JPEG photo`,
    `${count(num(b, 'outputBytes'))} bytes sent (${text(b, 'outputSize')}, data URI ${count(num(b, 'dataUriChars'))} chars), median ${ms(num(b, 'medianMs'))}`,
    '—',
  );
}

if (outcomes.has('join')) {
  const b = 'join';
  add(
    `Extend's join: ${num(b, 'clips')} × ${num(b, 'clipSeconds')} s 720P clips with sound (${count(num(b, 'inputBytes'))} bytes) into one MP4`,
    `${ms(num(b, 'bestMs'))} (${fixed(num(b, 'outputSeconds'), 1)} s of video), ffmpeg peak RSS ${fixed(num(b, 'ffmpegPeakRssBytes') / 1024 ** 2, 0)} MB, bot process peak RSS ${fixed(num(b, 'nodePeakRssBytes') / 1024 ** 2, 0)} MB`,
    '—',
  );
}

const cpuList = cpus();
const machine = `${cpuList[0]?.model.trim() ?? 'unknown CPU'}, ${cpuList.length} cores, ${fixed(totalmem() / 1024 ** 3, 1)} GiB RAM`;
const failed = [...outcomes.entries()].filter(([, o]) => !o.figures);
const missed = rows.filter((r) => r.ok === false);

const lines = [
  '# Benchmark results',
  '',
  'Written by `npm run bench` (bench/run-all.ts); every figure comes from the run below. The emulators, the',
  'senders and the bot share this one machine, so the bursts measure it under full load.',
  '',
  `- Machine: ${machine}`,
  `- Node: ${process.version} (${process.platform} ${process.arch})`,
  `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
  `- Run times: ${[...outcomes.entries()].map(([name, o]) => `${name} ${fixed(o.seconds, 0)} s`).join(', ')}`,
  '',
  '| figure | measured | target | |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${verdict(r.ok)} |`),
  '',
];
if (outcomes.get('cost-per-job')?.figures) {
  // Drawn by bench/cost-per-job.ts in the same run.
  lines.push('![Bot memory and CPU per job by jobs in flight](cost-per-job.svg)', '');
}
if (missed.length > 0) {
  lines.push(
    `**Targets missed: ${missed.length}** — ${missed.map((r) => r.figure).join('; ')}. Why: see`,
    '[ANALYSIS.md](ANALYSIS.md) beside this file (the analysis is written by hand, not regenerated).',
    '',
  );
}
if (failed.length > 0) {
  lines.push('## Benchmarks that did not finish', '');
  for (const [name, o] of failed) {
    lines.push(
      `- ${name}: exit ${o.code}${o.figures ? '' : ', no figures'}`,
      '',
      '```',
      o.output.slice(-2000),
      '```',
      '',
    );
  }
}
const resultsPath = join(here, 'RESULTS.md');
await writeFile(resultsPath, lines.join('\n'));
// Formatted like every other file in the repository, so `npm run lint` stays clean after a run.
await new Promise((resolve) =>
  spawn('npx', ['prettier', '--write', resultsPath], { stdio: 'ignore' }).on('close', resolve),
);
console.log(
  `\nwrote bench/RESULTS.md: ${rows.length} figures, ${missed.length} targets missed, ${failed.length} benchmarks failed`,
);
process.exit(failed.length > 0 ? 1 : 0);
