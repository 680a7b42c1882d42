import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDriver, type SlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { freePort } from '../helpers/net.js';
import { slackEventsUrl } from '../helpers/slack.js';

/**
 * `npm start` (bin/main.ts) with Slack over HTTP, as deployed: what Bolt itself says goes through our JSON log
 * (a plain `[ERROR] bolt-app …` line breaks every log pipeline), a listener's failure is logged by app.error
 * with structured fields, and a correctly signed request stamped more than five minutes ahead is refused like
 * a stale one (https://api.slack.com/authentication/verifying-requests-from-slack: "more than five minutes
 * from local time").
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHANNEL = 'C0GENERAL';
const ALICE = 'U0ALICE';

let video: VideoApiEmulator;
let slack: SlackEmulator;
let bot: ChildProcess;
let driver: SlackDriver;
const lines: { stream: 'stdout' | 'stderr'; line: string }[] = [];

/** Every line the bot wrote, as JSON; a line that is not JSON fails the test with the line in the message. */
const logged = () =>
  lines.map(({ stream, line }) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${stream} line is not JSON: ${line}`);
    }
  });

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 300 });
  slack = await startSlackEmulator({ users: [{ id: ALICE, name: 'alice' }] });
  const port = await freePort();
  bot = spawn(process.execPath, ['--import', 'tsx', 'bin/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl.replace(/\/$/, ''),
      SLACK_PORT: String(port),
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
      STORE_URL: 'memory://',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = bot[stream];
    if (source) createInterface({ input: source }).on('line', (line) => lines.push({ stream, line }));
  }
  await slack.waitFor(() => lines.some((l) => l.line.includes('Slack adapter ready')), {
    timeoutMs: 30_000,
    description: 'the bot to start',
  });
  driver = createSlackDriver({ emulator: slack, botUrl: slackEventsUrl(port) });
}, 40_000);

afterAll(async () => {
  if (bot.exitCode === null) {
    const exited = new Promise((resolve) => bot.once('exit', resolve));
    bot.kill('SIGTERM');
    await exited;
  }
  await slack.close();
  await video.close();
});

describe('Bolt inside bin/main.ts', () => {
  it('refuses a correctly signed command stamped 10 minutes ahead, like a stale one, and starts no job', async () => {
    const future = await driver.slashCommand(
      { command: '/imagine', text: 'from the future', user: ALICE, channel: CHANNEL },
      { timestampSkewSeconds: 600 },
    );
    const past = await driver.slashCommand(
      { command: '/imagine', text: 'from the past', user: ALICE, channel: CHANNEL },
      { timestampSkewSeconds: -600 },
    );
    expect([future.status, past.status]).toEqual([401, 401]);
    // A clock a minute ahead is within Slack's five minutes: answered.
    const near = await driver.slashCommand(
      { command: '/jobs', text: '', user: ALICE, channel: CHANNEL },
      { timestampSkewSeconds: 60 },
    );
    expect(near.status).toBe(200);
    await slack.waitFor(() => slack.timeline.some((t) => t.ephemeralFor === ALICE));
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(slack.messages.filter((m) => m.text.includes('from the'))).toEqual([]);
  });

  it('logs Bolt’s own lines and a failing listener as JSON, with structured fields', async () => {
    const bad = await driver.slashCommand(
      { command: '/imagine', text: 'forged', user: ALICE, channel: CHANNEL },
      { badSignature: true },
    );
    expect(bad.status).toBe(401);
    // The Animate shortcut's views.open fails after the ack: an error Bolt hands to app.error.
    const photo = await testImage({ width: 8, fill: { r: 1, g: 2, b: 3 } });
    const message = slack.userPostsMessage({
      channel: CHANNEL,
      user: ALICE,
      text: 'a photo',
      files: [{ name: 'p.png', bytes: photo }],
    });
    slack.configure({ methodError: { method: 'views.open', error: 'expired_trigger_id', times: 1 } });
    const shortcut = await driver.messageShortcut({
      callbackId: 'animate',
      message: message.ts,
      user: ALICE,
      channel: CHANNEL,
    });
    expect(shortcut.status).toBe(200);
    await slack.waitFor(() => lines.some((l) => l.line.includes('expired_trigger_id')), {
      description: 'the listener error to be logged',
    });

    const entries = logged();
    expect(entries.length).toBeGreaterThan(3);
    expect(lines.filter((l) => l.stream === 'stderr')).toEqual([]);
    expect(entries).toContainEqual(
      expect.objectContaining({
        module: 'bolt',
        level: 40,
        msg: expect.stringContaining('Failed to parse and verify the request data'),
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        platform: 'slack',
        level: 50,
        code: 'slack_webapi_platform_error',
        apiError: 'expired_trigger_id',
        type: 'message_action',
        callbackId: 'animate',
        userId: ALICE,
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringContaining('stamped in the future') }),
    );
    // Nothing secret in what Bolt logged.
    const text = lines.map((l) => l.line).join('\n');
    expect(text).not.toContain(slack.botToken);
    expect(text).not.toContain(slack.signingSecret);
  });
});
