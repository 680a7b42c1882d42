import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionHandle, StoredMessage } from '../emulators/discord/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { discordSeed, startDiscordWorld, type DiscordWorld } from '../world/discord.js';
import { slackSeed, startSlackWorld, type SlackWorld } from '../world/slack.js';

/**
 * One vocabulary of job states on both platforms: the same phases of the same jobs, run through real
 * discord.js and Bolt against the emulators, read back from every revision of each job's message. Each
 * revision must open with a state word of the core's vocabulary (src/generation/progress-view.ts), and both
 * platforms must walk the same words for the same phases: waiting in line, generating, done, failed,
 * cancelled.
 */

const VOCABULARY = ['Queued', 'Starting', 'Generating', 'Uploading', 'Done', 'Failed', 'Cancelled'];
const ENV = { QUOTA_DEFAULT: '20', MAX_CONCURRENT_JOBS: '1', MAX_JOBS_PER_USER: '4' };

/** The state word a revision opens with (`🎬 **Generating** · 40%`, `:clapper: *Generating* · 40%`). */
function stateOf(text: string): string | undefined {
  return /^(?:\S+ )?\*{1,2}([A-Z][a-z]+)\*{1,2}/.exec(text)?.[1];
}

const fold = (states: string[]) => states.filter((state, i) => state !== states[i - 1]);

/** The states a message went through, repeats folded. */
function walk(revisions: string[]): string[] {
  return fold(revisions.map((text) => stateOf(text) ?? `unparsed: ${text.slice(0, 60)}`));
}

/** The phases both platforms must show the same way (the throttle may skip a short state on either). */
const phases = (states: string[]) => fold(states.filter((s) => ['Queued', 'Generating', 'Done'].includes(s)));

interface Seen {
  /** A job that waited in line, ran and finished. */
  waited: string[];
  failed: string[];
  cancelled: string[];
  /** The revisions of the failed job, last one whole. */
  failedText: string;
  cancelledText: string;
}

let video: VideoApiEmulator;
let discordWorld: DiscordWorld;
let slackWorld: SlackWorld;

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 900 });
  discordWorld = await startDiscordWorld({ video, env: ENV, bot: { reply: { editIntervalMs: 100 } } });
  slackWorld = await startSlackWorld({ video, env: ENV });
}, 30_000);

afterAll(async () => {
  await discordWorld?.close();
  await slackWorld?.close();
  await video?.close();
});

async function onDiscord(): Promise<Seen> {
  const { discord } = discordWorld;
  const { guildId, general: channelId, alice, bob } = discordSeed;
  const imagine = (user: typeof alice, prompt: string) =>
    discord.slashCommand({
      channelId,
      guildId,
      user,
      name: 'imagine',
      options: [{ name: 'prompt', value: prompt }],
    });
  const revisions = (handle: InteractionHandle) =>
    handle
      .edits()
      .filter((v) => v.content !== '')
      .map((v) => v.content);
  const cancelId = (message: StoredMessage | undefined) =>
    /"custom_id":"(cancel:[^"]+)"/.exec(JSON.stringify(message?.components ?? []))?.[1] ?? '';

  const running = await imagine(alice, '[emu:ms=1500] discord running');
  await running.waitForOriginal((m) => m.content.includes('%'), 10_000);
  const waited = await imagine(bob, '[emu:ms=800] discord waited');
  await waited.waitForOriginal((m) => m.attachments.length > 0, 15_000);
  const failed = await imagine(bob, '[emu:fail=Rejected by the safety filter] discord failed');
  const failedEnd = await failed.waitForOriginal((m) => stateOf(m.content) === 'Failed', 10_000);

  const busy = await imagine(alice, '[emu:ms=1500] discord busy');
  await busy.waitForOriginal((m) => m.content.includes('%'), 10_000);
  const toCancel = await imagine(bob, 'discord cancelled');
  const queued = await toCancel.waitForOriginal((m) => stateOf(m.content) === 'Queued', 10_000);
  const press = await discord.button({ message: queued, customId: cancelId(queued), user: bob });
  await press.waitForAck();
  const cancelledEnd = await toCancel.waitForOriginal((m) => stateOf(m.content) === 'Cancelled', 10_000);
  return {
    waited: walk(revisions(waited)),
    failed: walk(revisions(failed)),
    cancelled: walk(revisions(toCancel)),
    failedText: failedEnd.content,
    cancelledText: cancelledEnd.content,
  };
}

async function onSlack(): Promise<Seen> {
  const { driver, slack } = slackWorld;
  const channel = slackSeed.general;
  const imagine = (user: string, text: string) =>
    driver.slashCommand({ command: '/imagine', text, user, channel });
  /** Every version the bot posted of messages about `prompt`, in order. */
  const revisions = (prompt: string) =>
    slack.timeline
      .filter((t) => t.channel === channel && t.ephemeralFor === undefined && t.text.includes(prompt))
      .filter((t) => t.action === 'post' || t.action === 'update')
      .map((t) => t.text);
  const latest = (prompt: string, state: string) =>
    slack.waitFor(
      () => slack.timeline.filter((t) => t.text.includes(prompt) && stateOf(t.text) === state).at(-1),
      { timeoutMs: 15_000 },
    );

  await imagine(slackSeed.alice, '[emu:ms=1500] slack running');
  await latest('slack running', 'Generating');
  await imagine(slackSeed.bob, '[emu:ms=800] slack waited');
  await latest('slack waited', 'Done');
  await imagine(slackSeed.bob, '[emu:fail=Rejected by the safety filter] slack failed');
  const failedEnd = await latest('slack failed', 'Failed');

  await imagine(slackSeed.alice, '[emu:ms=1500] slack busy');
  await latest('slack busy', 'Generating');
  await imagine(slackSeed.bob, 'slack cancelled');
  const queued = await latest('slack cancelled', 'Queued');
  const jobId = /"value":"(job_[^"]+)"/.exec(JSON.stringify(queued.blocks))?.[1] ?? '';
  await driver.blockAction({
    actionId: 'cancel_job',
    value: jobId,
    user: slackSeed.bob,
    channel,
    messageTs: queued.ts,
  });
  const cancelledEnd = await latest('slack cancelled', 'Cancelled');
  return {
    waited: walk(revisions('slack waited')),
    failed: walk(revisions('slack failed')),
    cancelled: walk(revisions('slack cancelled')),
    failedText: failedEnd.text,
    cancelledText: cancelledEnd.text,
  };
}

describe('job states in the same words on Discord and Slack', () => {
  it('walks the same state words through the same phases, and only words of the vocabulary', async () => {
    const [discord, slack] = await Promise.all([onDiscord(), onSlack()]);
    for (const seen of [discord, slack]) {
      for (const states of [seen.waited, seen.failed, seen.cancelled]) {
        for (const state of states) expect(VOCABULARY, JSON.stringify(states)).toContain(state);
      }
      expect(phases(seen.waited)).toEqual(['Queued', 'Generating', 'Done']);
      expect(seen.failed.at(-1)).toBe('Failed');
      expect(seen.cancelled).toEqual(['Queued', 'Cancelled']);
    }
    expect(phases(discord.waited)).toEqual(phases(slack.waited));
    // The reason and the refund say the same on both, in each platform's markup.
    for (const text of [discord.failedText, slack.failedText]) {
      expect(text).toContain('Rejected by the safety filter. It did not count against your quota.');
    }
    for (const text of [discord.cancelledText, slack.cancelledText]) {
      expect(text).toContain('It did not count against your quota.');
    }
  }, 60_000);
});
