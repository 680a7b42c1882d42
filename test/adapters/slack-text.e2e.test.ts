import { describe, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackEmulator, TimelineEntry } from '../emulators/slack/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackSeed } from '../world/slack.js';

/**
 * Text arrives in Slack's wire form (entities escaped; users, channels, links, @here and dates as `<…>`
 * sequences: https://api.slack.com/reference/surfaces/formatting). The emulator's driver sends what a test
 * types the way Slack does; the bot decodes it once, so the video model gets what the person typed, and our
 * messages show it escaped exactly once, without pinging anyone.
 */

const it = slackWorldTest({
  generationMs: 400,
  env: { QUOTA_DEFAULT: '20' },
  bot: { reply: fastUpdates(200) },
});

const { general: GENERAL, alice: ALICE, bob: BOB } = slackSeed;

const videoPosts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const promptsSent = (video: VideoApiEmulator) =>
  videoPosts(video).map((r) => (r.body as { prompt?: unknown }).prompt);

/** Waits for `user`'s job with this prompt to finish. */
async function finished(app: App, user: string, prompt: string): Promise<void> {
  await expect
    .poll(
      async () => (await app.jobs.list({ userId: user })).find((r) => r.request.prompt === prompt)?.status,
      { timeout: 15_000, interval: 50 },
    )
    .toBe('completed');
}

/** What the bot showed since `from`: each post and edit, text and blocks. */
const shownSince = (slack: SlackEmulator, from: number): TimelineEntry[] =>
  slack.timeline.slice(from).filter((t) => t.user === slack.identity.botUserId);
const shownText = (t: TimelineEntry) => `${t.text}\n${JSON.stringify(t.blocks ?? [])}`;

/** Nothing the bot posted pings: no `<!here>`-like sequence, and no `<@U…>` but the requester's on purpose. */
function expectNoPings(entries: TimelineEntry[], requester: string): void {
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    const shown = shownText(entry).replace(new RegExp(`^<@${requester}> `), '');
    expect(shown).not.toMatch(/<!|<@|<#/);
  }
}

describe('Slack text decoded once at the edge', () => {
  it('/imagine: the model gets “&”, “<” and “@here” as typed; the channel shows them escaped once', async ({
    world: { driver, slack, video, app },
  }) => {
    const from = slack.timeline.length;
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'salt & pepper <3 @here @channel --seconds 4',
      user: ALICE,
      channel: GENERAL,
    });
    expect(res.status).toBe(200);
    // /imagine does not escape mentions (manifest), so Slack sends them as typed, and &<> as entities.
    expect(new URLSearchParams(res.request.rawBody).get('text')).toBe(
      'salt &amp; pepper &lt;3 @here @channel --seconds 4',
    );
    const prompt = 'salt & pepper <3 @here @channel';
    await finished(app, ALICE, prompt);
    expect(promptsSent(video)).toEqual([prompt]);

    const shown = shownSince(slack, from);
    expect(shown.some((t) => t.text.includes('salt &amp; pepper &lt;3 @here @channel'))).toBe(true);
    for (const t of shown) expect(shownText(t)).not.toMatch(/&amp;(amp|lt|gt);/);
    expectNoPings(shown, ALICE);
  });

  it('a mention: users by display name, channels by name, links, @here decoded; names looked up once', async ({
    world: { driver, slack, video, app },
  }) => {
    const photo = await testImage({ width: 8, fill: { r: 10, g: 120, b: 60 } });
    const from = slack.timeline.length;
    const posted = await driver.userPostsMessage(
      {
        channel: GENERAL,
        user: BOB,
        text: '@emulated-bot a dog & @alice walk in #videos past https://example.com/park?a=1&b=2, @here!',
        files: [{ name: 'dog.png', bytes: photo }],
      },
      { notify: 'app_mention' },
    );
    expect(posted.message.text).toBe(
      `<@${slack.identity.botUserId}> a dog &amp; <@${ALICE}> walk in <#${slackSeed.videos}> past <https://example.com/park?a=1&amp;b=2>, <!here>!`,
    );
    const prompt = 'a dog & @alice walk in #videos past https://example.com/park?a=1&b=2, @here!';
    await finished(app, BOB, prompt);
    expect(promptsSent(video)).toEqual([prompt]);
    expect(slack.callsTo('conversations.info').map((c) => c.params.channel)).toEqual([slackSeed.videos]);
    // Alice's name came from users.info (looked up here, or cached from her /imagine, which asks for her locale).
    expect(slack.callsTo('users.info').map((c) => c.params.user)).toContain(ALICE);

    // The same names again: answered from the cache, no Web API call.
    const usersInfoNow = slack.callsTo('users.info').length;
    await driver.userPostsMessage(
      {
        channel: GENERAL,
        user: BOB,
        text: '@emulated-bot @alice again in #videos',
        files: [{ name: 'd.png', bytes: photo }],
      },
      { notify: 'app_mention' },
    );
    await finished(app, BOB, '@alice again in #videos');
    expect(slack.callsTo('users.info').length).toBe(usersInfoNow);
    expect(slack.callsTo('conversations.info')).toHaveLength(1);
    expectNoPings(shownSince(slack, from), BOB);
  });

  it('every wire form: labels, user groups, dates, mail links, a channel Slack will not name, a literal “<”', async ({
    world: { driver, slack, video, app },
  }) => {
    const photo = await testImage({ width: 8, fill: { r: 200, g: 20, b: 60 } });
    slack.configure({ methodError: { method: 'conversations.info', error: 'missing_scope', times: 1 } });
    const from = slack.timeline.length;
    await driver.userPostsMessage(
      {
        channel: GENERAL,
        user: ALICE,
        wireText:
          `<@${slack.identity.botUserId}> <@${BOB}|bobby> meets <!subteam^S0DESIGN|@design> at ` +
          '<https://example.com/x|the park> on <!date^1700000000^{date_short}|Nov 14, 2023> in ' +
          '<#C0GENERAL|general> or <#C0SECRET|> (<mailto:ann@example.com|ann@example.com>) &lt;3 <!channel> <!everyone>',
        files: [{ name: 'p.png', bytes: photo }],
      },
      { notify: 'app_mention' },
    );
    const prompt =
      '@bob meets @design at the park on Nov 14, 2023 in #general or #channel (ann@example.com) <3 @channel @everyone';
    await finished(app, ALICE, prompt);
    expect(promptsSent(video)).toEqual([prompt]);
    const shown = shownSince(slack, from);
    expect(shown.some((t) => t.text.includes('&lt;3 @channel @everyone'))).toBe(true);
    expectNoPings(shown, ALICE);
  });

  it('the Animate shortcut prefills the modal with the message as people read it', async ({
    world: { driver, slack },
  }) => {
    const photo = await testImage({ width: 8, fill: { r: 250, g: 200, b: 0 } });
    const { ts } = await driver.userPostsMessage({
      channel: GENERAL,
      user: ALICE,
      text: 'sunset & sea with @bob <3',
      files: [{ name: 's.png', bytes: photo }],
    });
    const viewsBefore = slack.views.size;
    await driver.messageShortcut({ callbackId: 'animate', message: ts, user: BOB, channel: GENERAL });
    const view = await slack.waitFor(() =>
      slack.views.size > viewsBefore ? [...slack.views.values()].at(-1) : undefined,
    );
    expect(JSON.stringify(view.view.blocks)).toContain('"initial_value":"sunset & sea with @bob <3"');
  });

  it('/quota set names the user by the display name users.info gives, not the mention’s old label', async ({
    world: { driver, slack },
  }) => {
    const before = slack.timeline.length;
    const typed = await driver.slashCommand({
      command: '/quota',
      text: 'set @bob 7',
      user: slackSeed.admin,
      channel: GENERAL,
    });
    // /quota escapes mentions (manifest): Slack sends the user as a sequence with the username.
    expect(new URLSearchParams(typed.request.rawBody).get('text')).toBe(`set <@${BOB}|bob> 7`);
    // Labels are usernames, on their way out; the name people see comes from users.info.
    await driver.slashCommand({
      command: '/quota',
      wireText: `set <@${BOB}|bobby-old> 8`,
      user: slackSeed.admin,
      channel: GENERAL,
    });
    const answers = await slack.waitFor(() => {
      const seen = slack.timeline.slice(before).filter((t) => t.ephemeralFor === slackSeed.admin);
      return seen.length >= 2 ? seen : undefined;
    });
    expect(answers[0]?.text).toContain('bob’s limit is now 7');
    expect(answers[1]?.text).toContain('bob’s limit is now 8');
  });
});
