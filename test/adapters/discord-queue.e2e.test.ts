import { describe, expect, onTestFinished } from 'vitest';
import type { App } from '../../src/app.js';
import type { DiscordEmulator, InteractionHandle, StoredMessage } from '../emulators/discord/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { discordSeed, startDiscordWorld } from '../world/discord.js';
import { discordWorldTest } from '../world/fixtures.js';

/**
 * Job control on Discord, through real discord.js and the emulators: the fair queue with positions, the
 * per-user cap, Cancel (waiting and running), Delete, and the one notification mention.
 */

const it = discordWorldTest({
  generationMs: 800,
  env: {
    QUOTA_DEFAULT: '50',
    MAX_CONCURRENT_JOBS: '1',
    MAX_JOBS_PER_USER: '6',
    NOTIFY_AFTER_SECONDS: '3',
  },
  bot: { reply: { editIntervalMs: 200 } },
});
const { guildId, general: channelId, alice, bob, carol, admin } = discordSeed;

function imagine(discord: DiscordEmulator, user: typeof alice, prompt: string): Promise<InteractionHandle> {
  return discord.slashCommand({
    channelId,
    guildId,
    user,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
}

function postedPrompts(video: VideoApiEmulator): string[] {
  return video.requests.filter((r) => r.method === 'POST').map((r) => (r.body as { prompt: string }).prompt);
}

function buttonId(message: StoredMessage | undefined, prefix: string): string {
  const match = new RegExp(`"custom_id":"(${prefix}:[^"]+)"`).exec(JSON.stringify(message?.components ?? []));
  if (!match?.[1]) throw new Error(`no ${prefix} button on ${message?.content ?? 'nothing'}`);
  return match[1];
}

const used = async (app: App, user: typeof alice) =>
  (await app.quota.status({ platform: 'discord', spaceId: guildId, userId: user.id })).used;

describe('Discord fair queue', () => {
  it('serves users in turn: B’s one job starts before A’s third, and waiting jobs show their place', async ({
    world: { discord, video },
  }) => {
    const a: InteractionHandle[] = [];
    for (let i = 1; i <= 6; i++) a.push(await imagine(discord, alice, `[emu:ms=600] alice ${i}`));
    await Promise.all(a.map((h) => h.waitForAck()));
    const b = await imagine(discord, bob, '[emu:ms=600] bob 1');
    await b.waitForAck();

    const last = await a[5]!.waitForOriginal((m) => /\d+ ahead/.test(m.content), 5000);
    expect(last.content).toMatch(/^🎬 \*\*Queued\*\* · \d+ ahead · starts in about/);
    expect(buttonId(last, 'cancel')).toMatch(/^cancel:job_/);
    const bWaiting = await b.waitForOriginal((m) => m.content.includes('Queued'), 5000);
    expect(bWaiting.content).toMatch(/Queued\*\* · (\d+ ahead|next in line)/);

    await Promise.all([...a, b].map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 30_000)));
    const order = postedPrompts(video).map((p) => p.replace('[emu:ms=600] ', ''));
    expect(order.indexOf('bob 1')).toBeLessThan(order.indexOf('alice 3'));
    expect(order.filter((p) => p.startsWith('alice'))).toEqual([1, 2, 3, 4, 5, 6].map((i) => `alice ${i}`));
    // Bob's arrival put one job ahead of alice's sixth (his turn comes first); after that it only moves up.
    const ahead = a[5]!
      .edits()
      .map((v) => /Queued\*\* · (\d+) ahead/.exec(v.content)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    const peak = ahead.indexOf(Math.max(...ahead));
    expect(ahead.slice(peak)).toEqual([...ahead.slice(peak)].sort((x, y) => y - x));
    expect(ahead.at(-1)).toBeLessThan(ahead[peak]!);
    expect(a[5]!.edits().some((v) => v.content.includes('Queued** · next in line'))).toBe(true);
  }, 60_000);

  it('refuses a seventh job for one user, naming the cap and the jobs, without spending quota', async ({
    world: { discord, app },
  }) => {
    const before = await used(app, carol);
    const jobs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => imagine(discord, carol, `[emu:ms=3000] carol ${i}`)),
    );
    await Promise.all(jobs.map((h) => h.waitForAck()));
    await discord.waitFor(() => jobs.every((h) => (h.original()?.content ?? '').length > 0), 5000);
    const seventh = await imagine(discord, carol, 'carol 7');
    await discord.waitFor(() => seventh.followups().length > 0, 5000);
    const notice = seventh.followups()[0];
    expect(notice?.ephemeral).toBe(true);
    expect(notice?.content).toMatch(
      /You already have 6 videos in progress \(the limit is 6\): “\[emu:ms=3000\] carol/,
    );
    expect(await used(app, carol)).toBe(before + 6);
    // Cancel them all (the requester may): those still in line are refunded; one the video service already
    // had (the single slot) counts.
    const ids: string[] = [];
    for (const job of jobs) {
      const message = job.original();
      ids.push(buttonId(message, 'cancel').slice('cancel:'.length));
      const press = await discord.button({
        message: message!,
        customId: buttonId(message, 'cancel'),
        user: carol,
      });
      await press.waitForAck();
    }
    await Promise.all(jobs.map((h) => h.waitForOriginal((m) => m.content.includes('Cancelled by'), 10_000)));
    const records = await Promise.all(ids.map((id) => app.jobs.get(id)));
    const charged = records.filter((r) => r?.reservation === 'committed');
    expect(charged.every((r) => r?.upstreamId !== undefined)).toBe(true);
    expect(
      records.filter((r) => r?.reservation === 'refunded').every((r) => r?.upstreamId === undefined),
    ).toBe(true);
    expect(await used(app, carol)).toBe(before + charged.length);
  }, 60_000);
});

describe('Discord Cancel and Delete', () => {
  it('cancels a running job (no more polls, charged: the video service had it), refuses others, allows an admin', async ({
    world: { discord, video, app },
  }) => {
    const running = await imagine(discord, alice, '[emu:ms=8000] long alice');
    const waiting = await imagine(discord, bob, '[emu:ms=500] bob waits');
    const progress = await running.waitForOriginal((m) => m.content.includes('%'), 10_000);
    // Stored messages are live records: read the button before the message changes.
    const cancelId = buttonId(progress, 'cancel');
    await waiting.waitForOriginal((m) => m.content.includes('line'), 10_000);

    const intruder = await discord.button({
      message: progress,
      customId: cancelId,
      user: carol,
    });
    await intruder.waitForAck();
    expect(intruder.ack?.ephemeral).toBe(true);
    expect(intruder.original()?.content).toBe('Only the requester or an admin can do that.');

    const beforeAlice = await used(app, alice);
    const own = await discord.button({
      message: progress,
      customId: cancelId,
      user: alice,
    });
    await own.waitForAck();
    expect(own.ack?.type).toBe(6);
    const cancelled = await running.waitForOriginal((m) => m.content.includes('Cancelled by'), 10_000);
    expect(cancelled.content).toContain(
      `Cancelled by <@${alice.id}>; the video service had already started it, so it counts.`,
    );
    expect(cancelled.content).not.toContain('did not count');
    expect(cancelled.mentions.users).toEqual([]);
    expect(cancelled.components).toEqual([]);
    expect(await used(app, alice)).toBe(beforeAlice);
    const cancelledJob = await app.jobs.get(cancelId.slice('cancel:'.length));
    expect(cancelledJob).toMatchObject({ status: 'cancelled', reservation: 'committed' });

    // The waiting job moves up and runs; the cancelled one is never polled again.
    await waiting.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const latePolls = video.requests.filter(
      (r) =>
        r.method === 'GET' &&
        r.path.includes(cancelledJob?.upstreamId ?? '?') &&
        r.at > (cancelled.editedAt ?? 0),
    );
    expect(latePolls).toHaveLength(0);

    // An admin may cancel someone else's job.
    const third = await imagine(discord, bob, '[emu:ms=8000] admin cancels this');
    const shown = await third.waitForOriginal(
      (m) => m.content.includes('%') || m.content.includes('Queued'),
      10_000,
    );
    const byAdmin = await discord.button({
      message: shown,
      customId: buttonId(shown, 'cancel'),
      user: admin,
      permissions: '32',
    });
    await byAdmin.waitForAck();
    const done = await third.waitForOriginal((m) => m.content.includes('Cancelled by'), 10_000);
    expect(done.content).toContain(`<@${admin.id}>`);
  }, 60_000);

  it('does not give back a quota of 1 for a job cancelled after the video service had it', async ({
    world: { discord, video, app },
  }) => {
    const target = { platform: 'discord', spaceId: guildId, userId: bob.id } as const;
    const operator = { ...target, userId: admin.id, isSpaceAdmin: true };
    await app.quota.setUserLimit(operator, target, (await used(app, bob)) + 1);
    onTestFinished(() => app.quota.setUserLimit(operator, target, 50).then(() => undefined));

    const job = await imagine(discord, bob, '[emu:stuck] bob cancel loop');
    // The provider has the job once its id is in the record.
    await discord.waitFor(() => video.jobs.size === 1, 10_000);
    const shown = await job.waitForOriginal((m) => m.content.includes('%'), 10_000);
    const id = buttonId(shown, 'cancel').slice('cancel:'.length);
    expect((await app.jobs.get(id))?.upstreamId).toBeDefined();
    const before = await used(app, bob);
    const press = await discord.button({ message: shown, customId: `cancel:${id}`, user: bob });
    await press.waitForAck();
    const cancelled = await job.waitForOriginal((m) => m.content.includes('Cancelled by'), 10_000);
    expect(cancelled.content).toContain(
      `Cancelled by <@${bob.id}>; the video service had already started it, so it counts.`,
    );
    expect(await app.jobs.get(id)).toMatchObject({ status: 'cancelled', reservation: 'committed' });
    expect(await used(app, bob)).toBe(before);

    const again = await imagine(discord, bob, 'bob tries again');
    const quotaRefused = /You have used \d+ of your \d+ videos? today/;
    await discord.waitFor(
      () =>
        again.followups().some((m) => quotaRefused.test(m.content)) ||
        quotaRefused.test(again.original()?.content ?? ''),
      5000,
    );
    expect(video.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  }, 30_000);

  it('deletes a result for its requester only', async ({ world: { discord } }) => {
    const job = await imagine(discord, bob, 'to be deleted');
    const result = await job.waitForOriginal((m) => m.attachments.length > 0, 15_000);
    const other = await discord.button({
      message: result,
      customId: buttonId(result, 'delete'),
      user: carol,
    });
    await other.waitForAck();
    expect(other.original()?.content).toBe('Only the requester or an admin can do that.');
    expect(discord.message(result.id)?.deletedAt).toBeNull();

    const own = await discord.button({ message: result, customId: buttonId(result, 'delete'), user: bob });
    await own.waitForAck();
    await discord.waitFor(() => discord.message(result.id)?.deletedAt !== null, 5000);
  });
});

describe('Discord notification', () => {
  it('mentions only the requester once when a long job is posted, unless they opted out', async ({
    world: { discord, app },
  }) => {
    const job = await imagine(discord, alice, '[emu:ms=3500] slow one <@everyone>');
    await job.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    const link = `https://discord.com/channels/${guildId}/${channelId}/${job.original()?.id}`;
    let note: StoredMessage | undefined;
    await discord.waitFor(() => {
      note = discord.messages(channelId).find((m) => m.source === 'channel' && m.content.includes(link));
      return note !== undefined;
    }, 5000);
    expect(note?.mentions).toEqual({ users: [alice.id], roles: [], everyone: false });
    expect(note?.content).toContain(
      `https://discord.com/channels/${guildId}/${channelId}/${job.original()?.id}`,
    );

    await app.settings.setNotify({ platform: 'discord', spaceId: guildId }, bob.id, false);
    const quiet = await imagine(discord, bob, '[emu:ms=3500] quiet one');
    await quiet.waitForOriginal((m) => m.attachments.length > 0, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const quietLink = `/${channelId}/${quiet.original()?.id}`;
    expect(discord.messages(channelId).filter((m) => m.content.includes(quietLink))).toHaveLength(0);
    expect(discord.messages(channelId).filter((m) => m.content.includes(link))).toHaveLength(1);
  }, 60_000);
});

describe('Discord notification without channel access', () => {
  it('sends the one mention as a DM when the bot may not post in the channel', async ({
    world: { video },
  }) => {
    const { closedGuildId: closedGuild, closedChannelId: closedChannel } = discordSeed;
    const other = await startDiscordWorld({
      video,
      env: { NOTIFY_AFTER_SECONDS: '1' },
      bot: { reply: { editIntervalMs: 200 } },
    });
    try {
      const job = await other.discord.slashCommand({
        channelId: closedChannel,
        guildId: closedGuild,
        user: alice,
        name: 'imagine',
        options: [{ name: 'prompt', value: '[emu:ms=1500] behind closed doors' }],
      });
      await job.waitForOriginal((m) => m.attachments.length > 0, 15_000);
      const dm = other.discord.dmChannel(alice);
      await other.discord.waitFor(
        () => other.discord.messages(dm.id).some((m) => m.content.includes('your video is ready')),
        5000,
      );
      const note = other.discord.messages(dm.id).find((m) => m.content.includes('your video is ready'));
      expect(note?.content).toContain(`https://discord.com/channels/${closedGuild}/${closedChannel}/`);
      expect(other.discord.messages(closedChannel).filter((m) => m.source === 'channel')).toHaveLength(0);
    } finally {
      await other.close();
    }
  }, 30_000);
});
