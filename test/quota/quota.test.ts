import { describe, expect, it } from 'vitest';
import { quotaCommand } from '../../commands/quota.js';
import { runCommand } from '../helpers/command.js';
import { parseConfig } from '../../src/config.js';
import { BotError } from '../../src/errors.js';
import { createMemoryLedger } from '../../src/quota/ledger-memory.js';
import { createQuotaService, type QuotaSubject } from '../../src/quota/quota.js';
import { quotaWindow } from '../../src/quota/window.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';
import { invocation, recordingReply } from '../helpers/reply.js';

function setup(env: Record<string, string> = {}, start = Date.UTC(2026, 10, 25, 12, 0)) {
  const config = parseConfig(env);
  let clock = start;
  const log = capturedLogger();
  const quota = createQuotaService({
    ledger: createMemoryLedger(),
    state: createMemoryState(),
    config: config.quota,
    ownerIds: config.ownerIds,
    logger: log.logger,
    now: () => clock,
  });
  return { quota, log, advance: (ms: number) => (clock += ms), set: (ms: number) => (clock = ms) };
}

const alice: QuotaSubject = { platform: 'discord', spaceId: 'guild1', userId: 'alice' };
const DAY = 86_400_000;

async function refusal(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('quota windows', () => {
  it('uses UTC calendar windows with ISO weeks from Monday', () => {
    const wed = Date.UTC(2026, 10, 25, 23, 59);
    expect(quotaWindow('day', wed)).toEqual({ label: '2026-11-25', resetsAt: Date.UTC(2026, 10, 26) });
    expect(quotaWindow('week', wed)).toEqual({ label: '2026-W48', resetsAt: Date.UTC(2026, 10, 30) });
    expect(quotaWindow('month', wed)).toEqual({ label: '2026-11', resetsAt: Date.UTC(2026, 11, 1) });
    expect(quotaWindow('none', wed)).toEqual({ label: 'lifetime', resetsAt: undefined });
    // 2027-01-01 is a Friday: it belongs to ISO week 53 of 2026.
    expect(quotaWindow('week', Date.UTC(2027, 0, 1)).label).toBe('2026-W53');
    expect(quotaWindow('week', Date.UTC(2027, 0, 4)).label).toBe('2027-W01');
  });
});

describe('quota service', () => {
  it('allows QUOTA_DEFAULT videos a day, then refuses with used, limit and reset time', async () => {
    const { quota } = setup();
    for (let i = 0; i < 5; i++) await quota.reserve(alice, `j${i}`, 6);
    const error = await refusal(quota.reserve(alice, 'j5', 6));
    expect(error.kind).toBe('quota_exceeded');
    expect(error.userMessage).toBe(
      'You have used 5 of your 5 videos today. Your quota resets at 2026-11-26 00:00 UTC.',
    );
  });

  it('rolls over at the window boundary', async () => {
    const { quota, set } = setup({ QUOTA_DEFAULT: '1', QUOTA_PERIOD: 'week' });
    await quota.reserve(alice, 'a', 6);
    await expect(quota.reserve(alice, 'b', 6)).rejects.toThrow();
    set(Date.UTC(2026, 10, 29, 23, 59)); // Sunday: same ISO week
    await expect(quota.reserve(alice, 'c', 6)).rejects.toThrow();
    set(Date.UTC(2026, 10, 30, 0, 0)); // Monday
    await quota.reserve(alice, 'd', 6);
    expect((await quota.status(alice)).used).toBe(1);
  });

  it('never resets with QUOTA_PERIOD=none', async () => {
    const { quota, advance } = setup({ QUOTA_DEFAULT: '1', QUOTA_PERIOD: 'none' });
    await quota.reserve(alice, 'a', 6);
    advance(400 * DAY);
    const error = await refusal(quota.reserve(alice, 'b', 6));
    expect(error.userMessage).toBe('You have used 1 of your 1 video in total.');
  });

  it('counts seconds with QUOTA_UNIT=seconds (default 60)', async () => {
    const { quota } = setup({ QUOTA_UNIT: 'seconds' });
    for (let i = 0; i < 6; i++) await quota.reserve(alice, `j${i}`, 10);
    const error = await refusal(quota.reserve(alice, 'j6', 10));
    expect(error.userMessage).toMatch(
      /^This 10-second video needs 10 seconds, but you have 0 seconds left of your 60 seconds today/,
    );
    await quota.refund('j0');
    await quota.reserve(alice, 'j7', 10);
    expect((await quota.status(alice)).used).toBe(60);
  });

  it('refunds exactly once and never after a commit', async () => {
    const { quota } = setup();
    await quota.reserve(alice, 'a', 6);
    const results = await Promise.all(Array.from({ length: 10 }, () => quota.refund('a')));
    expect(results.filter(Boolean)).toHaveLength(1);
    await quota.reserve(alice, 'b', 6);
    expect(await quota.commit('b')).toBe(true);
    expect(await quota.refund('b')).toBe(false);
    expect((await quota.status(alice)).used).toBe(1);
  });

  it('resolves limits: user override, then space default, then QUOTA_DEFAULT, with 0 meaning no generation', async () => {
    const { quota } = setup({ OWNER_IDS: 'discord:owner' });
    const owner = { ...alice, userId: 'owner', isSpaceAdmin: false };
    expect((await quota.status(alice)).limit).toBe(5);
    await quota.setSpaceDefault(owner, 2);
    expect(await quota.status(alice)).toMatchObject({ limit: 2, limitSource: 'space' });
    await quota.setUserLimit(owner, alice, 50);
    expect(await quota.status(alice)).toMatchObject({ limit: 50, limitSource: 'user' });
    await quota.setUserLimit(owner, alice, 0);
    const error = await refusal(quota.reserve(alice, 'x', 6));
    expect(error.userMessage).toMatch(/not allowed to generate videos here/);
    await expect(quota.setUserLimit(owner, alice, 101)).rejects.toThrow(/0 to 100/);
  });
});

describe('/quota command', () => {
  it('shows a user their own usage, ephemerally', async () => {
    const { quota } = setup();
    await quota.reserve(alice, 'a', 6);
    const r = recordingReply();
    await runCommand(quotaCommand, invocation({ command: 'quota', subcommand: 'show' }), r.reply, { quota });
    expect(r.last()).toEqual({
      text: 'Your quota: Used 1 of 5 videos today. It resets at 2026-11-26 00:00 UTC.',
      ephemeral: true,
      failure: false,
    });
  });

  it('refuses non-admins everything but their own show, and changes nothing', async () => {
    const { quota, log } = setup();
    const bob = { id: 'bob', inSpace: true, displayName: 'Bob' };
    for (const [subcommand, options] of [
      ['set', { user: bob, limit: 50 }],
      ['reset', { user: bob }],
      ['default', { limit: 50 }],
      ['show', { user: bob }],
    ] as const) {
      const r = recordingReply();
      await runCommand(quotaCommand, invocation({ command: 'quota', subcommand, options }), r.reply, {
        quota,
      });
      expect(r.last()?.failure).toBe(true);
      expect(r.last()?.text).toMatch(
        /^Only admins \(or a bot owner\) can (change quotas|see someone else’s quota)\.$/,
      );
    }
    expect((await quota.status({ ...alice, userId: 'bob' })).limit).toBe(5);
    expect(log.lines.some((l) => l.includes('quota changed'))).toBe(false);
  });

  it('lets a space admin and an owner set, reset and change the default, logging who, whom, old and new', async () => {
    const { quota, log } = setup({ OWNER_IDS: 'discord:carol,slack:U9' });
    const bob = { id: 'bob', inSpace: true, displayName: 'Bob' };
    const admin = recordingReply();
    await runCommand(
      quotaCommand,
      invocation({
        command: 'quota',
        subcommand: 'set',
        isSpaceAdmin: true,
        options: { user: bob, limit: 20 },
      }),
      admin.reply,
      { quota },
    );
    expect(admin.last()?.text).toBe('Bob’s limit is now 20 videos.');
    const changed = JSON.parse(log.lines.find((l) => l.includes('quota changed')) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(changed).toMatchObject({ actor: 'discord:guild1:alice', target: 'discord:guild1:bob', new: 20 });

    const owner = recordingReply();
    await runCommand(
      quotaCommand,
      invocation({ command: 'quota', subcommand: 'default', userId: 'carol', options: { limit: 3 } }),
      owner.reply,
      { quota },
    );
    expect(owner.last()?.text).toBe('The default limit here is now 3 videos.');
    await quota.reserve({ ...alice, userId: 'bob' }, 'b1', 6);
    await runCommand(
      quotaCommand,
      invocation({ command: 'quota', subcommand: 'reset', userId: 'carol', options: { user: bob } }),
      owner.reply,
      { quota },
    );
    expect(owner.last()?.text).toBe('Bob’s usage for this period is cleared (was 1).');
    expect((await quota.status({ ...alice, userId: 'bob' })).used).toBe(0);
  });

  it('refuses users outside the space and limits out of range', async () => {
    const { quota } = setup();
    const r = recordingReply();
    await runCommand(
      quotaCommand,
      invocation({
        command: 'quota',
        subcommand: 'set',
        isSpaceAdmin: true,
        options: { user: { id: 'zed', inSpace: false }, limit: 3 },
      }),
      r.reply,
      { quota },
    );
    expect(r.last()?.text).toBe('That user is not a member of this space.');
    await runCommand(
      quotaCommand,
      invocation({
        command: 'quota',
        subcommand: 'set',
        isSpaceAdmin: true,
        options: { user: { id: 'bob', inSpace: true }, limit: -1 },
      }),
      r.reply,
      { quota },
    );
    expect(r.last()?.text).toBe('A limit must be a whole number from 0 to 100.');
  });
});
