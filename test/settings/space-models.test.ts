import { describe, expect, it } from 'vitest';
import { settingsCommand } from '../../commands/settings.js';
import { parseConfig } from '../../src/config.js';
import { BotError } from '../../src/errors.js';
import type { QuotaActor } from '../../src/quota/quota.js';
import { createSpaceSettings, type JobIntent } from '../../src/settings/space-settings.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';
import { runCommand } from '../helpers/command.js';
import { invocation, recordingReply } from '../helpers/reply.js';

/**
 * A space's models (`/settings models`): its default model and the models allowed there, a subset of
 * VIDEO_MODELS; and the space's default length and size, which fall back to the chosen model's own when that
 * model cannot make them.
 */

const ALL = 'grok-imagine-video,grok-video-1.5,grok-video-3';

function setup(env: Record<string, string> = { VIDEO_MODELS: ALL }) {
  const config = parseConfig(env);
  const log = capturedLogger();
  const isAdmin = (a: QuotaActor) => a.isSpaceAdmin;
  const settings = createSpaceSettings({
    state: createMemoryState(),
    logger: log.logger,
    limits: config.limits,
    models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
    isAdmin,
  });
  return { settings, log, isAdmin };
}

const admin: QuotaActor = { platform: 'slack', spaceId: 'T1', userId: 'UBOSS', isSpaceAdmin: true };
const member: QuotaActor = { ...admin, userId: 'UANN', isSpaceAdmin: false };
const intent = (over: Partial<JobIntent> = {}): JobIntent => ({
  platform: 'slack',
  spaceId: 'T1',
  userId: 'UANN',
  channelId: 'C1',
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

describe('a space’s models', () => {
  it('offers every VIDEO_MODELS model with VIDEO_MODEL as the default until an admin chooses', async () => {
    const { settings } = setup();
    expect(await settings.modelsFor(admin)).toEqual({
      models: ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'],
      defaultModel: 'grok-imagine-video',
    });
    expect((await settings.apply(intent())).model).toBe('grok-imagine-video');
    expect((await settings.apply(intent({ model: 'grok-video-3' }))).model).toBe('grok-video-3');
  });

  it('lets an admin set the default and the allowed models; a plain request gets the space default', async () => {
    const { settings, log } = setup();
    await settings.setModels(admin, {
      defaultModel: 'grok-video-3',
      allowed: ['grok-video-3', 'grok-imagine-video'],
    });
    expect(await settings.modelsFor(admin)).toEqual({
      models: ['grok-imagine-video', 'grok-video-3'],
      defaultModel: 'grok-video-3',
    });
    expect((await settings.apply(intent())).model).toBe('grok-video-3');
    const refused = await refusal(settings.apply(intent({ model: 'grok-video-1.5' })));
    expect(refused.kind).toBe('forbidden');
    expect(refused.userMessage).toBe(
      'grok-video-1.5 is not allowed here; the models allowed here are grok-imagine-video and grok-video-3.',
    );
    // Another space keeps the bot's own choice.
    expect((await settings.apply(intent({ spaceId: 'T2', model: 'grok-video-1.5' }))).model).toBe(
      'grok-video-1.5',
    );
    expect(log.lines.some((l) => l.includes('"action":"models"'))).toBe(true);
  });

  it('refuses a non-admin, a model the bot does not offer, a default not allowed and disallowing the default', async () => {
    const { settings } = setup();
    expect((await refusal(settings.setModels(member, { defaultModel: 'grok-video-3' }))).kind).toBe(
      'forbidden',
    );
    expect(
      (await refusal(settings.setModels(admin, { allowed: ['grok-video-3', 'sora-2'] }))).userMessage,
    ).toBe('This bot does not offer sora-2; choose grok-imagine-video, grok-video-1.5 or grok-video-3.');
    await settings.setModels(admin, { allowed: ['grok-imagine-video', 'grok-video-1.5'] });
    expect((await refusal(settings.setModels(admin, { defaultModel: 'grok-video-3' }))).userMessage).toBe(
      'grok-video-3 is not allowed here (grok-imagine-video and grok-video-1.5 are): allow it too, or choose one of them as the default.',
    );
    // The bot's default (VIDEO_MODEL) is this space's default until an admin picks one.
    expect((await refusal(settings.setModels(admin, { allowed: ['grok-video-3'] }))).userMessage).toBe(
      'Requests without a model use grok-imagine-video here, which that list leaves out: choose a default from the list too, or change the default first.',
    );
    // Both at once is consistent.
    await settings.setModels(admin, { defaultModel: 'grok-video-3', allowed: ['grok-video-3'] });
    expect(await settings.modelsFor(admin)).toEqual({
      models: ['grok-video-3'],
      defaultModel: 'grok-video-3',
    });
    // `all` allows every offered model again; `clear` forgets both.
    await settings.setModels(admin, { allowed: 'all' });
    expect((await settings.modelsFor(admin)).models).toHaveLength(3);
    await settings.setModels(admin, 'clear');
    expect(await settings.modelsFor(admin)).toEqual({
      models: ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'],
      defaultModel: 'grok-imagine-video',
    });
  });

  it('follows VIDEO_MODELS when the operator stops offering a model the space chose', async () => {
    const state = createMemoryState();
    const make = (models: string[], defaultModel: string) =>
      createSpaceSettings({
        state,
        logger: capturedLogger().logger,
        limits: parseConfig({}).limits,
        models: { defaultModel, offered: models },
        isAdmin: () => true,
      });
    await make(['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'], 'grok-imagine-video').setModels(
      admin,
      { defaultModel: 'grok-video-3', allowed: ['grok-video-3'] },
    );
    // grok-video-3 is gone: every model still offered is allowed, and the bot's default applies.
    const later = make(['grok-imagine-video', 'grok-video-1.5'], 'grok-video-1.5');
    expect(await later.modelsFor(admin)).toEqual({
      models: ['grok-imagine-video', 'grok-video-1.5'],
      defaultModel: 'grok-video-1.5',
    });
  });
});

describe('space defaults the chosen model cannot make', () => {
  it('fall back to the model’s own default; what the user gave explicitly is passed on as given', async () => {
    const { settings } = setup();
    await settings.setDefaults(admin, { seconds: 6, resolution: '1080P' });
    // grok-imagine-video takes 6 s but not 1080P: its size is the bot default (blank).
    expect(await settings.apply(intent())).toEqual({ model: 'grok-imagine-video', seconds: '6' });
    // A sibling takes 1080P but not 6 s: its own first tier (blank → 10 s).
    expect(await settings.apply(intent({ model: 'grok-video-3' }))).toEqual({
      model: 'grok-video-3',
      resolution: '1080P',
    });
    // Explicit values stay for the model's rules to judge.
    expect(await settings.apply(intent({ model: 'grok-video-3', seconds: '6' }))).toMatchObject({
      seconds: '6',
    });
    await settings.setDefaults(admin, { seconds: 15 });
    expect((await settings.apply(intent({ model: 'grok-video-1.5' }))).seconds).toBe('15');
  });

  it('accepts every size of the family as a space default, and refuses others', async () => {
    const { settings } = setup();
    await expect(settings.setDefaults(admin, { resolution: '2160P' })).rejects.toThrow(
      /480P, 540P, 720P or 1080P/,
    );
    await settings.setDefaults(admin, { resolution: '540' });
    expect((await settings.get(admin)).defaults.resolution).toBe('540P');
  });
});

describe('/settings models', () => {
  it('sets and shows the models; members may not', async () => {
    const { settings, isAdmin } = setup();
    const byAdmin = recordingReply();
    await runCommand(
      settingsCommand,
      invocation({
        command: 'settings',
        subcommand: 'models',
        platform: 'slack',
        spaceId: 'T1',
        userId: 'UBOSS',
        isSpaceAdmin: true,
        options: { default: 'grok-video-1.5', allowed: 'grok-video-1.5, grok-video-3' },
      }),
      byAdmin.reply,
      { settings, isAdmin },
    );
    expect(byAdmin.last()?.text).toBe('Saved. Models: grok-video-1.5 (default), grok-video-3');
    const shown = recordingReply();
    await runCommand(
      settingsCommand,
      invocation({ command: 'settings', subcommand: 'show', platform: 'slack', spaceId: 'T1' }),
      shown.reply,
      { settings, isAdmin },
    );
    expect(shown.last()?.text).toContain('Models: grok-video-1.5 (default), grok-video-3');
    const byMember = recordingReply();
    await runCommand(
      settingsCommand,
      invocation({
        command: 'settings',
        subcommand: 'models',
        platform: 'slack',
        spaceId: 'T1',
        options: { allowed: 'all' },
      }),
      byMember.reply,
      { settings, isAdmin },
    );
    expect(byMember.last()?.failure).toBe(true);
    expect((await settings.modelsFor(admin)).models).toEqual(['grok-video-1.5', 'grok-video-3']);
  });
});
