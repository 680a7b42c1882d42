import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobsCommand, promptStart } from '../../commands/jobs.js';
import { settingsCommand } from '../../commands/settings.js';
import { runCommand } from '../helpers/command.js';
import { discordFormat } from '../../adapters/discord/format.js';
import { parseConfig } from '../../src/config.js';
import { BotError } from '../../src/errors.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import type { QuotaActor } from '../../src/quota/quota.js';
import {
  BANNED_PROMPT_MESSAGE,
  createSpaceSettings,
  findBan,
  parseBanPattern,
  type JobIntent,
} from '../../src/settings/space-settings.js';
import { openState } from '../../src/store/open-state.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';
import { ensureRedis } from '../helpers/redis.js';
import { invocation, recordingReply } from '../helpers/reply.js';

function setup(env: Record<string, string> = {}) {
  const config = parseConfig({ OWNER_IDS: 'slack:UOWNER', ...env });
  const log = capturedLogger();
  const state = createMemoryState();
  const isAdmin = (a: QuotaActor) => a.isSpaceAdmin || config.ownerIds.includes(`${a.platform}:${a.userId}`);
  const settings = createSpaceSettings({
    state,
    logger: log.logger,
    limits: config.limits,
    models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
    isAdmin,
  });
  return { settings, state, log, isAdmin };
}

const admin: QuotaActor = { platform: 'discord', spaceId: 'g1', userId: 'boss', isSpaceAdmin: true };
const member: QuotaActor = { ...admin, userId: 'ann', isSpaceAdmin: false };
const intent = (over: Partial<JobIntent> = {}): JobIntent => ({
  platform: 'discord',
  spaceId: 'g1',
  userId: 'ann',
  channelId: 'c1',
  prompt: 'a fox in the snow',
  imageCount: 0,
  ...over,
});

async function refusal(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('ban patterns', () => {
  it('reads /…/ as a regular expression and anything else as a lower-cased word or phrase', () => {
    expect(parseBanPattern('  Gore ')).toEqual({ kind: 'word', pattern: 'gore' });
    expect(parseBanPattern('Blood   Bath')).toEqual({ kind: 'word', pattern: 'blood bath' });
    expect(parseBanPattern('/nud(e|ity)/')).toEqual({ kind: 'regex', pattern: 'nud(e|ity)' });
  });

  // Catastrophic shapes are accepted now that rules are matched in linear time: see ban-rules.test.ts.
  it('refuses invalid, over-long and unsupported regular expressions with a reason', () => {
    expect(() => parseBanPattern('/(unclosed/')).toThrow(/not a valid regular expression/);
    expect(() => parseBanPattern(`/${'a'.repeat(201)}/`)).toThrow(/at most 200 characters/);
    expect(() => parseBanPattern('/(a)\\1/')).toThrow(/backreference/);
    expect(() => parseBanPattern('   ')).toThrow(/Give a word/);
  });

  it('matches whole words and phrases case-insensitively, and regexes case-insensitively', () => {
    const bans = [parseBanPattern('gore'), parseBanPattern('blood bath'), parseBanPattern('/nud(e|ity)/')];
    expect(findBan(bans, 'A GORE fest')).toEqual(bans[0]);
    expect(findBan(bans, 'gorge and gores')).toBeUndefined();
    expect(findBan(bans, 'a Blood\n Bath')).toEqual(bans[1]);
    expect(findBan(bans, 'NUDITY')).toEqual(bans[2]);
    expect(findBan(bans, 'a calm lake')).toBeUndefined();
    // Full-width letters fold to ASCII under NFKC.
    expect(findBan(bans, 'ｇｏｒｅ')).toEqual(bans[0]);
  });

  it('checks a 4,096-character prompt against 200 rules quickly', () => {
    const bans = Array.from({ length: 199 }, (_, i) => parseBanPattern(`word${i}`));
    bans.push(parseBanPattern('/a.*b.*c.*d/'));
    const prompt = 'a'.repeat(4096);
    const started = performance.now();
    expect(findBan(bans, prompt)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('space settings service', () => {
  it('refuses a non-admin change, changes nothing, and logs the attempt', async () => {
    const { settings, log } = setup();
    const error = await refusal(settings.addBan(member, 'gore'));
    expect(error.kind).toBe('forbidden');
    expect(error.userMessage).toBe('Only an admin (or a bot owner) can change these settings.');
    expect((await settings.get(admin)).bans).toEqual([]);
    expect(log.lines.some((l) => l.includes('non-admin tried to change space settings'))).toBe(true);
  });

  it('keeps the space language an admin sets, refuses a member, and forgets it on clear', async () => {
    const { settings, log } = setup();
    expect((await refusal(settings.setLanguage(member, 'zh-CN'))).kind).toBe('forbidden');
    expect((await settings.get(admin)).language).toBeUndefined();
    await settings.setLanguage(admin, 'zh-CN');
    expect((await settings.get(admin)).language).toBe('zh-CN');
    await settings.setLanguage(admin, 'clear');
    expect((await settings.get(admin)).language).toBeUndefined();
    const changes = log.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'space settings changed' && l.action === 'language');
    expect(changes.map((c) => [c.old, c.new])).toEqual([
      [undefined, 'zh-CN'],
      ['zh-CN', undefined],
    ]);
  });

  it('lets a platform admin or an OWNER_IDS entry change rules, logging who, what, old and new', async () => {
    const { settings, log } = setup();
    await settings.addBan(admin, 'gore');
    const owner: QuotaActor = { platform: 'slack', spaceId: 'T1', userId: 'UOWNER', isSpaceAdmin: false };
    await settings.setImagesAllowed(owner, false);
    expect((await settings.get(admin)).bans).toEqual([{ kind: 'word', pattern: 'gore' }]);
    expect((await settings.get(owner)).imagesAllowed).toBe(false);
    const changes = log.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'space settings changed');
    expect(changes).toEqual([
      expect.objectContaining({
        actorId: 'boss',
        spaceId: 'g1',
        action: 'ban-add',
        new: { kind: 'word', pattern: 'gore' },
      }),
      expect.objectContaining({
        actorId: 'UOWNER',
        platform: 'slack',
        action: 'images',
        old: true,
        new: false,
      }),
    ]);
  });

  it('keeps every one of several concurrent changes to one space', async () => {
    const { settings } = setup();
    await Promise.all([
      settings.addBan(admin, 'one'),
      settings.addBan(admin, 'two'),
      settings.addBan(admin, 'three'),
    ]);
    expect((await settings.get(admin)).bans.map((b) => b.pattern).sort()).toEqual(['one', 'three', 'two']);
  });

  it('refuses duplicates and removes what is listed', async () => {
    const { settings } = setup();
    await settings.addBan(admin, '/x+y/');
    await expect(settings.addBan(admin, '/x+y/')).rejects.toThrow(/already on the ban list/);
    await expect(settings.removeBan(admin, 'xy')).rejects.toThrow(/not on the ban list/);
    const { rule, settings: after } = await settings.removeBan(admin, '/x+y/');
    expect(rule).toEqual({ kind: 'regex', pattern: 'x+y' });
    expect(after.bans).toEqual([]);
  });

  it('validates defaults with the /imagine rules and normalises them', async () => {
    const { settings } = setup();
    await expect(settings.setDefaults(admin, { seconds: 16 })).rejects.toThrow(/at most 15 seconds/);
    await expect(settings.setDefaults(admin, { aspectRatio: '5:1' })).rejects.toThrow(/too wide/);
    await expect(settings.setDefaults(admin, { resolution: '2160P' })).rejects.toThrow(/720P or 1080P/);
    await settings.setDefaults(admin, { seconds: '8s', aspectRatio: '9x16' });
    await settings.setDefaults(admin, { resolution: '480' });
    expect((await settings.get(admin)).defaults).toEqual({
      seconds: 8,
      aspectRatio: '9:16',
      resolution: '480P',
    });
    await settings.setDefaults(admin, 'clear');
    expect((await settings.get(admin)).defaults).toEqual({});
  });

  it('applies channels, images, bans and defaults to a job, in that order', async () => {
    const { settings } = setup();
    const plain = { model: 'grok-imagine-video' };
    expect(await settings.apply(intent())).toEqual(plain);
    await settings.addChannel(admin, { id: 'c2', name: 'videos' });
    // Channels are named the way the invoking platform links them (here Discord's formatter).
    const wrongChannel = await refusal(settings.apply(intent(), discordFormat));
    expect(wrongChannel.userMessage).toBe('I can only be used in <#c2> here.');
    expect(await settings.apply(intent({ channelId: 'c2' }))).toEqual(plain);
    // A thread under an allowed channel is allowed.
    await settings.apply(intent({ channelId: 'thread9', parentChannelId: 'c2' }));

    await settings.setImagesAllowed(admin, false);
    const images = await refusal(settings.apply(intent({ channelId: 'c2', imageCount: 1 })));
    expect(images.userMessage).toMatch(/Image input is turned off/);

    await settings.addBan(admin, 'gore');
    const banned = await refusal(settings.apply(intent({ channelId: 'c2', prompt: 'so much GORE' })));
    expect(banned.userMessage).toBe(BANNED_PROMPT_MESSAGE);

    await settings.setDefaults(admin, { seconds: 12, resolution: '480P' });
    expect(await settings.apply(intent({ channelId: 'c2' }))).toEqual({
      ...plain,
      seconds: '12',
      resolution: '480P',
    });
    expect(await settings.apply(intent({ channelId: 'c2', seconds: '3', resolution: '720P' }))).toEqual({
      ...plain,
      seconds: '3',
      resolution: '720P',
    });
  });

  it('clamps a default length to the limit for several reference images instead of refusing the job', async () => {
    const { settings } = setup();
    await settings.setDefaults(admin, { seconds: 15 });
    expect((await settings.apply(intent({ imageCount: 2 }))).seconds).toBe('10');
    expect((await settings.apply(intent({ imageCount: 1 }))).seconds).toBe('15');
  });

  it('names Slack channels by name in refusals', async () => {
    const { settings } = setup();
    const slackAdmin: QuotaActor = { platform: 'slack', spaceId: 'T1', userId: 'U1', isSpaceAdmin: true };
    await settings.addChannel(slackAdmin, { id: 'C2', name: 'videos' });
    await settings.addChannel(slackAdmin, { id: 'C3' });
    const error = await refusal(
      settings.apply({ ...intent(), platform: 'slack', spaceId: 'T1', channelId: 'C1' }),
    );
    expect(error.userMessage).toBe('I can only be used in #videos, C3 here.');
  });

  it('falls back to no rules, loudly, when a stored record does not parse', async () => {
    const { settings, state, log } = setup();
    await state.set('space:settings:discord:g1', { bans: 'not a list' });
    expect((await settings.get(admin)).bans).toEqual([]);
    expect(log.lines.some((l) => l.includes('space settings do not parse'))).toBe(true);
  });

  it('stores each user’s notification opt-out, default on', async () => {
    const { settings } = setup();
    expect(await settings.notifyEnabled('discord', 'g1', 'ann')).toBe(true);
    await settings.setNotify(admin, 'ann', false);
    expect(await settings.notifyEnabled('discord', 'g1', 'ann')).toBe(false);
    expect(await settings.notifyEnabled('discord', 'g1', 'bob')).toBe(true);
    expect(await settings.notifyEnabled('discord', 'g2', 'ann')).toBe(true);
  });
});

describe('/settings and /jobs handlers', () => {
  it('shows the effective rules; the ban list only to admins', async () => {
    const { settings, isAdmin } = setup();
    await settings.addBan(admin, 'gore');
    await settings.setDefaults(admin, { seconds: 6 });
    const forMember = recordingReply();
    await runCommand(
      settingsCommand,
      invocation({ command: 'settings', subcommand: 'show', spaceId: 'g1', userId: 'ann' }),
      forMember.reply,
      { settings, isAdmin },
    );
    expect(forMember.said[0]?.text).toContain('Defaults: 6 s, 16:9 (bot default), 720P (bot default)');
    expect(forMember.said[0]?.text).toContain('Ban list: 1 entry (admins can see them)');
    expect(forMember.said[0]?.text).not.toContain('gore');
    const forAdmin = recordingReply();
    await runCommand(
      settingsCommand,
      invocation({
        command: 'settings',
        subcommand: 'show',
        spaceId: 'g1',
        userId: 'boss',
        isSpaceAdmin: true,
      }),
      forAdmin.reply,
      { settings, isAdmin },
    );
    expect(forAdmin.said[0]?.text).toContain('Ban list (1): `gore`');
  });

  it('lists at most ten jobs, and refuses `all` to a non-admin', async () => {
    const records: JobRecord[] = Array.from({ length: 12 }, (_, i) => ({
      id: `j${i}`,
      platform: 'discord',
      spaceId: 'g1',
      channelId: 'c1',
      userId: 'ann',
      messageRef: {},
      request: { prompt: `prompt ${i}`, seconds: 6, aspectRatio: '16:9', resolution: '720P', imageRefs: [] },
      status: 'completed',
      reservation: 'committed',
      createdAt: i,
      updatedAt: i,
    }));
    const format = {
      jobLink: () => undefined,
      time: (ms: number) => `t${ms}`,
      user: (id: string) => id,
      escape: (t: string) => t,
    };
    const deps = {
      jobs: { list: async (_f: unknown, limit = 50) => records.slice(0, limit) },
      isAdmin: (a: QuotaActor) => a.isSpaceAdmin,
      format,
    };
    const mine = recordingReply();
    await runCommand(
      jobsCommand,
      invocation({ command: 'jobs', spaceId: 'g1', userId: 'ann' }),
      mine.reply,
      deps,
    );
    expect(mine.said[0]?.text.split('\n')).toHaveLength(11);
    const refused = recordingReply();
    await runCommand(
      jobsCommand,
      invocation({ command: 'jobs', spaceId: 'g1', userId: 'ann', options: { all: true } }),
      refused.reply,
      deps,
    );
    expect(refused.last()?.failure).toBe(true);
    expect(refused.last()?.text).toBe('Only admins (or a bot owner) can list everyone’s jobs.');
    expect(promptStart('word '.repeat(30))).toMatch(/…$/);
  });
});

describe('space settings in the real stores', () => {
  for (const kind of ['sqlite', 'redis'] as const) {
    it(`survive reopening the ${kind} store, and keep per-user preferences apart`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'space-settings-'));
      const url = kind === 'sqlite' ? `sqlite://${join(dir, 'bot.sqlite')}` : ensureRedis();
      const config = parseConfig({});
      const space = `T${randomUUID()}`;
      const actor: QuotaActor = { platform: 'slack', spaceId: space, userId: 'U1', isSpaceAdmin: true };
      const open = async () => {
        const opened = await openState(url, capturedLogger().logger);
        return {
          opened,
          settings: createSpaceSettings({
            state: opened.state,
            logger: capturedLogger().logger,
            limits: config.limits,
            models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
            isAdmin: () => true,
          }),
        };
      };
      try {
        const first = await open();
        await first.settings.addBan(actor, '/dra?gons?/');
        await first.settings.addChannel(actor, { id: 'C9', name: 'videos' });
        await first.settings.setNotify(actor, 'U2', false);
        await first.opened.close();
        const second = await open();
        expect(await second.settings.get(actor)).toMatchObject({
          bans: [{ kind: 'regex', pattern: 'dra?gons?' }],
          channels: [{ id: 'C9', name: 'videos' }],
        });
        expect(await second.settings.notifyEnabled('slack', space, 'U2')).toBe(false);
        await second.opened.state.delete(`space:settings:slack:${space}`);
        await second.opened.state.delete(`space:user:slack:${space}:U2`);
        await second.opened.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
