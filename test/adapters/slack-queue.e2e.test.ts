import { describe, expect, vi } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackResult, slackSeed } from '../world/slack.js';

/**
 * Job control on Slack, through real Bolt and the emulators: positions in line, the per-user cap, Cancel,
 * Delete (message and file) and the notification mention of the requester only.
 */

const it = slackWorldTest({
  generationMs: 800,
  env: {
    QUOTA_DEFAULT: '20',
    MAX_CONCURRENT_JOBS: '1',
    MAX_JOBS_PER_USER: '2',
    NOTIFY_AFTER_SECONDS: '2',
  },
});

const CHANNEL = slackSeed.general;
const { alice: ALICE, bob: BOB, carol: CAROL, admin: ADMIN } = slackSeed;

const botPosts = (slack: SlackEmulator) =>
  slack.timeline.filter(
    (t) => t.channel === CHANNEL && t.ephemeralFor === undefined && t.user === slack.identity.botUserId,
  );
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);
const used = async (app: App, user: string) =>
  (await app.quota.status({ platform: 'slack', spaceId: slackSeed.teamId, userId: user })).used;

function imagine(driver: SlackDriver, user: string, text: string) {
  return driver.slashCommand({ command: '/imagine', text, user, channel: CHANNEL });
}

/** The latest state of the bot's message about `prompt` that satisfies `predicate`. */
function jobMessage(
  slack: SlackEmulator,
  prompt: string,
  predicate: (text: string, blocks: string) => boolean,
) {
  return slack.waitFor(
    () => {
      const found = botPosts(slack)
        .filter((t) => t.text.includes(prompt))
        .at(-1);
      return found && predicate(found.text, JSON.stringify(found.blocks ?? [])) ? found : undefined;
    },
    { timeoutMs: 15_000 },
  );
}

describe('Slack queue and job control', () => {
  it('shows the place in line, refuses past the per-user cap, and cancels for the requester only', async ({
    world: { driver, slack, video, app },
  }) => {
    await imagine(driver, ALICE, '[emu:ms=3000] alice running');
    await imagine(driver, ALICE, '[emu:ms=500] alice waiting');
    const waiting = await jobMessage(slack, 'alice waiting', (text) =>
      text.includes('*Queued* · next in line'),
    );
    expect(waiting.text).toMatch(/starts in about/);
    expect(waiting.text).not.toMatch(/<!channel>|<!here>/);

    await imagine(driver, ALICE, 'alice third');
    const refusal = await slack.waitFor(
      () => ephemeralsFor(slack, ALICE).find((t) => t.text.includes('limit is 2')),
      {
        timeoutMs: 5000,
      },
    );
    expect(refusal.text).toContain('You already have 2 videos in progress');

    const jobId = /"value":"(job_[^"]+)"/.exec(JSON.stringify(waiting.blocks))?.[1] ?? '';
    expect(JSON.stringify(waiting.blocks)).toContain('"action_id":"cancel_job"');
    await driver.blockAction({
      actionId: 'cancel_job',
      value: jobId,
      user: BOB,
      channel: CHANNEL,
      messageTs: waiting.ts,
    });
    await slack.waitFor(
      () => ephemeralsFor(slack, BOB).find((t) => t.text.includes('Only the requester or an admin')),
      {
        timeoutMs: 5000,
      },
    );

    const before = await used(app, ALICE);
    await driver.blockAction({
      actionId: 'cancel_job',
      value: jobId,
      user: ALICE,
      channel: CHANNEL,
      messageTs: waiting.ts,
    });
    const cancelled = await jobMessage(slack, 'alice waiting', (text) => text.includes('Cancelled by'));
    expect(cancelled.text).toContain('Cancelled by alice. It did not count against your quota.');
    expect(cancelled.text).toMatch(/^:no_entry_sign: \*Cancelled\*\n/);
    expect(await used(app, ALICE)).toBe(before - 1);
    expect(await app.jobs.get(jobId)).toMatchObject({ status: 'cancelled', reservation: 'refunded' });
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'alice running' }), {
      timeoutMs: 15_000,
    });
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  }, 30_000);

  it('notifies only the requester of a long job, and Delete removes the messages and the file', async ({
    world: { driver, slack, app },
  }) => {
    await imagine(driver, CAROL, '[emu:ms=2500] carol slow <!channel>');
    const { share, buttons: done } = await slack.waitFor(
      () => slackResult(slack, { channel: CHANNEL, prompt: 'carol slow' }),
      { timeoutMs: 15_000 },
    );
    const note = await slack.waitFor(
      () => botPosts(slack).find((t) => t.text.includes(`<@${CAROL}> your video is ready`)),
      {
        timeoutMs: 5000,
      },
    );
    expect(note.text).toBe(`<@${CAROL}> your video is ready.`);
    // A reply under the shared video, not a new message in the channel.
    expect(note.threadTs).toBe(share.ts);

    const jobId = /"value":"(job_[^"]+)"/.exec(JSON.stringify(done.blocks))?.[1] ?? '';
    const record = await app.jobs.get(jobId);
    const fileId = (record?.messageRef as { fileId?: string }).fileId ?? '';
    expect(slack.files.get(fileId)).toBeDefined();

    await driver.blockAction({
      actionId: 'delete_job',
      value: jobId,
      user: BOB,
      channel: CHANNEL,
      messageTs: done.ts,
    });
    await slack.waitFor(
      () => ephemeralsFor(slack, BOB).filter((t) => t.text.includes('Only the requester')).length >= 2,
      {
        timeoutMs: 5000,
      },
    );
    await driver.blockAction({
      actionId: 'delete_job',
      value: jobId,
      user: CAROL,
      channel: CHANNEL,
      messageTs: done.ts,
    });
    await slack.waitFor(() => done.deleted && share.deleted, { timeoutMs: 5000 });
    await slack.waitFor(() => slack.files.get(fileId)?.state === 'deleted' || !slack.files.has(fileId), {
      timeoutMs: 5000,
    });
  }, 30_000);

  it('charges a job cancelled after the video service had it: the message says it counts, and the quota is spent', async ({
    world: { driver, slack, video, app },
  }) => {
    const bob = { platform: 'slack', spaceId: slackSeed.teamId, userId: BOB } as const;
    const owner = { ...bob, userId: 'U_OPERATOR', isSpaceAdmin: true };
    await app.quota.setUserLimit(owner, bob, (await used(app, BOB)) + 1);

    await imagine(driver, BOB, '[emu:stuck] bob cancel loop');
    // The provider has the job once its id is in the record.
    await vi.waitFor(
      async () => expect((await app.jobs.list({ userId: BOB })).some((r) => r.upstreamId)).toBe(true),
      10_000,
    );
    const running = await jobMessage(slack, 'bob cancel loop', (_text, blocks) =>
      blocks.includes('cancel_job'),
    );
    const jobId = /"value":"(job_[^"]+)"/.exec(JSON.stringify(running.blocks))?.[1] ?? '';
    const before = await used(app, BOB);
    await driver.blockAction({
      actionId: 'cancel_job',
      value: jobId,
      user: BOB,
      channel: CHANNEL,
      messageTs: running.ts,
    });
    const cancelled = await jobMessage(slack, 'bob cancel loop', (text) => text.includes('Cancelled by'));
    expect(cancelled.text).toContain(
      'Cancelled by bob; the video service had already started it, so it counts.',
    );
    expect(cancelled.text).not.toContain('did not count');
    expect(await app.jobs.get(jobId)).toMatchObject({ status: 'cancelled', reservation: 'committed' });
    expect(await used(app, BOB)).toBe(before);

    await imagine(driver, BOB, 'bob tries again');
    const refusal = await slack.waitFor(
      () => ephemeralsFor(slack, BOB).find((t) => /You have used \d+ of your \d+ videos? today/.test(t.text)),
      { timeoutMs: 5000 },
    );
    expect(refusal.text).toContain('You have used');
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  }, 30_000);
  it('refuses at its turn a job that waited in line where the bot cannot post: refunded, nothing submitted', async ({
    world: { driver, slack, video, app },
  }) => {
    const adminUsed = await used(app, ADMIN);
    await imagine(driver, CAROL, '[emu:ms=1500] carol holds the slot');
    const upstream = () =>
      video.requests
        .filter((r) => r.method === 'POST')
        .map((r) => String((r.body as { prompt?: string }).prompt));
    await slack.waitFor(() => upstream().some((p) => p.includes('carol holds the slot')), {
      timeoutMs: 5000,
    });
    await driver.slashCommand({
      command: '/imagine',
      text: 'admin waits in secret',
      user: ADMIN,
      channel: slackSeed.secret,
    });
    const told = await slack.waitFor(
      () =>
        ephemeralsFor(slack, ADMIN).find((t) => t.channel === slackSeed.secret && t.text.includes('/invite')),
      { timeoutMs: 15_000 },
    );
    expect(told.via).toBe('response_url');
    // Its place in line could not be shown either (chat.postMessage refused), and it never went upstream.
    expect(slack.messagesIn(slackSeed.secret)).toEqual([]);
    await slack.waitFor(() => slackResult(slack, { channel: CHANNEL, prompt: 'carol holds the slot' }), {
      timeoutMs: 15_000,
    });
    expect(upstream()).toHaveLength(1);
    expect(upstream()[0]).toContain('carol holds the slot');
    expect(await used(app, ADMIN)).toBe(adminUsed);
  });
});
