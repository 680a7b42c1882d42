import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snowflake, startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/server.js';
import { createSlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { syntheticMp4Sha256 } from '../emulators/video-api/synthetic-mp4.js';
import { listening, memoryOf, resetPeak, spawnMain, type MainProcess } from '../helpers/main-process.js';
import { freePort } from '../helpers/net.js';
import { slackEventsUrl } from '../helpers/slack.js';

/**
 * A 150 MB video delivered by `npm start` (bin/main.ts in a child process, so its memory is its own) to Discord
 * and to Slack: the bot's peak RSS during the download and upload stays far below the video's size (the file
 * goes from its temporary file to the platform as a stream, never whole in memory), and what the platform
 * received is the video, byte for byte (SHA-256).
 */
const VIDEO_BYTES = 150 * 1000 * 1000;
/**
 * Half the video: an upload that holds the video in memory even once is over it (the buffered one rose by
 * 690 MB), while a streamed one rises by what the garbage collector lets pile up between collections (about
 * 10 to 40 MB here, whatever the size of the video).
 */
const MAX_PEAK_GROWTH = VIDEO_BYTES / 2;
const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

let video: VideoApiEmulator;
let dir: string;
const expectedSha256 = syntheticMp4Sha256(VIDEO_BYTES);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 300 });
  dir = await mkdtemp(join(tmpdir(), 'large-upload-'));
});
afterAll(async () => {
  await video.close();
  await rm(dir, { recursive: true, force: true });
});

const common = () => ({
  VIDEO_API_BASE_URL: video.baseUrl,
  VIDEO_API_KEY: video.apiKey,
  STORE_URL: 'memory://',
  QUOTA_DEFAULT: '10',
  LOG_LEVEL: 'warn',
  // Downloads land here, not in the machine's temp folder.
  TMPDIR: dir,
});

/**
 * Runs a small job first (so the upload path is loaded and warm), then the large one, and answers how far the
 * bot's peak RSS rose above its resident size just before the large job.
 */
async function peakGrowth(bot: MainProcess, run: (prompt: string) => Promise<void>): Promise<number> {
  await run('a warm-up [emu:ms=0]');
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await memoryOf(bot.pid, 'VmRSS');
  await resetPeak(bot.pid);
  await run(`a very long take [emu:ms=0] [emu:bytes=${VIDEO_BYTES}]`);
  const growth = (await memoryOf(bot.pid, 'VmHWM')) - before;
  return growth;
}

describe('a 150 MB video', () => {
  it('goes to Discord as a stream: peak RSS stays bounded and the bytes arrive intact', async () => {
    const guildId = snowflake();
    const channelId = snowflake();
    const user = { id: snowflake(), username: 'alice' };
    const discord: DiscordEmulator = await startDiscordEmulator({
      guilds: [{ id: guildId, channels: [{ id: channelId, name: 'general' }], members: [{ user }] }],
      // A server whose uploads may be this large (Discord says so in each interaction).
      attachmentSizeLimit: 200 * 1024 * 1024,
    });
    const bot = spawnMain({
      ...common(),
      DISCORD_TOKEN: 'large-token',
      DISCORD_API_BASE_URL: discord.apiBase,
    });
    try {
      await discord.waitForReady(30_000);
      let last: Buffer | undefined;
      let token = '';
      const growth = await peakGrowth(bot, async (prompt) => {
        const handle = await discord.slashCommand({
          channelId,
          guildId,
          user,
          name: 'imagine',
          options: [{ name: 'prompt', value: prompt }],
        });
        const final = await handle.waitForOriginal((m) => m.attachments.length > 0, 60_000);
        last = final.attachments[0]?.bytes;
        token = handle.token;
      });
      // One upload, answered: none was cut off by a request timeout and sent again.
      const uploads = discord.requests.filter(
        (r) => r.path.includes(token) && (r.files.length > 0 || r.status === 0),
      );
      expect(uploads.map((r) => r.status)).toEqual([200]);
      expect(last?.length).toBe(VIDEO_BYTES);
      expect(last && sha256(last)).toBe(expectedSha256);
      expect(growth, `peak RSS growth ${MB(growth)}`).toBeLessThan(MAX_PEAK_GROWTH);
    } finally {
      await bot.stop();
      await discord.close();
    }
  }, 180_000);

  it('goes to Slack as a stream: peak RSS stays bounded and the bytes arrive intact', async () => {
    const channel = 'C0LARGE';
    const user = 'U0ALICE';
    const slack: SlackEmulator = await startSlackEmulator({
      users: [{ id: user, name: 'alice' }],
      maxBodyBytes: 256 * 1024 * 1024,
    });
    const port = await freePort();
    const bot = spawnMain({
      ...common(),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl.replace(/\/$/, ''),
      SLACK_PORT: String(port),
    });
    try {
      await listening(port, 30_000);
      const driver = createSlackDriver({ emulator: slack, botUrl: slackEventsUrl(port) });
      let last: Buffer | undefined;
      let fileId = '';
      const growth = await peakGrowth(bot, async (prompt) => {
        const uploaded = slack.files.size;
        const res = await driver.slashCommand({ command: '/imagine', text: prompt, user, channel });
        expect(res.status).toBe(200);
        const file = await slack.waitFor(
          () => [...slack.files.values()].slice(uploaded).find((f) => f.state === 'completed'),
          { timeoutMs: 60_000, description: 'the video in the channel' },
        );
        last = file.bytes;
        fileId = file.id;
      });
      expect(slack.uploads.filter((u) => u.fileId === fileId).map((u) => u.status)).toEqual([200]);
      expect(last?.length).toBe(VIDEO_BYTES);
      expect(last && sha256(last)).toBe(expectedSha256);
      expect(growth, `peak RSS growth ${MB(growth)}`).toBeLessThan(MAX_PEAK_GROWTH);
    } finally {
      await bot.stop();
      await slack.close();
    }
  }, 180_000);
});
