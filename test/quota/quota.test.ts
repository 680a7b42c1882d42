import { describe, expect, it } from 'vitest';
import { quotaCommand } from '../../commands/quota.js';
import { runCommand } from '../helpers/command.js';
import { parseConfig } from '../../src/config.js';
import { BotError } from '../../src/errors.js';
import { createMemoryLedger } from '../../src/quota/ledger-memory.js';
import {
  createQuotaService,
  describeQuota,
  QuotaExceededError,
  type QuotaSubject,
} from '../../src/quota/quota.js';
import { quotaWindow } from '../../src/quota/window.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';
import { invocation, recordingReply } from '../helpers/reply.js';

function setup(env: Record<string, string> = {}, start = Date.UTC(2026, 10, 25, 12, 0)) {
  const config = parseConfig(env);
  let clock = start;
  const log = capturedLogger();
  const quota = createQuotaService({
    // The ledger expires counters by the same clock, or a date this test pins would be past its expiry.
    ledger: createMemoryLedger(() => clock),
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
    expect(quotaWindow('day', wed)).toEqual({
      label: '2026-11-25',
      startsAt: Date.UTC(2026, 10, 25),
      resetsAt: Date.UTC(2026, 10, 26),
    });
    expect(quotaWindow('week', wed)).toEqual({
      label: '2026-W48',
      startsAt: Date.UTC(2026, 10, 23),
      resetsAt: Date.UTC(2026, 10, 30),
    });
    expect(quotaWindow('month', wed)).toEqual({
      label: '2026-11',
      startsAt: Date.UTC(2026, 10, 1),
      resetsAt: Date.UTC(2026, 11, 1),
    });
    expect(quotaWindow('none', wed)).toEqual({ label: 'lifetime', startsAt: 0, resetsAt: undefined });
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

  it('charges each request its price with QUOTA_UNIT=credits, and refuses naming the cost and what is left', async () => {
    const { quota } = setup({
      QUOTA_UNIT: 'credits',
      QUOTA_DEFAULT: '100',
      PRICES: 'grok-imagine-video:1/s,grok-video-3:3/s,grok-video-3@1080P:40/video',
    });
    const v3 = { model: 'grok-video-3', seconds: 15, resolution: '1080P' };
    expect(quota.costOf(v3)).toBe(40);
    expect(quota.costOf({ model: 'grok-video-3', seconds: 10, resolution: '720P' })).toBe(30);
    // A bare length is a request on the default model.
    expect(quota.costOf(6)).toBe(6);
    expect((await quota.reserve(alice, 'a', v3)).cost).toBe(40);
    expect((await quota.reserve(alice, 'b', v3)).used).toBe(80);
    const error = await refusal(quota.reserve(alice, 'c', v3));
    expect(error.userMessage).toBe(
      'This video costs 40 credits, but you have 20 credits left of your 100 credits today. Your quota resets at 2026-11-26 00:00 UTC.',
    );
    expect(error.detail).toMatchObject({ used: 80, limit: 100, cost: 40 });
    await quota.reserve(alice, 'd', { model: 'grok-imagine-video', seconds: 15, resolution: '720P' });
    expect((await quota.status(alice)).used).toBe(95);
    await quota.refund('a');
    expect((await quota.status(alice)).used).toBe(55);
    expect(describeQuota(await quota.status(alice), 'servers')).toMatch(/^Used 55 of 100 credits today\./);
  });

  it('counts credits everywhere and in the budget, naming what this video costs', async () => {
    const { quota } = setup({
      QUOTA_UNIT: 'credits',
      QUOTA_DEFAULT: '100',
      QUOTA_GLOBAL_PER_USER: '50',
      BUDGET_PER_PERIOD: '70',
    });
    const tenSeconds = { model: 'grok-video-3', seconds: 10, resolution: '720P' }; // 30 credits by default
    await quota.reserve(alice, 'a', tenSeconds);
    const global = await refusal(quota.reserve({ ...alice, spaceId: 'guild2' }, 'b', tenSeconds));
    expect((global as QuotaExceededError).limit).toBe('global');
    expect(global.userMessage).toMatch(
      /^This video costs 30 credits, but you have 20 credits left of your 50 credits everywhere you use this bot today\./,
    );
    await quota.reserve({ ...alice, userId: 'bob' }, 'c', tenSeconds);
    const budget = await refusal(quota.reserve({ ...alice, userId: 'carol' }, 'd', tenSeconds));
    expect(budget.userMessage).toBe(
      'The bot has used its video budget today (60 of 70 credits; this video costs 30 credits), so it cannot take this request. It resets at 2026-11-26 00:00 UTC.',
    );
    expect(await quota.budget()).toMatchObject({ used: 60, unit: 'credits' });
    await quota.refund('c');
    expect((await quota.budget()).used).toBe(30);
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

describe('limits across spaces: QUOTA_GLOBAL_PER_USER and BUDGET_PER_PERIOD', () => {
  const ownServer = { platform: 'discord' as const, spaceId: 'alices-own-guild', userId: 'alice' };

  it('counts a user in every space against their global limit, whatever an admin of their own server sets', async () => {
    const { quota } = setup({ QUOTA_MAX: '1000', QUOTA_GLOBAL_PER_USER: '3' });
    await quota.reserve(alice, 'a1', 6);
    await quota.reserve(alice, 'a2', 6);
    // Alice made a server of her own: she is its admin, and gives herself the most there is.
    const self = { ...ownServer, isSpaceAdmin: true };
    await quota.setUserLimit(self, ownServer, 1000);
    await quota.reserve(ownServer, 'o1', 6);
    const error = await refusal(quota.reserve(ownServer, 'o2', 6));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).limit).toBe('global');
    expect(error.userMessage).toBe(
      'You have used 3 of your 3 videos everywhere you use this bot today. Your limit resets at 2026-11-26 00:00 UTC.',
    );
    // Resetting her usage on her own server clears that server's counter only.
    await quota.resetUsage(self, ownServer);
    expect((await refusal(quota.reserve(ownServer, 'o3', 6))).userMessage).toMatch(
      /everywhere you use this bot/,
    );
    expect((await quota.status(ownServer)).used).toBe(0);
    expect(await quota.status(alice)).toMatchObject({ used: 2, global: { used: 3, limit: 3 } });
    // A refund gives back to every counter: here, everywhere and the bot's.
    await quota.refund('a1');
    expect((await quota.globalStatus(alice)).used).toBe(2);
    expect((await quota.budget()).used).toBe(2);
    await quota.reserve(ownServer, 'o4', 6);
  });

  it('says how many seconds are left everywhere with QUOTA_UNIT=seconds', async () => {
    const { quota } = setup({ QUOTA_UNIT: 'seconds', QUOTA_GLOBAL_PER_USER: '20' });
    const slackAlice = { platform: 'slack' as const, spaceId: 'T1', userId: 'U1' };
    await quota.reserve(slackAlice, 'a', 15);
    const error = await refusal(quota.reserve({ ...slackAlice, spaceId: 'T2' }, 'b', 10));
    expect(error.userMessage).toBe(
      'This 10-second video needs 10 seconds, but you have 5 seconds left of your 20 seconds everywhere you use this bot today. Your limit resets at 2026-11-26 00:00 UTC.',
    );
  });

  it('lets only bot owners set, reset and show someone’s global limit', async () => {
    const { quota, log } = setup({ OWNER_IDS: 'discord:owner', QUOTA_GLOBAL_PER_USER: '2' });
    const admin = { ...alice, userId: 'admin', isSpaceAdmin: true };
    const owner = { ...alice, userId: 'owner', isSpaceAdmin: false };
    const target = { platform: 'discord' as const, userId: 'alice' };
    for (const attempt of [
      () => quota.setGlobalLimit(admin, target, 50),
      () => quota.resetGlobalUsage(admin, target),
      () => quota.showGlobal(admin, target),
    ]) {
      const error = await refusal(attempt());
      expect(error.kind).toBe('forbidden');
      expect(error.userMessage).toBe(
        'Only a bot owner can see or change a user’s limit everywhere this bot runs.',
      );
    }
    expect(log.lines.filter((l) => l.includes('non-owner tried a bot-owner quota command'))).toHaveLength(3);
    // Users may look at their own.
    expect(await quota.showGlobal({ ...alice, isSpaceAdmin: false }, target)).toMatchObject({
      used: 0,
      limit: 2,
      limitSource: 'default',
    });

    expect(await quota.setGlobalLimit(owner, target, 4)).toEqual({ old: undefined, new: 4 });
    expect(await quota.showGlobal(owner, target)).toMatchObject({ limit: 4, limitSource: 'owner' });
    for (let i = 0; i < 4; i++) await quota.reserve({ ...alice, spaceId: `g${i}` }, `j${i}`, 6);
    expect((await refusal(quota.reserve(alice, 'j4', 6))).userMessage).toMatch(
      /4 of your 4 videos everywhere you use this bot/,
    );
    expect(await quota.resetGlobalUsage(owner, target)).toEqual({ old: 4 });
    await quota.reserve(alice, 'j5', 6);
    await expect(quota.setGlobalLimit(owner, target, 1_000_001)).rejects.toThrow(/0 to 1,000,000/);
    const changed = log.lines.filter((l) => l.includes('quota changed')).map((l) => JSON.parse(l) as object);
    expect(changed).toEqual([
      expect.objectContaining({
        action: 'quota global set',
        actor: 'discord:guild1:owner',
        target: 'global:discord:alice',
        new: 4,
      }),
      expect.objectContaining({
        action: 'quota global reset',
        target: 'global:discord:alice',
        old: 4,
        new: 0,
      }),
    ]);
  });

  it('applies an owner’s global limit even when QUOTA_GLOBAL_PER_USER is empty, and counts usage without one', async () => {
    const { quota } = setup({ OWNER_IDS: 'discord:owner' });
    const target = { platform: 'discord' as const, userId: 'alice' };
    await quota.reserve(alice, 'a', 6);
    expect(await quota.globalStatus(target)).toMatchObject({
      used: 1,
      limit: undefined,
      limitSource: 'none',
    });
    expect((await quota.status(alice)).global).toBeUndefined();
    await quota.setGlobalLimit({ ...alice, userId: 'owner', isSpaceAdmin: false }, target, 1);
    expect((await refusal(quota.reserve({ ...alice, spaceId: 'other' }, 'b', 6))).userMessage).toMatch(
      /everywhere you use this bot/,
    );
  });

  it('refuses everyone once BUDGET_PER_PERIOD is reached, naming the reset, and logs a warning', async () => {
    const { quota, log, set } = setup({ BUDGET_PER_PERIOD: '3', QUOTA_DEFAULT: '10' });
    for (const userId of ['a', 'b', 'c']) await quota.reserve({ ...alice, userId }, `j-${userId}`, 6);
    const error = await refusal(quota.reserve({ platform: 'slack', spaceId: 'T1', userId: 'U1' }, 'j-d', 6));
    expect((error as QuotaExceededError).limit).toBe('budget');
    expect(error.userMessage).toBe(
      'The bot has used its video budget today (3 of 3 videos), so it cannot take new requests. It resets at 2026-11-26 00:00 UTC.',
    );
    const warn = log.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'budget reached: request refused');
    expect(warn).toMatchObject({
      level: 40,
      used: 3,
      limit: 3,
      cost: 1,
      platform: 'slack',
      userId: 'U1',
      resetsAt: Date.UTC(2026, 10, 26),
    });
    // The refused request charged nothing: its user's own counters are untouched.
    expect((await quota.status({ platform: 'slack', spaceId: 'T1', userId: 'U1' })).used).toBe(0);
    expect(await quota.budget()).toMatchObject({ used: 3, limit: 3, resetsAt: Date.UTC(2026, 10, 26) });
    await quota.refund('j-a');
    await quota.reserve({ ...alice, userId: 'e' }, 'j-e', 6);
    // A new day, a new budget.
    set(Date.UTC(2026, 10, 26, 0, 0));
    await quota.reserve({ ...alice, userId: 'a' }, 'j-next', 6);
    expect((await quota.budget()).used).toBe(1);
  });

  it('says what a video needs when the budget in seconds has some left, and when it never resets', async () => {
    const { quota } = setup({ QUOTA_UNIT: 'seconds', BUDGET_PER_PERIOD: '20' });
    await quota.reserve(alice, 'a', 15);
    expect((await refusal(quota.reserve({ ...alice, userId: 'bob' }, 'b', 10))).userMessage).toBe(
      'The bot has used its video budget today (15 of 20 seconds; this video needs 10 seconds), so it cannot take this request. It resets at 2026-11-26 00:00 UTC.',
    );
    const lifetime = setup({ BUDGET_PER_PERIOD: '1', QUOTA_PERIOD: 'none' }).quota;
    await lifetime.reserve(alice, 'a', 6);
    expect((await refusal(lifetime.reserve(alice, 'b', 6))).userMessage).toBe(
      'The bot has used its video budget in total (1 of 1 video), so it cannot take new requests. It does not reset: an operator has to raise it.',
    );
  });

  it('names the budget before the user’s own quota when both are used up', async () => {
    const { quota } = setup({ BUDGET_PER_PERIOD: '1', QUOTA_DEFAULT: '1' });
    await quota.reserve(alice, 'a', 6);
    expect((await refusal(quota.reserve(alice, 'b', 6))).userMessage).toMatch(/budget/);
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
