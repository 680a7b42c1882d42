import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createSlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { listening, spawnMain, type MainProcess } from '../helpers/main-process.js';
import { freePort } from '../helpers/net.js';
import { emptyRedisDatabase } from '../helpers/redis.js';
import { slackEventsUrl } from '../helpers/slack.js';
import { slackResult } from '../world/slack.js';

/**
 * Two `npm start` processes (bin/main.ts, Slack over HTTP) on one Redis, as two instances behind a load
 * balancer: 40 slash commands spread over both, one Slack request retried onto the other instance, then one
 * process killed with SIGKILL mid-run. The survivor takes over the dead one's jobs through BullMQ's stalled-job
 * check and the shared fair queue: every job ends delivered exactly once or refunded with a message, no
 * upstream job is created twice, no reservation is left open, and each job has one progress message, the one
 * first posted for it, deleted once the video is shared in the channel (once, with its buttons under it)
 * whichever process delivers it.
 */
const JOBS = 40;
const DB = 13;

let video: VideoApiEmulator;
let slack: SlackEmulator;
let storeUrl: string;
const users = Array.from({ length: JOBS }, (_, i) => ({
  id: `U${String(i).padStart(4, '0')}`,
  name: `user${i}`,
}));
const channelOf = (i: number) => `C${String(i).padStart(4, '0')}`;

beforeAll(async () => {
  storeUrl = await emptyRedisDatabase(DB);
  video = await startVideoApiEmulator({ generationMs: 5000 });
  slack = await startSlackEmulator({ users });
});
afterAll(async () => {
  await slack.close();
  await video.close();
});

/** One `npm start` process; its warnings are kept, so a failed assertion can show what each process said. */
function startBot(port: number, metricsPort?: number): MainProcess {
  return spawnMain({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl.replace(/\/$/, ''),
    SLACK_PORT: String(port),
    VIDEO_API_BASE_URL: video.baseUrl,
    VIDEO_API_KEY: video.apiKey,
    STORE_URL: storeUrl,
    QUOTA_DEFAULT: '5',
    MAX_CONCURRENT_JOBS: '16',
    WORKER_CONCURRENCY: '8',
    // A dead process's jobs move to the survivor after about this long.
    WORKER_LOCK_SECONDS: '2',
    LOG_LEVEL: 'warn',
    ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
  });
}

const deliveredTo = (channel: string) =>
  [...slack.files.values()].filter(
    (f) => f.state === 'completed' && f.channels.includes(channel) && f.user === slack.identity.botUserId,
  );

/** The bot's progress messages in a channel (deleted ones too), oldest first: not the share, not the buttons. */
const botMessagesIn = (channel: string) =>
  slack
    .messagesIn(channel, { includeDeleted: true })
    .filter(
      (m) =>
        m.user === slack.identity.botUserId &&
        m.via === 'chat.postMessage' &&
        !JSON.stringify(m.revisions[0]?.blocks ?? []).includes('"delete_job"'),
    );

describe('two bot processes on one Redis, one killed with SIGKILL', () => {
  it('delivers every job exactly once, shared in its channel, or refunds it, and never starts one twice', async () => {
    const ports = [await freePort(), await freePort()];
    // The survivor also serves GET /metrics, so the scrape at the end shows the jobs it took over.
    const metricsPort = await freePort();
    const bots = [startBot(ports[0]!), startBot(ports[1]!, metricsPort)];
    const first = bots[0]!;
    const said = () => bots.map((bot, n) => `process ${n}:\n${bot.stdout()}${bot.stderr()}`).join('\n');
    try {
      await Promise.all(ports.map((port) => listening(port, 30_000)));
      const drivers = ports.map((port) =>
        createSlackDriver({ emulator: slack, botUrl: slackEventsUrl(port) }),
      );
      const sent = await Promise.all(
        users.map((user, i) =>
          drivers[i % 2]!.slashCommand({
            command: '/imagine',
            user: user.id,
            channel: channelOf(i),
            text: `take ${i}`,
          }),
        ),
      );
      for (const response of sent) expect(response.status).toBe(200);
      // The load balancer retries the first command onto the other instance: same trigger id, no new job.
      const retried = await drivers[1]!.slashCommand({
        command: '/imagine',
        user: users[0]!.id,
        channel: channelOf(0),
        text: 'take 0',
        triggerId: sent[0]!.triggerId,
      });
      expect(retried.status).toBe(200);

      // Both are working (16 upstream at once), then one dies mid-generation.
      await slack.waitFor(() => video.jobs.size >= 16, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 1500));
      expect(deliveredTo(channelOf(0)).length + deliveredTo(channelOf(1)).length).toBe(0);
      first.child.kill('SIGKILL');
      await first.exited();

      const unsettled = async () => {
        const app = await openApp(
          parseConfig({ STORE_URL: storeUrl, QUOTA_DEFAULT: '5' }),
          createLogger({ level: 'silent' }),
          { needsGeneration: false },
        );
        try {
          return {
            records: await app.jobs.list({}, 100),
            pending: await app.ledger.pending(),
            used: await Promise.all(
              users.map(
                async (u) =>
                  (
                    await app.quota.status({
                      platform: 'slack',
                      spaceId: slack.identity.teamId,
                      userId: u.id,
                    })
                  ).used,
              ),
            ),
          };
        } finally {
          await app.close();
        }
      };
      let state = await unsettled();
      const deadline = Date.now() + 90_000;
      while (state.records.some((r) => r.reservation === 'reserved') || state.records.length < JOBS) {
        if (Date.now() > deadline) {
          const open = state.records
            .filter((r) => r.reservation === 'reserved')
            .map((r) => `${r.id}:${r.status}`);
          throw new Error(`${open.length} jobs still open after 90 s: ${open.join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 500));
        state = await unsettled();
      }

      expect(state.records).toHaveLength(JOBS);
      expect(state.pending).toEqual([]);
      let completed = 0;
      for (const [i, user] of users.entries()) {
        const record = state.records.find((r) => r.userId === user.id);
        expect(record, `job of ${user.id}`).toBeDefined();
        const files = deliveredTo(channelOf(i));
        // One job per channel: its message is the bot's first post there, and the only one.
        const jobMessages = botMessagesIn(channelOf(i));
        expect(
          jobMessages.length,
          `job messages in ${channelOf(i)}; the bots said:\n${said()}`,
        ).toBeLessThanOrEqual(1);
        if (record!.status === 'completed') {
          completed++;
          expect(record!.reservation).toBe('committed');
          expect(files, `videos in ${channelOf(i)}`).toHaveLength(1);
          expect(files[0]!.bytes).toEqual(video.mp4);
          expect(state.used[i]).toBe(1);
          // The video is shared once in the channel with its buttons under it, and the progress message
          // first posted for the job is gone (whichever process posted it and whichever delivered).
          const original = jobMessages[0];
          expect(original?.deleted, `progress message in ${channelOf(i)}`).toBe(true);
          const result = slackResult(slack, { channel: channelOf(i), prompt: '' });
          expect(
            result?.share.files.map((f) => f.id),
            `video in ${channelOf(i)}`,
          ).toEqual([files[0]!.id]);
          const shares = slack
            .messagesIn(channelOf(i), { includeDeleted: true })
            .filter((m) => m.via === 'files.completeUploadExternal');
          expect(shares, `shares in ${channelOf(i)}`).toHaveLength(1);
        } else {
          // Killed between sending the job upstream and learning its id: refunded, and the user told.
          expect(record!.status).toBe('failed');
          expect(record!.reservation).toBe('refunded');
          expect(files).toHaveLength(0);
          expect(state.used[i]).toBe(0);
        }
      }
      expect(completed).toBeGreaterThanOrEqual(JOBS - 8);
      // No prompt was sent upstream twice.
      const prompts = video.requests
        .filter((r) => r.method === 'POST')
        .map((r) => (r.body as { prompt?: string } | undefined)?.prompt);
      expect(new Set(prompts).size).toBe(prompts.length);
      expect(prompts.length).toBeLessThanOrEqual(JOBS);
      const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const finishedHere = Number(
        /^gvb_jobs_finished_total\{platform="slack",status="completed"\} (\d+)$/m.exec(scrape)?.[1] ?? 0,
      );
      // Its own half of the jobs at least, and those it took over from the dead process.
      expect(finishedHere).toBeGreaterThan(JOBS / 2);
      expect(scrape).toMatch(/^gvb_jobs_in_flight 0$/m);
    } finally {
      for (const bot of bots) {
        if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
      }
    }
  }, 180_000);
});
