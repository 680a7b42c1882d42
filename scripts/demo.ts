import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { createDiscordAdapter, type DiscordAdapter } from '../adapters/discord/index.js';
import { createSlackAdapter, type SlackAdapter } from '../adapters/slack/index.js';
import { REGISTRY } from '../commands/index.js';
import { createBot, type Bot } from '../src/core/bot.js';
import { openApp, type App } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { probeClip } from '../src/video/probe.js';
import {
  snowflake,
  startDiscordEmulator,
  type DiscordEmulator,
  type InteractionHandle,
  type StoredMessage,
} from '../test/emulators/discord/server.js';
import { createSlackDriver, type SlackDriver } from '../test/emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../test/emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../test/emulators/video-api/server.js';
import { slackEventsUrl } from '../test/helpers/slack.js';

/**
 * `npm run demo`: the whole bot with no credentials. Starts the video-API, Discord and Slack emulators, runs
 * the real Discord adapter (unmodified discord.js) and Slack adapter (real Bolt, HTTP mode) in this process
 * on a temporary SQLite store, then plays a short script as users would: every step is checked, and what each
 * user saw is printed as a transcript. Exit status 0 only when every step happened.
 */

export interface DemoStep {
  title: string;
  ok: boolean;
  /** Why a step failed. */
  problem?: string;
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
  transcript: string[];
  /** Absolute paths of the MP4s the users received. */
  videos: string[];
  outDir: string;
  elapsedMs: number;
}

export interface DemoOptions {
  /** Where the received MP4s are written; a new temporary folder by default. */
  outDir?: string;
  /** Emulated generation time per video. */
  generationMs?: number;
  /** Called with each transcript line as it is produced (the CLI prints them; the test collects them). */
  print?: (line: string) => void;
}

const GUILD = snowflake();
const CHANNEL = snowflake();
const SLACK_CHANNEL = 'C0DEMO';
/** A public channel the bot has not joined, and a private one it was not invited to. */
const SLACK_LOBBY = 'C0LOBBY';
const SLACK_SECRET = 'C0SECRET';
const alice = { id: snowflake(), username: 'alice' };
const bob = { id: snowflake(), username: 'bob' };
const dana = { id: snowflake(), username: 'dana' };
const admin = { id: snowflake(), username: 'admin' };
const STEP_TIMEOUT_MS = 20_000;

class StepFailure extends Error {}

function check(condition: unknown, problem: string): asserts condition {
  if (!condition) throw new StepFailure(problem);
}

/**
 * A bot message on one line, as a user skims it: markdown markers and the progress bar dropped, the lines
 * joined with " │ ", user ids replaced by names.
 */
function condense(text: string, names: ReadonlyMap<string, string>): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^`[█░]+`$/.test(line.trim()))
    .map((line) =>
      line
        .replace(/^-# /, '')
        .replace(/\*\*|(?<!\w)[*_]|[*_](?!\w)/g, '')
        .replace(/<@(\w+)>/g, (_, id: string) => `@${names.get(id) ?? id}`)
        .trim(),
    )
    .join(' │ ');
}

/** The buttons under a Discord message, with their labels and ids. */
function buttonsOf(message: StoredMessage): Array<{ label: string; customId: string }> {
  return message.components.flatMap((row) =>
    ((row as { components?: Array<{ label?: string; custom_id?: string }> }).components ?? []).map((b) => ({
      label: b.label ?? '',
      customId: b.custom_id ?? '',
    })),
  );
}

/** Runs of progress versions shown as the first, a count, and the last. */
function condenseRuns(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && /\d+%/.test(lines[i] ?? '') && /\d+%/.test(lines[j + 1] ?? '')) j++;
    out.push(lines[i] ?? '');
    if (j - i > 1) out.push(`… ${j - i - 1} more progress edits …`);
    if (j > i) out.push(lines[j] ?? '');
    i = j + 1;
  }
  return out;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

async function photo(color: string): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: color } })
    .png()
    .toBuffer();
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = Date.now();
  const print = options.print ?? (() => undefined);
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(line);
    print(line);
  };
  const steps: DemoStep[] = [];
  const videos: string[] = [];
  const outDir = resolve(options.outDir ?? (await mkdtemp(join(tmpdir(), 'grok-video-demo-'))));
  await mkdir(outDir, { recursive: true });
  const storeDir = await mkdtemp(join(tmpdir(), 'grok-video-demo-store-'));

  let video: VideoApiEmulator | undefined;
  let discord: DiscordEmulator | undefined;
  let slack: SlackEmulator | undefined;
  let app: App | undefined;
  let discordBot: DiscordAdapter | undefined;
  let slackBot: SlackAdapter | undefined;
  let bot: Bot | undefined;

  try {
    video = await startVideoApiEmulator({ generationMs: options.generationMs ?? 2500 });
    discord = await startDiscordEmulator({
      guilds: [
        {
          id: GUILD,
          name: 'Demo server',
          channels: [{ id: CHANNEL, name: 'general' }],
          members: [{ user: alice }, { user: bob }, { user: dana }, { user: admin }],
        },
      ],
    });
    slack = await startSlackEmulator({
      users: [
        { id: 'U0ERIN', name: 'erin' },
        { id: 'U0FRANK', name: 'frank' },
        { id: 'U0GWEN', name: 'gwen' },
        { id: 'U0HANK', name: 'hank' },
      ],
      conversations: [
        { id: SLACK_CHANNEL, name: 'general' },
        { id: SLACK_LOBBY, name: 'lobby', bot: false },
        { id: SLACK_SECRET, kind: 'private', name: 'secret', bot: false, members: ['U0HANK', 'U0GWEN'] },
      ],
    });
    const config = parseConfig({
      VIDEO_API_BASE_URL: video.baseUrl,
      VIDEO_API_KEY: video.apiKey,
      STORE_URL: `sqlite://${join(storeDir, 'demo.sqlite')}`,
      QUOTA_DEFAULT: '1',
      LOG_LEVEL: 'silent',
    });
    const logger = createLogger({ level: 'silent' });
    app = await openApp(config, logger);
    bot = createBot({ app, registry: REGISTRY, logger });
    discordBot = createDiscordAdapter({
      config: {
        token: 'demo-token',
        appId: undefined,
        apiBaseUrl: discord.apiBase,
        guildId: undefined,
        messageContent: true,
      },
      logger,
      reply: { editIntervalMs: 600 },
    });
    slackBot = createSlackAdapter({
      config: {
        botToken: slack.botToken,
        signingSecret: slack.signingSecret,
        appToken: undefined,
        port: 0,
        apiUrl: slack.apiUrl,
        maxUploadBytes: 1024 * 1024 * 1024,
      },
      logger,
      bolt: {
        tokenVerificationEnabled: false,
        botId: slack.identity.botId,
        botUserId: slack.identity.botUserId,
        clientOptions: {
          slackApiUrl: slack.apiUrl,
          retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 },
        },
      },
      reply: { updateIntervalMs: 600, updatesPerSecond: 100 },
    });
    bot.add(discordBot);
    bot.add(slackBot);
    await bot.start();
    const driver: SlackDriver = createSlackDriver({
      emulator: slack,
      botUrl: slackEventsUrl(slackBot.port),
    });
    const dEmu = discord;
    const sEmu = slack;
    const vEmu = video;
    const botApp = app;

    say(`Demo: the bot on the Discord, Slack and video-API emulators (quota: 1 video a day per user)`);
    say(`MP4s go to ${outDir}`);

    let videoCount = 0;
    async function saveVideo(label: string, bytes: Buffer): Promise<string> {
      videoCount += 1;
      const path = join(outDir, `${String(videoCount).padStart(2, '0')}-${label}.mp4`);
      await writeFile(path, bytes);
      videos.push(path);
      return path;
    }

    async function step(title: string, body: () => Promise<void>): Promise<void> {
      say('');
      say(`── ${steps.length + 1}. ${title}`);
      try {
        await body();
        steps.push({ title, ok: true });
        say(`   ✔ checked`);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        steps.push({ title, ok: false, problem });
        say(`   ✘ FAILED: ${problem}`);
      }
    }

    const names = new Map<string, string>(
      [alice, bob, dana, admin].map((u) => [u.id, u.username] as [string, string]),
    );
    names.set('U0ERIN', 'erin').set('U0FRANK', 'frank').set('U0GWEN', 'gwen').set('U0HANK', 'hank');

    /** Prints every version of a Discord bot message (what users saw, in order), condensing progress. */
    async function showDiscordMessage(message: StoredMessage, label: string): Promise<void> {
      const tag = message.ephemeral ? ' [ephemeral: only the user who asked sees it]' : '';
      const lines: string[] = [];
      for (const version of message.versions) {
        const loading = (version.flags & 128) !== 0;
        const line = loading ? 'Grok Video is thinking…' : condense(version.content, names);
        if (lines.at(-1) !== line) lines.push(line);
      }
      condenseRuns(lines).forEach((line, i) => say(`   ${i === 0 ? `${label}${tag}` : `  edit`}: ${line}`));
      for (const attachment of message.attachments) {
        const path = await saveVideo(`step${steps.length + 1}-discord`, attachment.bytes);
        say(`   📎 ${attachment.filename} (${kb(attachment.size)}) saved as ${path}`);
      }
      const labels = buttonsOf(message).map((b) => `[${b.label}]`);
      if (labels.length > 0) say(`   buttons: ${labels.join(' ')}`);
    }

    async function discordFinal(handle: InteractionHandle): Promise<StoredMessage> {
      return handle.waitForOriginal(
        (m) => m.attachments.length > 0 || m.content.startsWith('❌'),
        STEP_TIMEOUT_MS,
      );
    }

    const slackSeen = () => sEmu.timeline.length;
    /** The message the bot posts under a shared video: its Again and Delete buttons. */
    const resultButtons = (t: { action: string; blocks: unknown }) =>
      t.action === 'post' && JSON.stringify(t.blocks ?? []).includes('"delete_job"');
    /** Prints what the bot showed Slack users since `from`: posts, updates (progress condensed), ephemerals. */
    async function showSlackSince(from: number): Promise<void> {
      const entries = sEmu.timeline
        .slice(from)
        .filter((t) => t.user === sEmu.identity.botUserId || t.ephemeralFor !== undefined);
      const lines: string[] = [];
      const files: Array<{ name: string; size: number; bytes: Buffer }> = [];
      for (const entry of entries) {
        const channel = `#${sEmu.conversations.get(entry.channel)?.name ?? entry.channel}`;
        const where = entry.threadTs ? 'in the thread' : `in ${channel}`;
        const who = entry.ephemeralFor
          ? `bot in ${channel} [ephemeral: only ${names.get(entry.ephemeralFor) ?? entry.ephemeralFor} sees it]`
          : `bot ${where}`;
        const text = condense(entry.text, names);
        for (const file of entry.fileIds.map((id) => sEmu.files.get(id))) {
          if (file) files.push({ name: file.name, size: file.size, bytes: file.bytes });
        }
        if (entry.action === 'update') lines.push(`  update: ${text}`);
        else if (entry.action === 'delete') lines.push(`  deleted: ${text.split('\n')[0] ?? ''}`);
        else lines.push(`${who}: ${text || `(uploads ${entry.fileIds.length} file)`}`);
      }
      const merged = condenseRuns(lines.map((l) => l)).map((l) =>
        l.startsWith('…') ? `  ${l.replace('edits', 'updates')}` : l,
      );
      for (const line of merged) say(`   ${line}`);
      for (const file of files) {
        const path = await saveVideo(`step${steps.length + 1}-slack`, file.bytes);
        say(`   📎 ${file.name} (${kb(file.size)}) saved as ${path}`);
      }
    }
    let foxAtNight: StoredMessage | undefined;
    const used = async (platform: 'discord' | 'slack', spaceId: string, userId: string) =>
      (await botApp.quota.status({ platform, spaceId, userId })).used;

    await step('Discord: alice makes a video from text with /imagine', async () => {
      say(`   alice: /imagine prompt: a red fox running through fresh snow  seconds: 4  aspect_ratio: 9:16`);
      const handle = await dEmu.slashCommand({
        channelId: CHANNEL,
        guildId: GUILD,
        user: alice,
        name: 'imagine',
        options: [
          { name: 'prompt', value: 'a red fox running through fresh snow' },
          { name: 'seconds', value: 4 },
          { name: 'aspect_ratio', value: '9:16' },
        ],
      });
      await handle.waitForAck();
      const final = await discordFinal(handle);
      say(`   (acknowledged in ${Math.round(handle.ackLatencyMs ?? NaN)} ms)`);
      await showDiscordMessage(final, 'bot');
      check(
        final.attachments[0]?.bytes.equals(vEmu.mp4),
        'the video in the message is not the provider’s MP4',
      );
      check(
        handle.edits().some((v) => /\d+%/.test(v.content)),
        'no progress was shown',
      );
      check((await used('discord', GUILD, alice.id)) === 1, 'alice’s video was not counted');
    });

    await step('Discord: bob replies to alice’s photo, mentioning the bot', async () => {
      const image = await dEmu.userMessage({
        channelId: CHANNEL,
        guildId: GUILD,
        author: alice,
        content: 'the harbour this morning',
        attachments: [{ filename: 'harbour.png', contentType: 'image/png', bytes: await photo('#2266aa') }],
      });
      say(`   alice: the harbour this morning  📎 harbour.png`);
      const ask = await dEmu.userMessage({
        channelId: CHANNEL,
        guildId: GUILD,
        author: bob,
        content: `<@${discordBot?.client.user?.id ?? ''}> make the waves roll in slowly`,
        mentionsBot: true,
        replyTo: image,
      });
      say(`   bob (replying to alice): @Grok Video make the waves roll in slowly`);
      let answer: StoredMessage | undefined;
      await dEmu.waitFor(() => {
        answer = dEmu
          .messages(CHANNEL)
          .find((m) => m.reference?.messageId === ask.id && m.attachments.length > 0);
        return answer !== undefined;
      }, STEP_TIMEOUT_MS);
      check(answer, 'the bot did not answer the mention');
      await showDiscordMessage(answer, 'bot');
      const body = vEmu.requests.filter((r) => r.method === 'POST').at(-1)?.body as { image?: string };
      check(body.image?.startsWith('data:image/'), 'alice’s photo was not sent to the video API');
      check(answer.mentions.users.length === 0 && !answer.mentions.everyone, 'the answer pinged someone');
    });

    await step('Discord: alice asks again and is refused: her quota is used up', async () => {
      const posts = vEmu.requests.filter((r) => r.method === 'POST').length;
      say(`   alice: /imagine prompt: the fox again, at night`);
      const handle = await dEmu.slashCommand({
        channelId: CHANNEL,
        guildId: GUILD,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'the fox again, at night' }],
      });
      await dEmu.waitFor(() => handle.followups().length > 0 || handle.original()?.ephemeral, 5000);
      const notice = handle.followups()[0] ?? handle.original();
      check(notice, 'no answer');
      await showDiscordMessage(notice, 'bot');
      check(notice.ephemeral, 'the refusal was not ephemeral');
      check(/used 1 of your 1 video/.test(notice.content), `unexpected refusal: ${notice.content}`);
      check(vEmu.requests.filter((r) => r.method === 'POST').length === posts, 'the API was called anyway');
    });

    await step('Discord: an admin raises alice’s quota with /quota set', async () => {
      say(`   admin: /quota set user: @alice limit: 3`);
      const handle = await dEmu.slashCommand({
        channelId: CHANNEL,
        guildId: GUILD,
        user: admin,
        permissions: '32',
        name: 'quota',
        subcommand: 'set',
        options: [
          { name: 'user', value: alice.id, type: 6 },
          { name: 'limit', value: 3 },
        ],
      });
      const answer = await handle.waitForOriginal((m) => m.content.length > 0, 5000);
      await showDiscordMessage(answer, 'bot');
      check(answer.content.includes('limit is now 3'), `unexpected answer: ${answer.content}`);
      check(!answer.mentions.users.includes(alice.id), 'alice was pinged');
    });

    await step('Discord: alice tries again and gets her video', async () => {
      say(`   alice: /imagine prompt: the fox again, at night  resolution: 480P`);
      const handle = await dEmu.slashCommand({
        channelId: CHANNEL,
        guildId: GUILD,
        user: alice,
        name: 'imagine',
        options: [
          { name: 'prompt', value: 'the fox again, at night' },
          { name: 'resolution', value: '480P' },
        ],
      });
      const final = await discordFinal(handle);
      await showDiscordMessage(final, 'bot');
      check(final.attachments.length === 1, 'no video delivered');
      check((await used('discord', GUILD, alice.id)) === 2, 'alice’s usage is not 2 of 3');
      foxAtNight = dEmu.message(final.id) ?? final;
    });

    await step('Discord: alice presses [Extend]: a new clip from the last frame, joined on', async () => {
      check(foxAtNight, 'no video to extend');
      const extend = buttonsOf(foxAtNight).find((b) => b.label === 'Extend');
      check(extend, 'no Extend button under the video');
      say(
        `   alice presses [Extend]; the form holds the prompt and the seconds; she writes what happens next`,
      );
      const press = await dEmu.button({ message: foxAtNight, customId: extend.customId, user: alice });
      await press.waitForAck();
      check(press.modal(), 'Extend opened no form');
      say(`   alice: prompt: the fox runs on into the forest  seconds: 4`);
      const submit = await dEmu.modalSubmit({
        from: press,
        fields: { prompt: 'the fox runs on into the forest', seconds: '4' },
      });
      const final = await discordFinal(submit);
      await showDiscordMessage(final, 'bot');
      const joined = videos.at(-1);
      check(final.attachments.length === 1 && joined, 'no joined video delivered');
      const ffmpeg = botApp.service?.ffmpeg;
      check(ffmpeg, 'no ffmpeg');
      const info = await probeClip(ffmpeg, joined);
      // The emulator's sample clip is 2 s whatever the length asked: 2 s + 2 s, one video as long as both.
      say(
        `   (the joined video: ${info.durationSeconds.toFixed(2)} s = both 2 s clips, ${info.width}×${info.height}, ${info.fps} fps)`,
      );
      check(
        Math.abs(info.durationSeconds - 4) < 0.1,
        `the joined video is ${info.durationSeconds} s, not 4 s`,
      );
      check((await used('discord', GUILD, alice.id)) === 3, 'the new clip was not charged as one video');
    });

    await step('Discord: dana’s generation fails upstream and is refunded', async () => {
      say(`   dana: /imagine prompt: a famous cartoon mouse [emu:fail=Content policy violation]`);
      const handle = await dEmu.slashCommand({
        channelId: CHANNEL,
        guildId: GUILD,
        user: dana,
        name: 'imagine',
        options: [{ name: 'prompt', value: 'a famous cartoon mouse [emu:fail=Content policy violation]' }],
      });
      const final = await discordFinal(handle);
      await showDiscordMessage(final, 'bot');
      check(final.content.includes('Content policy violation'), 'the provider’s reason was not shown');
      const status = await botApp.quota.status({ platform: 'discord', spaceId: GUILD, userId: dana.id });
      say(`   (dana’s quota afterwards: ${status.used} of ${status.limit} used — refunded)`);
      check(status.used === 0, 'the failed video was charged');
    });

    await step(
      'Discord: the video service loses dana’s next video; she presses Try again and gets it',
      async () => {
        say(`   dana: /imagine prompt: a lighthouse in the fog  seconds: 3`);
        vEmu.configure({ filesGone: true });
        const handle = await dEmu.slashCommand({
          channelId: CHANNEL,
          guildId: GUILD,
          user: dana,
          name: 'imagine',
          options: [
            { name: 'prompt', value: 'a lighthouse in the fog' },
            { name: 'seconds', value: 3 },
          ],
        });
        const failed = await discordFinal(handle);
        vEmu.configure({ filesGone: undefined });
        await showDiscordMessage(failed, 'bot');
        check(failed.content.includes('It did not count against your quota.'), 'the refund was not said');
        const tryAgain = buttonsOf(failed).find((b) => b.label === 'Try again');
        check(tryAgain, 'no Try again button on the failed job');
        say(`   dana presses [Try again]`);
        const press = await dEmu.button({ message: failed, customId: tryAgain.customId, user: dana });
        const final = await discordFinal(press);
        await showDiscordMessage(final, 'bot');
        check(final.attachments.length === 1, 'no video delivered on Try again');
        const body = vEmu.requests.filter((r) => r.method === 'POST').at(-1)?.body as {
          prompt?: string;
          seconds?: string;
        };
        check(
          body.prompt === 'a lighthouse in the fog' && body.seconds === '3',
          'Try again changed the request',
        );
        check(
          (await used('discord', GUILD, dana.id)) === 1,
          'dana’s usage is not 1 (the lost video counted)',
        );
      },
    );

    await step('Slack: erin runs /imagine with flags', async () => {
      const from = slackSeen();
      const text = 'a paper boat drifting down a rainy street --ar 9:16 --seconds 4 --res 480';
      say(`   erin: /imagine ${text}`);
      const res = await driver.slashCommand({
        command: '/imagine',
        text,
        user: 'U0ERIN',
        channel: SLACK_CHANNEL,
      });
      say(`   (acknowledged ${res.status} in ${Math.round(res.latencyMs)} ms)`);
      await sEmu.waitFor(
        () =>
          sEmu.uploads.length >= 1 &&
          sEmu.timeline.slice(from).some((t) => t.threadTs === undefined && resultButtons(t)),
        { timeoutMs: STEP_TIMEOUT_MS },
      );
      await showSlackSince(from);
      check(
        sEmu
          .messagesIn(SLACK_CHANNEL)
          .some((m) => m.threadTs === undefined && m.files.some((f) => f.bytes.equals(vEmu.mp4))),
        'the video is not in the channel',
      );
      const body = vEmu.requests.filter((r) => r.method === 'POST').at(-1)?.body;
      check(
        JSON.stringify(body).includes('"aspect_ratio":"9:16"') &&
          JSON.stringify(body).includes('"seconds":"4"'),
        'the flags did not reach the video API',
      );
      check([...sEmu.files.values()].at(-1)?.bytes.equals(vEmu.mp4), 'the uploaded file is not the MP4');
    });

    await step('Slack: frank mentions the bot in the thread of a photo', async () => {
      const from = slackSeen();
      const parent = sEmu.userPostsMessage({
        channel: SLACK_CHANNEL,
        user: 'U0ERIN',
        text: 'our garden',
        files: [{ name: 'garden.png', bytes: await photo('#33aa44') }],
      });
      say(`   erin: our garden  📎 garden.png`);
      say(`   frank (in the thread): @Grok Video let the leaves sway in the wind`);
      const res = await driver.event({
        type: 'app_mention',
        user: 'U0FRANK',
        channel: SLACK_CHANNEL,
        thread_ts: parent.ts,
        text: `<@${sEmu.identity.botUserId}> let the leaves sway in the wind`,
      });
      check(res.status === 200, `the event was answered ${res.status}`);
      await sEmu.waitFor(
        () => sEmu.timeline.slice(from).some((t) => t.threadTs === parent.ts && resultButtons(t)),
        { timeoutMs: STEP_TIMEOUT_MS },
      );
      await showSlackSince(from);
      const inThread = sEmu.messagesIn(SLACK_CHANNEL, { threadTs: parent.ts }).flatMap((m) => m.files);
      check(
        inThread.some((f) => f.bytes.equals(vEmu.mp4)),
        'no video in the photo’s thread',
      );
    });

    await step(
      'Slack: gwen uses /imagine in #lobby, a public channel the bot is not in: it joins',
      async () => {
        const from = slackSeen();
        say(`   gwen (in #lobby): /imagine a kite over the dunes --seconds 4`);
        await driver.slashCommand({
          command: '/imagine',
          text: 'a kite over the dunes --seconds 4',
          user: 'U0GWEN',
          channel: SLACK_LOBBY,
          channelName: 'lobby',
        });
        await sEmu.waitFor(
          () => sEmu.timeline.slice(from).some((t) => t.channel === SLACK_LOBBY && t.text.includes('Done')),
          { timeoutMs: STEP_TIMEOUT_MS },
        );
        const joined = sEmu.callsTo('conversations.join').some((c) => c.params.channel === SLACK_LOBBY);
        say(`   (chat.postMessage answered not_in_channel; the bot joined #lobby with conversations.join)`);
        await showSlackSince(from);
        check(joined && sEmu.conversations.get(SLACK_LOBBY)?.botMember, 'the bot did not join #lobby');
        check(
          sEmu.messagesIn(SLACK_LOBBY, { includeEphemeral: false }).some((m) => m.files.length > 0),
          'no video in #lobby',
        );
      },
    );

    await step(
      'Slack: hank uses /imagine in #secret, a private channel without the bot: told how to invite it',
      async () => {
        const from = slackSeen();
        const posts = vEmu.requests.filter((r) => r.method === 'POST').length;
        say(`   hank (in #secret): /imagine a lantern in the rain`);
        await driver.slashCommand({
          command: '/imagine',
          text: 'a lantern in the rain',
          user: 'U0HANK',
          channel: SLACK_SECRET,
          channelName: 'secret',
        });
        await sEmu.waitFor(
          () =>
            sEmu.timeline.slice(from).some((t) => t.ephemeralFor === 'U0HANK' && t.text.includes('/invite')),
          { timeoutMs: STEP_TIMEOUT_MS },
        );
        await showSlackSince(from);
        check(
          vEmu.requests.filter((r) => r.method === 'POST').length === posts,
          'the job went upstream anyway',
        );
        check((await used('slack', sEmu.identity.teamId, 'U0HANK')) === 0, 'hank was charged');
        say(`   (nothing was sent to the video API; hank’s quota: 0 used)`);
      },
    );

    const ok = steps.length === 12 && steps.every((s) => s.ok);
    say('');
    say(
      ok
        ? `All ${steps.length} steps happened; ${videos.length} videos in ${outDir} (${((Date.now() - started) / 1000).toFixed(1)} s).`
        : `FAILED: ${steps.filter((s) => !s.ok).length} of ${steps.length} steps did not happen.`,
    );
    return { ok, steps, transcript, videos, outDir, elapsedMs: Date.now() - started };
  } finally {
    await bot?.stop(1000).catch(() => undefined);
    await app?.close().catch(() => undefined);
    await slack?.close().catch(() => undefined);
    await discord?.close().catch(() => undefined);
    await video?.close().catch(() => undefined);
    await rm(storeDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await runDemo({ outDir: process.env.DEMO_OUT, print: (line) => console.log(line) });
  process.exit(result.ok ? 0 : 1);
}
