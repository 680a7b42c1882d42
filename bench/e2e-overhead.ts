import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config.js';
import { snowflake, startDiscordEmulator } from '../test/emulators/discord/server.js';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';
import { fixed, mean, percentile, writeFigures } from './stats.js';
import { compileBotAndHelpers, spawnCompiledBot } from './compiled-bot.js';

/**
 * How much the bot adds to the time a user waits. JOBS `/imagine` commands from as many users, all at once,
 * through the Discord emulator to the compiled bot in its own process (production settings: its Node flags,
 * the SQLite store, the default poll policy, 1.5 s edit throttle) and the video-API emulator with a fixed
 * generation time. For each job:
 *   end-to-end = from the emulator dispatching the interaction to the message version carrying the MP4;
 *   ratio      = end-to-end ÷ (emulated generation time + transfer time),
 * where transfer time is the cost of moving the file itself — fetching the MP4 from the API and uploading it
 * to Discord — measured alone, one at a time, before the run. Also reports polls per job.
 * Two bursts, each with a bot of its own:
 * 1. the bot's overhead, with the poll rate cap high enough not to bind (as bench/poll's economy part).
 *    Target: ratio ≤ 1.02.
 * 2. the same burst under the default VIDEO_API_MAX_RPS (20). JOBS jobs that finish within the same second
 *    need JOBS polls to be noticed, and the cap grants 20 a second: whatever the schedule, the k-th is noticed
 *    k/20 s late, a mean of JOBS/(2 × cap) (2.5 s for 100). Reported beside that floor, for context.
 * BENCH_E2E_JOBS (100), BENCH_GENERATION_MS (20000), BENCH_E2E_STORE_URL (the bot's STORE_URL; SQLite by default).
 */
const JOBS = Number(process.env.BENCH_E2E_JOBS ?? 100);
const GENERATION_MS = Number(process.env.BENCH_GENERATION_MS ?? 20_000);
const TRANSFER_SAMPLES = 20;
const UNCAPPED_RPS = 10_000;
const DEFAULT_RPS = parseConfig({}).videoApi.maxPollsPerSecond;
const promptOf = (phase: number, i: number) => `a lighthouse in a storm, run ${phase}, take ${i}`;

const video = await startVideoApiEmulator({ generationMs: GENERATION_MS });
const guildId = snowflake();
const channelId = snowflake();
const users = Array.from({ length: JOBS }, (_, i) => ({ id: snowflake(), username: `user${i}` }));
const discord = await startDiscordEmulator({
  guilds: [
    { id: guildId, channels: [{ id: channelId, name: 'general' }], members: users.map((user) => ({ user })) },
  ],
});

/**
 * The compiled bot in a process of its own (as bench:discord-burst and bench:cost run it: production flags,
 * SQLite store), on the emulators, polling under `maxRps`. In production Discord and the provider are other
 * machines: run inside this process, the emulators' work for 100 commands at once would be counted as the bot's.
 */
async function startBot(maxRps: number) {
  const bot = await spawnCompiledBot({
    QUOTA_DEFAULT: '100',
    // Caps raised for the run: the figures are about the bot, not the fair queue.
    MAX_CONCURRENT_JOBS: '10000',
    MAX_JOBS_PER_USER: '100',
    VIDEO_API_MAX_RPS: String(maxRps),
    DISCORD_API_BASE_URL: discord.apiBase,
    VIDEO_API_BASE_URL: video.baseUrl,
    VIDEO_API_KEY: video.apiKey,
    // e.g. memory://, to see what the production SQLite store adds.
    ...(process.env.BENCH_E2E_STORE_URL ? { STORE_URL: process.env.BENCH_E2E_STORE_URL } : {}),
  });
  await discord.waitForReady(30_000);
  // Warm, as a bot in service is: lazy imports, JIT and the first delivery are paid before the burst. Jobs as
  // long as the burst's, so the durations the bot remembers (its guess for jobs without progress) are the same.
  const warm = await Promise.all(
    users.slice(0, 5).map((user, i) =>
      discord.slashCommand({
        channelId,
        guildId,
        user,
        name: 'imagine',
        options: [{ name: 'prompt', value: `a warm-up clip ${i}` }],
      }),
    ),
  );
  await Promise.all(
    warm.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, GENERATION_MS + 30_000)),
  );
  return bot;
}

/** The file's own transfer: GET /content from the API, then a multipart upload of it to a Discord channel. */
async function transferMs(): Promise<number> {
  const created = await fetch(`${video.baseUrl}/videos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${video.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'grok-imagine-video', prompt: '[emu:ms=0] transfer probe' }),
  });
  const { id } = (await created.json()) as { id: string };
  await fetch(`${video.baseUrl}/videos/${id}`, { headers: { authorization: `Bearer ${video.apiKey}` } });
  const t0 = performance.now();
  const file = await fetch(`${video.baseUrl}/videos/${id}/content`, {
    headers: { authorization: `Bearer ${video.apiKey}` },
  });
  const bytes = Buffer.from(await file.arrayBuffer());
  const form = new FormData();
  form.append(
    'payload_json',
    JSON.stringify({ content: '', attachments: [{ id: 0, filename: 'video.mp4' }] }),
  );
  form.append('files[0]', new Blob([bytes], { type: 'video/mp4' }), 'video.mp4');
  const uploaded = await fetch(`${discord.apiBase}/v10/channels/${channelId}/messages`, {
    method: 'POST',
    headers: { authorization: 'Bot bench' },
    body: form,
  });
  if (!uploaded.ok) throw new Error(`transfer probe upload: ${uploaded.status} ${await uploaded.text()}`);
  return performance.now() - t0;
}

/** JOBS /imagine at once; each job's end-to-end figures. */
async function burst(phase: number, transfer: number) {
  const handles = await Promise.all(
    users.map((user, i) =>
      discord.slashCommand({
        channelId,
        guildId,
        user,
        name: 'imagine',
        options: [{ name: 'prompt', value: promptOf(phase, i) }],
      }),
    ),
  );
  const results = await Promise.all(
    handles.map(async (handle, i) => {
      const final = await handle.waitForOriginal((m) => m.attachments.length > 0, GENERATION_MS + 60_000);
      const deliveredAt = final.versions.find((v) => v.attachments.length > 0)?.at ?? NaN;
      const job = [...video.jobs.values()].find((j) => j.prompt === promptOf(phase, i));
      const generation = job ? job.completesAt - job.createdAt : GENERATION_MS;
      const endToEnd = deliveredAt - handle.dispatchedAt;
      const content = video.requests.find((r) => job && r.path.endsWith(`/videos/${job.id}/content`));
      // The poll that found the job done: how late it landed, then how long until the download began.
      const landing = video.requests.find(
        (r) => job && r.method === 'GET' && r.path.endsWith(`/videos/${job.id}`) && r.at >= job.completesAt,
      );
      return {
        endToEnd,
        ratio: endToEnd / (generation + transfer),
        polls: job?.polls ?? NaN,
        submitMs: (job?.createdAt ?? NaN) - handle.dispatchedAt,
        ackMs: handle.ack?.latencyMs ?? NaN,
        noticeMs: (content?.at ?? NaN) - (job?.completesAt ?? NaN),
        deliverMs: deliveredAt - (content?.at ?? NaN),
        landingMs: (landing?.at ?? NaN) - (job?.completesAt ?? NaN),
        fetchMs: (content?.at ?? NaN) - (landing?.at ?? NaN),
      };
    }),
  );
  const part = (key: 'submitMs' | 'ackMs' | 'noticeMs' | 'deliverMs' | 'landingMs' | 'fetchMs') =>
    results.map((r) => r[key]);
  return {
    ratios: results.map((r) => r.ratio),
    overheadMs: results.map((r) => r.endToEnd - GENERATION_MS - transfer),
    polls: results.map((r) => r.polls),
    part,
  };
}

compileBotAndHelpers(['bench/loop-lag-hook.ts']);
let running: Awaited<ReturnType<typeof startBot>> | undefined;
try {
  running = await startBot(UNCAPPED_RPS);
  const transfers: number[] = [];
  for (let i = 0; i < TRANSFER_SAMPLES; i++) {
    transfers.push(await transferMs());
    // Stay under the emulated channel bucket (5 messages per 5 s) so no probe waits for a rate limit.
    if (i % 5 === 4) await new Promise((r) => setTimeout(r, 5100));
  }
  const transfer = percentile(transfers, 50);
  video.reset();

  console.log(
    `bench/e2e-overhead: ${JOBS} /imagine at once on Discord, generation ${GENERATION_MS / 1000} s, production poll policy`,
  );
  console.log(
    `  transfer time (alone)       median ${fixed(transfer, 1)} ms over ${TRANSFER_SAMPLES} probes`,
  );
  console.log(`1. the bot's overhead (VIDEO_API_MAX_RPS=${UNCAPPED_RPS}, not binding)`);
  const started = performance.now();
  discord.reset();
  const own = await burst(1, transfer);
  const { ratios, overheadMs, polls, part } = own;
  console.log(`  wall time                   ${fixed((performance.now() - started) / 1000, 1)} s`);
  console.log(
    `  end-to-end ÷ (gen + xfer)   mean ${fixed(mean(ratios), 4)}, p50 ${fixed(percentile(ratios, 50), 4)}, p99 ${fixed(percentile(ratios, 99), 4)}, max ${fixed(Math.max(...ratios), 4)} (target ≤ 1.02)`,
  );
  console.log(
    `  added by the bot            mean ${fixed(mean(overheadMs), 0)} ms, p99 ${fixed(percentile(overheadMs, 99), 0)} ms`,
  );
  console.log(
    `  where: dispatch → upstream POST p50 ${fixed(percentile(part('submitMs'), 50), 0)} ms (of which dispatch → ack p50 ${fixed(percentile(part('ackMs'), 50), 0)} ms); completion → download p50 ${fixed(percentile(part('noticeMs'), 50), 0)} / p99 ${fixed(percentile(part('noticeMs'), 99), 0)} ms (completion → the poll that saw it p50 ${fixed(percentile(part('landingMs'), 50), 0)} ms, that poll → download p50 ${fixed(percentile(part('fetchMs'), 50), 0)} ms); download → video in Discord p50 ${fixed(percentile(part('deliverMs'), 50), 0)} / p99 ${fixed(percentile(part('deliverMs'), 99), 0)} ms`,
  );
  // Discord REST calls the bot made per second at the busiest second (discord.js caps itself at 50/s globally).
  const perSecond = new Map<number, number>();
  for (const r of discord.requests)
    perSecond.set(Math.floor(r.at / 1000), (perSecond.get(Math.floor(r.at / 1000)) ?? 0) + 1);
  const restPeak = Math.max(...perSecond.values());
  console.log(`  Discord REST requests/s     peak ${restPeak}`);
  console.log(`  polls per job               mean ${fixed(mean(polls), 1)}, max ${Math.max(...polls)}`);

  await running.stop();
  running = undefined;
  // The emulator sees the first bot's gateway close before the second identifies.
  await new Promise((r) => setTimeout(r, 500));
  video.reset();
  discord.reset();
  running = await startBot(DEFAULT_RPS);
  const floorS = JOBS / (2 * DEFAULT_RPS);
  console.log(
    `2. under the default cap (VIDEO_API_MAX_RPS=${DEFAULT_RPS}; ${JOBS} jobs ending together: mean notice ≥ ${fixed(floorS, 2)} s)`,
  );
  const capped = await burst(2, transfer);
  console.log(
    `  end-to-end ÷ (gen + xfer)   mean ${fixed(mean(capped.ratios), 4)}, p50 ${fixed(percentile(capped.ratios, 50), 4)}, p99 ${fixed(percentile(capped.ratios, 99), 4)}`,
  );
  console.log(
    `  completion → download       mean ${fixed(mean(capped.part('noticeMs')), 0)} ms, p50 ${fixed(percentile(capped.part('noticeMs'), 50), 0)} / p99 ${fixed(percentile(capped.part('noticeMs'), 99), 0)} ms`,
  );
  console.log(
    `  polls per job               mean ${fixed(mean(capped.polls), 1)}, max ${Math.max(...capped.polls)}`,
  );

  await writeFigures({
    jobs: JOBS,
    generationMs: GENERATION_MS,
    transferMs: transfer,
    ratioMean: mean(ratios),
    ratioP50: percentile(ratios, 50),
    ratioP99: percentile(ratios, 99),
    ratioMax: Math.max(...ratios),
    overheadMeanMs: mean(overheadMs),
    overheadP99Ms: percentile(overheadMs, 99),
    pollsPerJob: mean(polls),
    pollsMax: Math.max(...polls),
    discordRestPeakPerSecond: restPeak,
    submitP50Ms: percentile(part('submitMs'), 50),
    ackP50Ms: percentile(part('ackMs'), 50),
    noticeP50Ms: percentile(part('noticeMs'), 50),
    noticeP99Ms: percentile(part('noticeMs'), 99),
    deliverP50Ms: percentile(part('deliverMs'), 50),
    deliverP99Ms: percentile(part('deliverMs'), 99),
    cappedRps: DEFAULT_RPS,
    cappedRatioMean: mean(capped.ratios),
    cappedRatioP99: percentile(capped.ratios, 99),
    cappedNoticeMeanMs: mean(capped.part('noticeMs')),
    cappedNoticeFloorMs: floorS * 1000,
    cappedPollsPerJob: mean(capped.polls),
  });
} finally {
  await running?.stop();
  await discord.close();
  await video.close();
}
