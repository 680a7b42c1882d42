import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createSlackDriver } from '../test/emulators/slack/driver.js';
import { startSlackEmulator } from '../test/emulators/slack/server.js';
import { startVideoApiEmulator } from '../test/emulators/video-api/server.js';
import { slackEventsUrl, slackTargetOf } from '../test/helpers/slack.js';
import { fixed, percentile, writeFigures } from './stats.js';

/**
 * A burst of signed `/imagine` slash commands, all sent at once by distinct users, against the Slack adapter
 * on real Bolt in HTTP mode, in a process of its own (bench/slack-burst-bot.ts); the Slack and video-API
 * emulators and the sender share this one. Ack latency is timed
 * from sending each request to its HTTP response arriving — Bolt acks through that response — and any
 * request slower than Slack's 3 s deadline (or not answered 200) is counted as missed. Then it waits for the
 * jobs the burst started and reports how many were delivered. Quotas are raised so none is refused.
 * BENCH_COMMANDS (500), BENCH_GENERATION_MS (3000); BENCH_TEXT=help sends `/imagine help` (acks with no jobs).
 */
const COUNT = Number(process.env.BENCH_COMMANDS ?? 500);
const WARMUP = 10;
const SERIAL = 50;
const DEADLINE_MS = 3000;
const GENERATION_MS = Number(process.env.BENCH_GENERATION_MS ?? 3000);
const DELIVERY_TIMEOUT_MS = 180_000;

const video = await startVideoApiEmulator({ generationMs: GENERATION_MS });
const slack = await startSlackEmulator();
const bot = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    fileURLToPath(new URL('./slack-burst-bot.ts', import.meta.url)),
    JSON.stringify({ videoBaseUrl: video.baseUrl, videoApiKey: video.apiKey, slack: slackTargetOf(slack) }),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve, reject) => {
  let output = '';
  bot.once('exit', (code) => reject(new Error(`the bot process exited (${code}): ${output}`)));
  bot.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /port (\d+)/.exec(output);
    if (match) resolve(Number(match[1]));
  });
});
const driver = createSlackDriver({
  emulator: slack,
  botUrl: slackEventsUrl(port),
  timeoutMs: 30_000,
});

const command = (user: string, prompt: string) =>
  driver.slashCommand({
    command: '/imagine',
    text: process.env.BENCH_TEXT ?? `${prompt} --seconds 2`,
    user,
    channel: 'C0BENCH',
  });

for (let i = 0; i < WARMUP; i++) await command(`UWARM${i}`, `warm-up ${i}`);
if (!process.env.BENCH_TEXT) await slack.waitFor(() => slack.uploads.length >= WARMUP, { timeoutMs: 60_000 });
// One at a time first: the cost of a single ack with nothing queued in front of it.
const serial: number[] = [];
for (let i = 0; i < SERIAL; i++) serial.push((await command(`USERIAL${i}`, `serial ${i}`)).latencyMs);
if (!process.env.BENCH_TEXT) {
  await slack.waitFor(() => slack.uploads.length >= WARMUP + SERIAL, { timeoutMs: 60_000 });
}
const uploadsBefore = slack.uploads.length;

const started = performance.now();
const results = await Promise.all(
  Array.from({ length: COUNT }, async (_, i) => {
    try {
      const res = await command(`UBENCH${String(i).padStart(4, '0')}`, `burst ${i}`);
      return { status: res.status, ms: res.latencyMs };
    } catch {
      return { status: 0, ms: performance.now() - started };
    }
  }),
);
const burstMs = performance.now() - started;
const ms = results.map((r) => r.ms);
const acked = results.filter((r) => r.status === 200).length;
const missed = results.filter((r) => r.status !== 200 || r.ms > DEADLINE_MS).length;

let delivered = 0;
let deliveryMs = NaN;
try {
  if (!process.env.BENCH_TEXT)
    await slack.waitFor(() => slack.uploads.length - uploadsBefore >= COUNT, {
      timeoutMs: DELIVERY_TIMEOUT_MS,
      intervalMs: 100,
    });
  deliveryMs = performance.now() - started;
} catch {
  // Reported below as a count short of COUNT.
}
delivered = slack.uploads.length - uploadsBefore;
const refused = slack.timeline.filter((t) => t.ephemeralFor?.startsWith('UBENCH')).length;

console.log(
  `Slack burst: ${COUNT} signed /imagine slash commands at once, ${COUNT} distinct users (HTTP mode)`,
);
console.log(`  acked 200:          ${acked}/${COUNT}, all sent and answered in ${fixed(burstMs, 0)} ms`);
console.log(
  `  ack latency:        p50 ${fixed(percentile(ms, 50), 1)} ms, p99 ${fixed(percentile(ms, 99), 1)} ms, max ${fixed(Math.max(...ms), 1)} ms`,
);
console.log(
  `  one at a time:      p50 ${fixed(percentile(serial, 50), 1)} ms, p99 ${fixed(percentile(serial, 99), 1)} ms (${SERIAL} commands, warm)`,
);
console.log(`  missed 3 s deadline: ${missed}`);
console.log(
  `  videos delivered:   ${delivered}/${COUNT}${Number.isFinite(deliveryMs) ? ` in ${fixed(deliveryMs / 1000, 1)} s` : ` (gave up after ${DELIVERY_TIMEOUT_MS / 1000} s)`} (jobs of ${GENERATION_MS / 1000} s); ephemeral answers (refusals, or help): ${refused}`,
);

await writeFigures({
  commands: COUNT,
  acked,
  ackP50Ms: percentile(ms, 50),
  ackP99Ms: percentile(ms, 99),
  ackMaxMs: Math.max(...ms),
  serialP50Ms: percentile(serial, 50),
  serialP99Ms: percentile(serial, 99),
  missedDeadlines: missed,
  delivered,
  deliverySeconds: deliveryMs / 1000,
});

bot.kill('SIGTERM');
await new Promise((resolve) => bot.once('exit', resolve));
await slack.close();
await video.close();
process.exit(missed > 0 ? 1 : 0);
