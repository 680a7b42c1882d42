import { parseConfig } from '../src/config.js';
import { createGenerationService } from '../src/generation/service.js';
import { silentLogger } from '../src/log.js';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';
import { fixed, mean, percentile, writeFigures } from './stats.js';

/**
 * 200 jobs with emulated generation times spread between MIN and MAX seconds, polled with the production
 * poll policy. Reports polls per job and how late the core notices a finished job.
 * Targets: median notice delay ≤ 1 s; on average ≤ 1 poll per 2 s of job time.
 */
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const MIN_S = Number(process.env.BENCH_MIN_SECONDS ?? 8);
const MAX_S = Number(process.env.BENCH_MAX_SECONDS ?? 40);

const emulator = await startVideoApiEmulator({ generationMs: 1000 });
const config = parseConfig({ VIDEO_API_BASE_URL: emulator.baseUrl, VIDEO_API_KEY: emulator.apiKey });
const service = createGenerationService(config, silentLogger());

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
await emulator.close();

const delays = results.map((r) => r.noticeDelayMs);
const pollsPerJob = results.map((r) => r.polls);
const secondsPerPoll =
  results.reduce((a, r) => a + r.jobSeconds, 0) / results.reduce((a, r) => a + r.polls, 0);
console.log(`wall time                      ${fixed((Date.now() - started) / 1000, 1)} s`);
console.log(
  `polls per job                  mean ${fixed(mean(pollsPerJob), 1)}, max ${Math.max(...pollsPerJob)}`,
);
console.log(`job seconds per poll           ${fixed(secondsPerPoll)} s  (target ≥ 2.00)`);
console.log(
  `notice delay after completion  median ${fixed(percentile(delays, 50) / 1000)} s (target ≤ 1.00), p90 ${fixed(percentile(delays, 90) / 1000)} s, max ${fixed(Math.max(...delays) / 1000)} s`,
);
await writeFigures({
  jobs: JOBS,
  pollsPerJob: mean(pollsPerJob),
  secondsPerPoll,
  noticeMedianS: percentile(delays, 50) / 1000,
  noticeP90S: percentile(delays, 90) / 1000,
});
