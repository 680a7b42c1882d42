import { describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import type { RecordedForm, VideoApiEmulator } from '../emulators/video-api/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackSeed } from '../world/slack.js';

/**
 * Choosing the model on Slack with `--model`, through Bolt and the emulators: the sibling reaches the video
 * API as multipart with its own fields; a model the bot does not offer is refused privately, nothing sent.
 */

const it = slackWorldTest({
  generationMs: 300,
  env: { QUOTA_DEFAULT: '20', VIDEO_MODELS: 'grok-imagine-video,grok-video-1.5,grok-video-3' },
  bot: { reply: fastUpdates(200) },
});
const { general: GENERAL, alice: ALICE, bob: BOB } = slackSeed;

const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);

describe('Slack: /imagine --model', () => {
  it('sends grok-video-1.5 for 15 s as multipart with size', async ({ world: { driver, video, app } }) => {
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'a paper boat on a pond --model grok-video-1.5 --seconds 15 --res 540p',
      user: ALICE,
      channel: GENERAL,
    });
    expect(res.status).toBe(200);
    await expect
      .poll(async () => (await app.jobs.list({ userId: ALICE }))[0]?.status, {
        timeout: 15_000,
        interval: 50,
      })
      .toBe('completed');
    const sent = posts(video);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const form = sent[0]?.body as RecordedForm;
    expect(form.kind).toBe('multipart');
    expect(form.fields).toMatchObject({
      model: 'grok-video-1.5',
      prompt: 'a paper boat on a pond',
      seconds: '15',
      size: '540P',
    });
    expect(form.fields).not.toHaveProperty('resolution');
    expect((await app.jobs.list({ userId: ALICE }))[0]?.request.model).toBe('grok-video-1.5');
  });

  it('refuses a model not offered privately, with nothing sent', async ({
    world: { driver, slack, video },
  }) => {
    const from = slack.timeline.length;
    await driver.slashCommand({
      command: '/imagine',
      text: 'a fox --model sora-2',
      user: BOB,
      channel: GENERAL,
    });
    await slack.waitFor(() => ephemeralsFor(slack, BOB).length > 0, { timeoutMs: 5000 });
    expect(ephemeralsFor(slack, BOB).at(-1)?.text).toContain(
      'This bot does not offer sora-2; choose grok-imagine-video, grok-video-1.5 or grok-video-3.',
    );
    expect(posts(video)).toHaveLength(0);
    const shown = slack.timeline.slice(from).filter((t) => t.user === slack.identity.botUserId);
    expect(shown.filter((t) => t.ephemeralFor === undefined)).toHaveLength(0);
  });
});
