import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { createSlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { testImage } from '../helpers/images.js';
import { slackEventsUrl, slackTargetOf } from '../helpers/slack.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * How the video reaches Slack users, end to end: over SLACK_MAX_UPLOAD_BYTES (a link, or a plain statement),
 * through an upload URL that fails (retried, then refunded), over Socket Mode, and after the bot process dies
 * mid-job and a new one resumes it.
 */

/** The world's bot runs in HTTP mode with a 1 KiB upload limit (the sample MP4 is 3.5 KB). */
const it = slackWorldTest({ generationMs: 600, env: { QUOTA_DEFAULT: '20' }, bot: { maxUploadBytes: 1024 } });

const CHANNEL = slackSeed.general;
const ALICE = slackSeed.alice;

const botPosts = (slack: SlackEmulator) =>
  slack.timeline.filter(
    (t) => t.channel === CHANNEL && t.ephemeralFor === undefined && t.user === slack.identity.botUserId,
  );

describe('a video over SLACK_MAX_UPLOAD_BYTES', () => {
  it('is posted as a link when video_url works without our key', async ({
    world: { driver, slack, video },
  }) => {
    const uploads = slack.uploads.length;
    await driver.slashCommand({
      command: '/imagine',
      text: 'big one [emu:foreign]',
      user: ALICE,
      channel: CHANNEL,
    });
    const final = await slack.waitFor(
      () => botPosts(slack).find((t) => t.text.includes('big one') && t.text.includes('too large to upload')),
      { timeoutMs: 15_000 },
    );
    expect(final.text).toContain(`${video.foreignOrigin}/files/`);
    expect(final.text).not.toContain(video.origin);
    expect(JSON.stringify(final.blocks)).toContain('"action_id":"again"');
    expect(slack.uploads.length).toBe(uploads);
  });

  it('says so plainly when the only URL needs our API key', async ({ world: { driver, slack } }) => {
    const uploads = slack.uploads.length;
    await driver.slashCommand({ command: '/imagine', text: 'big two', user: ALICE, channel: CHANNEL });
    const final = await slack.waitFor(
      () => botPosts(slack).find((t) => t.text.includes('big two') && t.text.includes('upload limit')),
      { timeoutMs: 15_000 },
    );
    expect(final.text).toContain('larger than Slack’s upload limit');
    expect(final.text).not.toContain('http');
    expect(slack.uploads.length).toBe(uploads);
  });
});

describe('the upload of the video', () => {
  it('is streamed to the upload URL and retried there after a 500', async ({
    world: { slack, video, app, startProcess },
  }) => {
    const uploader = await startProcess({ app, bot: {} });
    try {
      slack.configure({ uploadError: { status: 500, times: 1 } });
      const before = slack.uploads.length;
      await uploader.driver.slashCommand({
        command: '/imagine',
        text: 'a retried upload',
        user: ALICE,
        channel: CHANNEL,
      });
      await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'a retried upload' }), {
        timeoutMs: 15_000,
      });
      const uploads = slack.uploads.slice(before);
      expect(uploads.map((u) => u.status)).toEqual([500, 200]);
      for (const upload of uploads) expect(upload.bytes.equals(video.mp4)).toBe(true);
      // The same multipart shape and token as the web client's files.uploadV2.
      expect(uploads[1]).toMatchObject({ multipart: true, authorization: `Bearer ${slack.botToken}` });
      expect(slack.callsTo('files.getUploadURLExternal').at(-1)?.params).toMatchObject({
        filename: 'video.mp4',
        length: String(video.mp4.length),
      });
      const file = slack.files.get(uploads[1]?.fileId ?? '');
      expect(file).toMatchObject({ state: 'completed', channels: [CHANNEL] });
    } finally {
      await uploader.close(1000);
    }
  });

  it('fails the job and refunds it when the upload URL keeps failing', async ({
    world: { slack, app, startProcess, used },
  }) => {
    const uploader = await startProcess({ app, bot: {} });
    try {
      const usedBefore = await used(ALICE);
      slack.configure({ uploadError: { status: 503, times: 3 } });
      const before = slack.uploads.length;
      await uploader.driver.slashCommand({
        command: '/imagine',
        text: 'a lost upload',
        user: ALICE,
        channel: CHANNEL,
      });
      await slack.waitFor(
        () => botPosts(slack).some((t) => t.text.includes('a lost upload') && t.text.includes(':x:')),
        { timeoutMs: 20_000 },
      );
      expect(slack.uploads.slice(before).map((u) => u.status)).toEqual([503, 503, 503]);
      // Never completed, so it is in no channel.
      expect(slack.files.get(slack.uploads[before]?.fileId ?? '')?.state).toBe('pending');
      expect(await used(ALICE)).toBe(usedBefore);
    } finally {
      await uploader.close(1000);
    }
  });
});

describe('Socket Mode', () => {
  it('takes a slash command over the socket (SLACK_APP_TOKEN) and delivers the video', async ({
    world: { slack, video, app, startProcess },
  }) => {
    const socketProcess = await startProcess({ app, bot: { socketMode: true } });
    const socket = socketProcess.bot;
    try {
      expect(socket.port).toBeUndefined();
      expect(slack.socket.openConnections).toBe(1);
      const res = await socketProcess.driver.slashCommand({
        command: '/imagine',
        text: 'a paper boat --seconds 3',
        user: ALICE,
        channel: CHANNEL,
      });
      expect(res.status).toBe(200);
      await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'paper boat' }), {
        timeoutMs: 15_000,
      });
      expect(video.requests.find((r) => r.method === 'POST')?.body).toMatchObject({ seconds: '3' });
      expect([...slack.files.values()].at(-1)?.bytes).toEqual(video.mp4);

      // GET /healthz's view of the link: connected, not while the network cut it, connected again after.
      expect(socket.connected()).toBe(true);
      slack.socket.dropConnections();
      await slack.waitFor(() => !socket.connected(), { timeoutMs: 5000 });
      await slack.waitFor(() => socket.connected() && slack.socket.openConnections === 1, {
        timeoutMs: 15_000,
      });
    } finally {
      await socketProcess.close(1000);
    }
    expect(socket.connected()).toBe(false);
  });
});

/** The bot in a child process on a shared SQLite store, to be killed with SIGKILL mid-job. */
async function startCrashWorker(
  slack: SlackEmulator,
  video: { baseUrl: string; apiKey: string },
  storeUrl: string,
): Promise<{ driver: ReturnType<typeof createSlackDriver>; kill(): Promise<void> }> {
  const worker = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/adapters/slack-crash-worker.ts',
      JSON.stringify({
        videoBaseUrl: video.baseUrl,
        videoApiKey: video.apiKey,
        storeUrl,
        slack: slackTargetOf(slack),
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const kill = async () => {
    if (worker.exitCode !== null || worker.signalCode !== null) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 20_000);
      worker.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /port (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    return { driver: createSlackDriver({ emulator: slack, botUrl: slackEventsUrl(port) }), kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

describe('restart mid-job', () => {
  it('a job whose bot process died is resumed by the next one, in the original thread and message', async ({
    world: { slack, video, startProcess },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'slack-restart-'));
    const storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
    const worker = await startCrashWorker(slack, video, storeUrl);
    const uploadsBefore = slack.uploads.length;
    try {
      const photo = await testImage({ width: 8, fill: { r: 0, g: 90, b: 200 } });
      const parent = slack.userPostsMessage({
        channel: CHANNEL,
        user: ALICE,
        text: 'the sea',
        files: [{ name: 'sea.png', bytes: photo }],
      });
      await worker.driver.event({
        type: 'app_mention',
        user: ALICE,
        channel: CHANNEL,
        thread_ts: parent.ts,
        text: `<@${slack.identity.botUserId}> waves roll in [emu:ms=4000]`,
      });
      const inThread = () => botPosts(slack).filter((t) => t.threadTs === parent.ts);
      // Killed once the job message is up and has been updated (its ts is then in the job record).
      const jobMessage = await slack.waitFor(
        () => {
          const posted = inThread().find((t) => t.action === 'post');
          return posted && inThread().some((t) => t.action === 'update' && t.ts === posted.ts)
            ? posted
            : undefined;
        },
        { timeoutMs: 15_000 },
      );
      await worker.kill();
      const seenBeforeRestart = slack.timeline.length;
      expect(slack.uploads).toHaveLength(uploadsBefore);

      const {
        app: next,
        bot: adapter,
        close: closeNext,
      } = await startProcess({ env: { STORE_URL: storeUrl, QUOTA_DEFAULT: '50' } });
      try {
        const unfinished = await next.jobs.unfinished();
        expect(unfinished).toHaveLength(1);
        const settled = await next.runner?.startWorkers((record) =>
          record.platform === 'slack' ? adapter.replyFor(record) : undefined,
        );
        expect(settled?.map((r) => r.status)).toEqual(['completed']);
        const after = slack.timeline.slice(seenBeforeRestart).filter((t) => t.channel === CHANNEL);
        // No second progress message: the original one is updated, then deleted once the video is in the thread.
        expect(after.filter((t) => t.action === 'post' && t.text.includes('waves roll in'))).toHaveLength(1);
        expect(after.some((t) => t.action === 'update' && t.ts === jobMessage.ts)).toBe(true);
        expect(slack.messages.find((m) => m.ts === jobMessage.ts)?.deleted).toBe(true);
        const result = slackResult(slack, { channel: CHANNEL, prompt: 'waves roll in', threadTs: parent.ts });
        expect(result?.share.files.map((f) => f.bytes)).toEqual([video.mp4]);
        expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      } finally {
        await closeNext(1000);
      }
    } finally {
      await worker.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a job that died after sharing its video is finished without sharing it again', async ({
    world: { slack, video, startProcess },
  }) => {
    const dir = await mkdtemp(join(tmpdir(), 'slack-restart-'));
    const storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
    const worker = await startCrashWorker(slack, video, storeUrl);
    const uploadsBefore = slack.uploads.length;
    try {
      // The bot looks for the share with files.info once the upload is complete: held there, it dies.
      slack.configure({ latency: { method: 'files.info', ms: 30_000 } });
      const looks = slack.callsTo('files.info').length;
      await worker.driver.slashCommand({
        command: '/imagine',
        text: 'a crane takes off',
        user: ALICE,
        channel: CHANNEL,
      });
      await slack.waitFor(() => slack.callsTo('files.info').length > looks, { timeoutMs: 15_000 });
      await worker.kill();
      slack.configure({ latency: [] });
      const shares = () =>
        slack.messages.filter(
          (m) => m.via === 'files.completeUploadExternal' && m.text.includes('a crane takes off'),
        );
      expect(shares()).toHaveLength(1);
      expect(slackResult(slack, { channel: CHANNEL, prompt: 'a crane takes off' })).toBeUndefined();

      const {
        app: next,
        bot: adapter,
        close: closeNext,
      } = await startProcess({ env: { STORE_URL: storeUrl, QUOTA_DEFAULT: '50' } });
      try {
        const settled = await next.runner?.startWorkers((record) =>
          record.platform === 'slack' ? adapter.replyFor(record) : undefined,
        );
        expect(settled?.map((r) => r.status)).toEqual(['completed']);
        // One upload and one share; the buttons under it, the progress message gone.
        expect(slack.uploads.slice(uploadsBefore).filter((u) => u.status === 200)).toHaveLength(1);
        expect(shares()).toHaveLength(1);
        const result = slackResult(slack, { channel: CHANNEL, prompt: 'a crane takes off' });
        expect(result?.share).toBe(shares()[0]);
        const progress = slack.messages.filter(
          (m) => m.via === 'chat.postMessage' && m.revisions[0]?.text.includes('a crane takes off'),
        );
        expect(progress.map((m) => m.deleted)).toEqual([true]);
        expect(settled?.[0]?.messageRef).toMatchObject({ ts: result?.buttons.ts, shareTs: result?.share.ts });
      } finally {
        await closeNext(1000);
      }
    } finally {
      await worker.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
