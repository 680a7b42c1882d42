import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snowflake, startDiscordEmulator } from '../test/emulators/discord/server.js';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';
import type { LoopLagReport } from './loop-lag-hook.js';
import { fixed, writeFigures } from './stats.js';
import { compileBotAndHelpers, rssMb, spawnCompiledBot } from './compiled-bot.js';

/**
 * What one job in flight costs the bot as the load grows: for 100, 1,000 and 5,000 jobs in flight, a fresh
 * compiled bot (`dist/bin/main.js` in its own process, SQLite store, the Dockerfile's runtime settings) gets
 * that many `/imagine` from as many Discord users through the Discord emulator, the level below's number first
 * (measured there too, for RSS per extra job in one process). Once every job is running upstream, its RSS, live
 * heap (after a full collection: the hook is preloaded with `--expose-gc`), status polls per second and
 * event-loop lag are measured over a steady window; then every job is let finish and its video
 * delivered, and the bot's CPU time over the whole life of the jobs (submit, polls, download, upload) is divided
 * by their number.
 *
 * Polls: VIDEO_API_MAX_RPS caps them for the whole process (default 20/s). A job polls about every 5 s, so 100
 * jobs want ~20/s, 1,000 ~200/s and 5,000 ~1,000/s: above 100 jobs the cap sets the rate, each job is polled
 * less often, and when all finish together the last is noticed (jobs ÷ cap) seconds late — 250 s for 5,000 at
 * 20/s. The bench raises the cap to BENCH_MAX_RPS (200) so the run ends in minutes; polls per job then fall
 * above ~1,000 jobs, which is why CPU per job is shown beside polls per job.
 */
const LEVELS = (process.env.BENCH_LEVELS ?? '100,1000,5000').split(',').map(Number);
/**
 * Generation time: a base, plus time for the level's commands to reach the video API (the bot takes them at
 * ~100 a second here), so every job is running upstream during the window and none has finished.
 */
const GENERATION_BASE_MS = Number(process.env.BENCH_GENERATION_MS ?? 30_000);
const generationMs = (jobs: number) => GENERATION_BASE_MS + jobs * 15;
const MAX_RPS = Number(process.env.BENCH_MAX_RPS ?? 200);
const WARM_UP = 5;
const BATCH = 100;
const here = fileURLToPath(new URL('.', import.meta.url));

interface Level {
  jobs: number;
  idleRssMb: number;
  idleHeapMb: number;
  rssMb: number;
  /** The level below, reached first in the same process (0: none), and the RSS measured there. */
  stageFrom: number;
  stageRssMb: number;
  heapMb: number;
  heapBeforeGcMb: number;
  externalMb: number;
  pollsPerSecond: number;
  pollsPerJob: number;
  lagP99Ms: number;
  lagMaxMs: number;
  cpuMsPerJob: number;
  generationMs: number;
  submitSeconds: number;
  delivered: number;
  lifeSeconds: number;
}

const burstPrompt = (i: number) => `a burst of fireworks for user${i}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function report(bot: ChildProcess, gc = false): Promise<LoopLagReport> {
  return new Promise((resolve) => {
    bot.once('message', (m) => resolve(m as LoopLagReport));
    bot.send({ cmd: 'report', gc });
  });
}

async function measure(jobs: number, stageFrom: number): Promise<Level> {
  let polls = 0;
  const video = await startVideoApiEmulator({
    generationMs: generationMs(jobs),
    onRequest: (r, server) => {
      if (server === 'api' && r.method === 'GET' && /\/videos\/[^/]+$/.test(r.path)) polls++;
    },
  });
  const guildId = snowflake();
  const channelId = snowflake();
  const users = Array.from({ length: jobs + WARM_UP }, (_, i) => ({ id: snowflake(), username: `user${i}` }));
  const discord = await startDiscordEmulator({
    guilds: [
      {
        id: guildId,
        channels: [{ id: channelId, name: 'general' }],
        members: users.map((user) => ({ user })),
      },
    ],
  });
  const compiled = await spawnCompiledBot(
    {
      QUOTA_DEFAULT: '100',
      MAX_CONCURRENT_JOBS: '10000',
      MAX_JOBS_PER_USER: '100',
      VIDEO_API_MAX_RPS: String(MAX_RPS),
      DISCORD_API_BASE_URL: discord.apiBase,
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
    },
    // So the heap figure is what is live after a full collection.
    ['--expose-gc'],
  );
  const bot = compiled.process;
  bot.once('exit', (code, signal) => {
    if (!stopping) console.error(`  the bot exited early: code ${code}, signal ${signal}`);
  });
  let stopping = false;
  try {
    await discord.waitForReady(30_000);
    const send = async (from: number, count: number, prompt: (i: number) => string) => {
      const handles = [];
      // In batches, so the figures are about jobs in flight, not about acknowledging 5,000 at once.
      for (let start = from; start < from + count; start += BATCH) {
        const batch = await Promise.all(
          users.slice(start, Math.min(from + count, start + BATCH)).map((user, i) =>
            discord.slashCommand({
              channelId,
              guildId,
              user,
              name: 'imagine',
              options: [{ name: 'prompt', value: prompt(start + i) }],
            }),
          ),
        );
        await Promise.all(batch.map((h) => h.waitForAck(30_000).catch(() => undefined)));
        handles.push(...batch);
      }
      return handles;
    };
    const delivered = (handles: Awaited<ReturnType<typeof send>>, timeoutMs: number) =>
      Promise.all(
        handles.map((h) =>
          h
            .waitForOriginal((m) => m.attachments.length > 0, timeoutMs)
            .then(
              () => 1,
              () => 0,
            ),
        ),
      ).then((ok) => ok.reduce<number>((a, b) => a + b, 0));

    // Warm-up: lazy imports, JIT and the first delivery are paid before the idle figures, by short jobs.
    const warm = await send(jobs, WARM_UP, (i) => `a warm-up clip ${i} [emu:ms=1500]`);
    await delivered(warm, 30_000);
    await sleep(1000);
    // A full collection, then a second for the pages it frees (compacting, it first takes new ones) to go back.
    await report(bot, true);
    await sleep(1000);
    const idle = await report(bot);
    const cpuStart = idle.cpuMs;
    if (process.env.BENCH_HEAP_PROFILE)
      bot.send({
        cmd: 'sample-start',
        allocations: process.env.BENCH_HEAP_PROFILE_PROMOTED ? 'promoted' : false,
      });
    const started = Date.now();

    // Until all `total` are upstream, or none more came for 20 s (refused or lost: reported).
    const upstream = async (total: number, handles: Awaited<ReturnType<typeof send>>) => {
      let seen = video.jobs.size;
      let lastProgress = Date.now();
      while (video.jobs.size < total + WARM_UP && Date.now() - lastProgress < 20_000) {
        await sleep(200);
        if (video.jobs.size > seen) [seen, lastProgress] = [video.jobs.size, Date.now()];
      }
      if (video.jobs.size < total + WARM_UP) {
        const prompts = new Set([...video.jobs.values()].map((j) => j.prompt));
        const missing = handles.findIndex((_, i) => !prompts.has(burstPrompt(i)));
        const shown = handles[missing]?.original()?.versions.at(-1)?.content;
        throw new Error(
          `only ${video.jobs.size - WARM_UP} of ${total} jobs reached the video API; job ${missing} shows ${JSON.stringify(shown)}`,
        );
      }
    };
    // The first progress edits of the last jobs settle, then RSS is sampled over a steady window: 10 s, so at
    // 1,000 jobs it takes in a whole cycle of the old generation's growth and collection (~6-8 s there); at
    // 100 jobs the old generation only grows through it.
    const steadyRssMb = async (onWindow = () => {}) => {
      await sleep(3000);
      onWindow();
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        samples.push(await rssMb(bot.pid ?? 0));
        await sleep(500);
      }
      return Math.max(...samples);
    };

    // The level below first, in this same process: the RSS it adds going from there to this level is the
    // growth per extra job, free of the idle RSS by which two fresh processes differ (see slopeKb).
    const handles = stageFrom > 0 ? await send(0, stageFrom, burstPrompt) : [];
    await upstream(stageFrom, handles);
    const stageRssMb = stageFrom > 0 ? await steadyRssMb() : NaN;
    handles.push(...(await send(stageFrom, jobs - stageFrom, burstPrompt)));
    await upstream(jobs, handles);
    const submittedS = (Date.now() - started) / 1000;
    let pollsBefore = 0;
    let windowStart = 0;
    const levelRssMb = await steadyRssMb(() => {
      bot.send({ cmd: 'reset' });
      [pollsBefore, windowStart] = [polls, Date.now()];
    });
    const steady = await report(bot);
    const pollsPerSecond = (polls - pollsBefore) / ((Date.now() - windowStart) / 1000);
    const live = await report(bot, true);
    if (process.env.BENCH_MEMORY_DETAIL) {
      const spaces = (r: LoopLagReport) =>
        Object.entries(r.spacesMb)
          .map(([name, size]) => `${name.replace('_space', '')} ${fixed(size, 1)}`)
          .join(', ');
      console.log(
        `  memory at ${jobs} (idle / steady / after GC): RSS anon ${fixed(idle.rssAnonMb, 0)} / ${fixed(steady.rssAnonMb, 0)} / ${fixed(live.rssAnonMb, 0)} MB; heap committed ${fixed(idle.heapTotalMb, 0)} / ${fixed(steady.heapTotalMb, 0)} / ${fixed(live.heapTotalMb, 0)} MB`,
      );
      console.log(
        `    spaces idle: ${spaces(idle)}\n    spaces steady: ${spaces(steady)}\n    spaces after GC: ${spaces(live)}`,
      );
    }
    if (process.env.BENCH_HEAP_PROFILE) {
      await new Promise((resolve) => {
        bot.once('message', resolve);
        bot.send({
          cmd: 'sample-stop',
          path: join(process.env.BENCH_HEAP_PROFILE ?? '.', `${jobs}.heapprofile`),
        });
      });
    }
    if (Date.now() - started > generationMs(jobs)) {
      console.warn(`  (the first jobs finished before the window ended: raise BENCH_GENERATION_MS)`);
    }

    const count = await delivered(handles, generationMs(jobs) + 10 * 60_000);
    const done = await report(bot);
    const level: Level = {
      jobs,
      idleRssMb: idle.rssMb,
      idleHeapMb: idle.heapUsedMb,
      rssMb: levelRssMb,
      stageFrom,
      stageRssMb,
      heapMb: live.heapUsedMb,
      heapBeforeGcMb: steady.heapUsedMb,
      externalMb: live.externalMb,
      pollsPerSecond,
      pollsPerJob: polls / (jobs + WARM_UP),
      lagP99Ms: steady.p99Ms,
      lagMaxMs: steady.maxMs,
      cpuMsPerJob: (done.cpuMs - cpuStart) / jobs,
      generationMs: generationMs(jobs),
      submitSeconds: submittedS,
      delivered: count,
      lifeSeconds: (Date.now() - started) / 1000,
    };
    console.log(
      `  ${jobs} jobs (all upstream after ${fixed(submittedS, 1)} s): RSS ${fixed(level.rssMb, 0)} MB (idle ${fixed(level.idleRssMb, 0)}${stageFrom > 0 ? `, at ${stageFrom} jobs ${fixed(stageRssMb, 0)}` : ''}), heap live ${fixed(level.heapMb, 1)} MB (idle ${fixed(level.idleHeapMb, 1)}, before GC ${fixed(level.heapBeforeGcMb, 0)}), buffers ${fixed(level.externalMb, 0)} MB; ${fixed(level.pollsPerSecond, 0)} polls/s; lag p99 ${fixed(level.lagP99Ms, 1)} ms, max ${fixed(level.lagMaxMs, 1)} ms; CPU ${fixed(level.cpuMsPerJob, 2)} ms/job over ${fixed(level.lifeSeconds, 0)} s (${fixed(level.pollsPerJob, 1)} polls/job); delivered ${count}/${jobs}`,
    );
    return level;
  } finally {
    stopping = true;
    await compiled.stop();
    await discord.close();
    await video.close();
  }
}

/**
 * Per extra job, in KB, between two levels measured in fresh processes. `rssAboveIdle` is each bot's RSS over its
 * own idle figure. Both carry the idle RSS by which fresh processes differ after the same warm-up (48–72 MB of
 * anonymous memory in one session's runs, mostly glibc's main heap: up to 27 KB a job over 900 jobs), hence
 * `grownKb`.
 */
const slopeKb = (a: Level | undefined, b: Level | undefined, key: 'rssMb' | 'heapMb' | 'rssAboveIdle') => {
  const value = (l: Level) => (key === 'rssAboveIdle' ? l.rssMb - l.idleRssMb : l[key]);
  return a && b ? ((value(b) - value(a)) * 1024) / (b.jobs - a.jobs) : NaN;
};

/** RSS per extra job as one bot grows from the level below to this one, in KB. */
const grownKb = (l: Level | undefined) =>
  l && l.stageFrom > 0 ? ((l.rssMb - l.stageRssMb) * 1024) / (l.jobs - l.stageFrom) : NaN;

/** Two small line charts side by side, as plain SVG: memory vs jobs in flight, and CPU per job vs jobs. */
function chart(levels: readonly Level[]): string {
  const W = 360;
  const H = 240;
  const pad = { l: 50, r: 12, t: 28, b: 36 };
  const maxJobs = Math.max(...levels.map((l) => l.jobs));
  const panel = (
    x0: number,
    title: string,
    unit: string,
    series: { name: string; colour: string; value: (l: Level) => number }[],
  ) => {
    const top = Math.max(1, ...series.flatMap((s) => levels.map(s.value)).filter(Number.isFinite)) * 1.15;
    const px = (jobs: number) => x0 + pad.l + (jobs / maxJobs) * (W - pad.l - pad.r);
    const py = (v: number) => pad.t + (1 - v / top) * (H - pad.t - pad.b);
    const out = [`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>`];
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      out.push(
        `<line x1="${px(0)}" x2="${px(maxJobs)}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`,
        `<text x="${px(0) - 4}" y="${py(v) + 4}" text-anchor="end">${fixed(v, v < 10 ? 1 : 0)}</text>`,
      );
    }
    for (const l of levels) {
      out.push(`<text x="${px(l.jobs)}" y="${H - pad.b + 14}" text-anchor="middle">${l.jobs}</text>`);
    }
    out.push(
      `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle">jobs in flight</text>`,
      `<text x="${x0 + 12}" y="${pad.t - 8}">${unit}</text>`,
    );
    series.forEach((s, i) => {
      const points = levels.map((l) => `${fixed(px(l.jobs), 1)},${fixed(py(s.value(l)), 1)}`);
      out.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${points.join(' ')}"/>`);
      for (const l of levels) {
        out.push(`<circle cx="${px(l.jobs)}" cy="${py(s.value(l))}" r="3" fill="${s.colour}"/>`);
      }
      out.push(
        `<rect x="${px(0) + 8}" y="${pad.t + 4 + i * 16}" width="10" height="10" fill="${s.colour}"/>`,
        `<text x="${px(0) + 22}" y="${pad.t + 13 + i * 16}">${s.name}</text>`,
      );
    });
    return out.join('\n');
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Bot memory', 'MB', [
      { name: 'RSS', colour: '#d62728', value: (l) => l.rssMb },
      { name: 'JS heap live (after GC)', colour: '#1f77b4', value: (l) => l.heapMb },
    ]),
    panel(W, 'CPU per job (submit → delivered)', 'ms', [
      { name: 'CPU ms per job', colour: '#2ca02c', value: (l) => l.cpuMsPerJob },
      { name: 'polls per job', colour: '#9467bd', value: (l) => l.pollsPerJob },
    ]),
    '</svg>',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  compileBotAndHelpers(['bench/loop-lag-hook.ts']);
  console.log(
    `Cost per job: ${LEVELS.join(', ')} Discord /imagine in flight in one bot each (generation ${GENERATION_BASE_MS / 1000} s + 15 ms per job in flight, VIDEO_API_MAX_RPS=${MAX_RPS})`,
  );
  console.log(
    `  A job polls about every 5 s, so the cap binds above ~${MAX_RPS * 5} jobs: polls/s then stays at the cap and each job is polled less often; at the default 20/s, 5,000 jobs finishing together would be noticed over ${5000 / 20} s.`,
  );
  const levels: Level[] = [];
  for (const [i, jobs] of LEVELS.entries())
    levels.push(await measure(jobs, i > 0 ? (LEVELS[i - 1] ?? 0) : 0));
  const at = (jobs: number) => levels.find((l) => l.jobs === jobs);
  const low = grownKb(at(1000));
  const high = grownKb(at(5000));
  console.log(
    `  RSS per extra job, one bot growing: ${fixed(low, 1)} KB (100 → 1,000), ${fixed(high, 1)} KB (1,000 → 5,000) (target ≤ 20 KB); between fresh bots ${fixed(slopeKb(at(100), at(1000), 'rssMb'), 1)} / ${fixed(slopeKb(at(1000), at(5000), 'rssMb'), 1)} KB, above each one's idle ${fixed(slopeKb(at(100), at(1000), 'rssAboveIdle'), 1)} / ${fixed(slopeKb(at(1000), at(5000), 'rssAboveIdle'), 1)} KB; live heap per extra job ${fixed(slopeKb(at(100), at(1000), 'heapMb'), 1)} / ${fixed(slopeKb(at(1000), at(5000), 'heapMb'), 1)} KB`,
  );
  // The committed chart is of the production settings only.
  if (levels.length > 1 && !process.env.BENCH_EXTRA_NODE_FLAGS) {
    await writeFile(join(here, 'cost-per-job.svg'), chart(levels));
  }
  const figures: Record<string, number> = {
    generationBaseMs: GENERATION_BASE_MS,
    maxRps: MAX_RPS,
    rssKbPerJobLow: low,
    rssKbPerJobHigh: high,
    freshRssKbPerJobLow: slopeKb(at(100), at(1000), 'rssMb'),
    freshRssKbPerJobHigh: slopeKb(at(1000), at(5000), 'rssMb'),
    heapKbPerJobLow: slopeKb(at(100), at(1000), 'heapMb'),
    heapKbPerJobHigh: slopeKb(at(1000), at(5000), 'heapMb'),
    rssAboveIdleKbPerJobLow: slopeKb(at(100), at(1000), 'rssAboveIdle'),
    rssAboveIdleKbPerJobHigh: slopeKb(at(1000), at(5000), 'rssAboveIdle'),
  };
  for (const l of levels) {
    for (const [key, value] of Object.entries(l)) figures[`${key}At${l.jobs}`] = value;
  }
  await writeFigures(figures);
}

await main();
