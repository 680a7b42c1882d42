import { describe, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import type { RecordedForm, VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackSeed } from '../world/slack.js';

/**
 * A workspace's models (`/settings models`) through real Bolt and the emulators: the workspace default reaches
 * the video API (multipart for a sibling), a model the workspace does not allow is refused privately with
 * nothing sent, a workspace default length the model cannot make gives way to the model's own, and the
 * Animate modal offers the allowed models with the default preselected and runs the one chosen.
 */

const it = slackWorldTest({
  generationMs: 300,
  env: { QUOTA_DEFAULT: '50', VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' },
  bot: { reply: fastUpdates(200) },
});
const { general: GENERAL, alice: ALICE, bob: BOB } = slackSeed;
const ADMIN = 'U0ADMIN';

type World = { driver: SlackDriver; slack: SlackEmulator; video: VideoApiEmulator; app: App };

const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);

function formOf(body: unknown): RecordedForm {
  const form = body as RecordedForm | undefined;
  if (form?.kind !== 'multipart') throw new Error(`not a multipart body: ${JSON.stringify(body)}`);
  return form;
}

/** Sends a slash command and returns the user's next ephemeral answer. */
async function command(world: World, user: string, name: string, text: string): Promise<string> {
  const before = ephemeralsFor(world.slack, user).length;
  const res = await world.driver.slashCommand({ command: name, text, user, channel: GENERAL });
  expect(res.status).toBe(200);
  await world.slack.waitFor(() => ephemeralsFor(world.slack, user).length > before, { timeoutMs: 5000 });
  return ephemeralsFor(world.slack, user)[before]?.text ?? '';
}

/** The world is shared by this file's tests: each starts from the bot's own models and defaults. */
async function reset(world: World): Promise<void> {
  await command(world, ADMIN, '/settings', 'models clear');
  await command(world, ADMIN, '/settings', 'defaults clear');
}

async function completed(app: App, count: number): Promise<void> {
  await expect
    .poll(async () => (await app.jobs.list({ status: 'completed' })).length, {
      timeout: 15_000,
      interval: 50,
    })
    .toBeGreaterThanOrEqual(count);
}

describe('Slack: a workspace’s models', () => {
  it('a plain /imagine uses the workspace default model, sent as that model’s multipart', async ({
    world,
  }) => {
    await reset(world);
    expect(await command(world, ADMIN, '/settings', 'models --default grok-video-3')).toBe(
      'Saved. Models: grok-imagine-video, grok-video-1.5, grok-video-3 (default)',
    );
    const before = (await world.app.jobs.list({ status: 'completed' })).length;
    await world.driver.slashCommand({ command: '/imagine', text: 'a kite', user: ALICE, channel: GENERAL });
    await completed(world.app, before + 1);
    const sent = posts(world.video);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(formOf(sent[0]?.body).fields).toMatchObject({ model: 'grok-video-3', seconds: '10' });
  });

  it('refuses a model the workspace does not allow, privately, with nothing sent or shown', async ({
    world,
  }) => {
    await reset(world);
    await command(world, ADMIN, '/settings', 'models --allowed grok-imagine-video,grok-video-3');
    const from = world.slack.timeline.length;
    expect(await command(world, BOB, '/imagine', 'a fox --model grok-video-1.5')).toContain(
      'grok-video-1.5 is not allowed here; the models allowed here are grok-imagine-video and grok-video-3.',
    );
    expect(posts(world.video)).toHaveLength(0);
    const shown = world.slack.timeline
      .slice(from)
      .filter((t) => t.user === world.slack.identity.botUserId && t.ephemeralFor === undefined);
    expect(shown).toHaveLength(0);
    // A member may not change them.
    expect(await command(world, BOB, '/settings', 'models --allowed all')).toContain(
      'Only workspace admins and owners',
    );
  });

  it('a workspace default of 6 s gives way to the sibling’s 10 s', async ({ world }) => {
    await reset(world);
    await command(world, ADMIN, '/settings', 'defaults --seconds 6');
    await command(world, ADMIN, '/settings', 'models --default grok-video-1.5');
    const before = (await world.app.jobs.list({ status: 'completed' })).length;
    await world.driver.slashCommand({ command: '/imagine', text: 'a tide', user: ALICE, channel: GENERAL });
    await completed(world.app, before + 1);
    expect(formOf(posts(world.video)[0]?.body).fields).toMatchObject({
      model: 'grok-video-1.5',
      seconds: '10',
    });
    // Said explicitly, 6 s gets the model's own rule.
    expect(await command(world, ALICE, '/imagine', 'a tide --seconds 6')).toContain(
      'grok-video-1.5 makes 10 s (Pro) or 15 s (Max) videos',
    );
    expect(posts(world.video)).toHaveLength(1);
  });

  it('the Animate modal offers the allowed models, the default preselected, and runs the chosen one', async ({
    world,
  }) => {
    await reset(world);
    await command(
      world,
      ADMIN,
      '/settings',
      'models --default grok-video-3 --allowed grok-video-1.5,grok-video-3',
    );
    const { driver, slack, video, app } = world;
    const message = slack.userPostsMessage({
      channel: GENERAL,
      user: ALICE,
      text: 'a paper boat',
      files: [{ name: 'boat.png', bytes: await testImage({ width: 320, height: 240, fill: '#0000e0' }) }],
    });
    const before = slack.views.size;
    await driver.messageShortcut({ callbackId: 'animate', message: message.ts, user: BOB, channel: GENERAL });
    const view = await slack.waitFor(
      () => (slack.views.size > before ? [...slack.views.values()].at(-1) : undefined),
      { timeoutMs: 5000 },
    );
    const picker = (view.view.blocks as Array<Record<string, unknown>>).find((b) => b.block_id === 'model');
    expect(picker?.element).toMatchObject({
      type: 'static_select',
      action_id: 'model',
      initial_option: { value: 'grok-video-3' },
    });
    const offered = (picker?.element as { options: Array<{ value: string }> }).options.map((o) => o.value);
    expect(offered).toEqual(['grok-video-1.5', 'grok-video-3']);

    const done = (await app.jobs.list({ status: 'completed' })).length;
    const submitted = await driver.viewSubmission({
      viewId: view.id,
      user: BOB,
      values: {
        prompt: { prompt: 'the boat drifts away' },
        model: { model: { type: 'static_select', selected_option: { value: 'grok-video-1.5' } } },
      },
    });
    expect(submitted.status).toBe(200);
    await completed(app, done + 1);
    const form = formOf(posts(video)[0]?.body);
    expect(form.fields).toMatchObject({ model: 'grok-video-1.5', prompt: 'the boat drifts away' });
    expect(Object.keys(form.files)).toEqual(['input_reference']);
  });

  it('the Animate modal has no model picker when only one model is allowed', async ({ world }) => {
    await reset(world);
    await command(world, ADMIN, '/settings', 'models --default grok-video-3 --allowed grok-video-3');
    const { driver, slack } = world;
    const message = slack.userPostsMessage({
      channel: GENERAL,
      user: ALICE,
      text: 'a paper boat',
      files: [{ name: 'boat.png', bytes: await testImage({ width: 32, height: 24, fill: '#00e000' }) }],
    });
    const before = slack.views.size;
    await driver.messageShortcut({ callbackId: 'animate', message: message.ts, user: BOB, channel: GENERAL });
    const view = await slack.waitFor(
      () => (slack.views.size > before ? [...slack.views.values()].at(-1) : undefined),
      { timeoutMs: 5000 },
    );
    expect(JSON.stringify(view.view.blocks)).not.toContain('"action_id":"model"');
  });
});
