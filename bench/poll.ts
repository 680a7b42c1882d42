import { setMaxListeners } from 'node:events';
import { parseConfig } from '../src/config.js';
import { createGenerationService } from '../src/generation/service.js';
import { silentLogger } from '../src/log.js';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';
import { fixed, mean, percentile, writeFigures } from './stats.js';

/**
 * Polling, in two parts.
 * 1. Economy: 200 jobs with emulated generation times spread between MIN and MAX seconds, polled with the
 *    production poll policy and a rate cap high enough not to bind. Polls per job, job time per poll, and how
 *    late the core notices a finished job. Targets: ≥ 3 s of job time per poll, median notice ≤ 0.25 s.
 * 2. The cap: CAP_JOBS (5,000) long jobs in flight at once under the default VIDEO_API_MAX_RPS (20) for
 *    CAP_WINDOW_S seconds: the most polls the emulator saw in any one-second window (target ≤ the cap), the
 *    mean rate, and how many distinct jobs were polled (spread, not dropped: every poll is a different job's
 *    turn until each has had one).
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const MIN_S = Number(process.env.BENCH_MIN_SECONDS ?? 8);
const MAX_S = Number(process.env.BENCH_MAX_SECONDS ?? 40);
const CAP_JOBS = Number(process.env.BENCH_CAP_JOBS ?? 5000);
const CAP_WINDOW_S = Number(process.env.BENCH_CAP_WINDOW_S ?? 30);

const emulator = await startVideoApiEmulator({ generationMs: 1000 });
const economyConfig = parseConfig({
  VIDEO_API_BASE_URL: emulator.baseUrl,
  VIDEO_API_KEY: emulator.apiKey,
  VIDEO_API_MAX_RPS: '10000',
});
const service = createGenerationService(economyConfig, silentLogger());

console.log(`bench/poll: ${JOBS} jobs, generation ${MIN_S}-${MAX_S} s, production poll policy`);
const started = Date.now();
const results = await Promise.all(
  Array.from({ length: JOBS }, async (_, i) => {
    const ms = Math.round((MIN_S + ((MAX_S - MIN_S) * i) / Math.max(1, JOBS - 1)) * 1000);
    const prepared = await service.prepare({ prompt: `[emu:ms=${ms}] bench job ${i}` });
    let jobId = '';
    let noticedAt = 0;
    for await (const event of service.run({ body: prepared.body })) {
      if (event.type === 'submitted') jobId = event.jobId;
      if (event.type === 'progress' && event.status === 'completed') noticedAt = Date.now();
      if (event.type === 'completed') await event.video.cleanup();
    }
    const job = emulator.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} not found in the emulator`);
    const jobSeconds = (job.completesAt - job.createdAt) / 1000;
    return { polls: job.polls, jobSeconds, noticeDelayMs: noticedAt - job.completesAt };
  }),
);

const delays = results.map((r) => r.noticeDelayMs);
const pollsPerJob = results.map((r) => r.polls);
const secondsPerPoll =
  results.reduce((a, r) => a + r.jobSeconds, 0) / results.reduce((a, r) => a + r.polls, 0);
console.log(`wall time                      ${fixed((Date.now() - started) / 1000, 1)} s`);
console.log(
  `polls per job                  mean ${fixed(mean(pollsPerJob), 1)}, max ${Math.max(...pollsPerJob)}`,
);
console.log(`job seconds per poll           ${fixed(secondsPerPoll)} s  (target ≥ 3.00)`);
console.log(
  `notice delay after completion  median ${fixed(percentile(delays, 50) / 1000)} s (target ≤ 0.25), p90 ${fixed(percentile(delays, 90) / 1000)} s, max ${fixed(Math.max(...delays) / 1000)} s`,
);

// Part 2: the cap under many jobs. Jobs far longer than the window, so every poll in it is a progress check.
emulator.reset();
const capped = createGenerationService(
  parseConfig({ VIDEO_API_BASE_URL: emulator.baseUrl, VIDEO_API_KEY: emulator.apiKey }),
  silentLogger(),
);
const cap = parseConfig({}).videoApi.maxPollsPerSecond;
console.log(`bench/poll: ${CAP_JOBS} jobs in flight for ${CAP_WINDOW_S} s under VIDEO_API_MAX_RPS=${cap}`);
const stop = new AbortController();
// One listener per job on one signal is what this bench means to do.
setMaxListeners(CAP_JOBS + 10, stop.signal);
let submitted = 0;
let allSubmitted: () => void = () => undefined;
const everyJobSubmitted = new Promise<void>((resolve) => (allSubmitted = resolve));
const running = Array.from({ length: CAP_JOBS }, async (_, i) => {
  const prepared = await capped.prepare({ prompt: `[emu:ms=3600000] capped job ${i}` });
  try {
    for await (const event of capped.run({ body: prepared.body }, stop.signal)) {
      if (event.type === 'submitted' && ++submitted === CAP_JOBS) allSubmitted();
    }
  } catch {
    // Stopped at the end of the window.
  }
});
// The window opens 5 s after every job is upstream: the emulator shares this process, and while it is still
// answering 5,000 POSTs the polls granted meanwhile reach it in a bunch (measured: 67 in one second, then 20
// in every second after). The limiter's grants themselves are never closer than 1/rate (test/generation).
await everyJobSubmitted;
await new Promise((r) => setTimeout(r, 5000));
const submittedBy = Date.now();
console.log(`all ${CAP_JOBS} jobs submitted; measuring`);
await new Promise((r) => setTimeout(r, CAP_WINDOW_S * 1000));
stop.abort(new Error('window over'));
await Promise.all(running);
const polls = emulator.requests
  .filter((r) => r.method === 'GET' && !r.path.endsWith('/content') && r.at >= submittedBy)
  .map((r) => r.at)
  .sort((a, b) => a - b);
let worstWindow = 0;
for (let i = 0, j = 0; i < polls.length; i++) {
  while (polls[i]! - polls[j]! >= 1000) j++;
  worstWindow = Math.max(worstWindow, i - j + 1);
}
const polledJobs = [...emulator.jobs.values()].filter((job) => job.polls > 0).length;
const meanRps = polls.length / CAP_WINDOW_S;
console.log(`most polls in any one second   ${worstWindow} (cap ${cap})`);
console.log(`mean poll rate                 ${fixed(meanRps, 1)}/s over ${CAP_WINDOW_S} s`);
console.log(`jobs polled at least once      ${polledJobs} of ${CAP_JOBS}`);
await emulator.close();

await writeFigures({
  jobs: JOBS,
  pollsPerJob: mean(pollsPerJob),
  secondsPerPoll,
  noticeMedianS: percentile(delays, 50) / 1000,
  noticeP90S: percentile(delays, 90) / 1000,
  capJobs: CAP_JOBS,
  capRps: cap,
  capWorstSecond: worstWindow,
  capMeanRps: meanRps,
  capPolledJobs: polledJobs,
});
