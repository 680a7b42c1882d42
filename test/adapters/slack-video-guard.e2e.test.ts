import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { startInternalService, type InternalService } from '../helpers/internal-service.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackSeed } from '../world/slack.js';

/**
 * A video API that steers the bot's download into the bot's own network, seen from Slack: nothing from
 * inside is uploaded or linked, the user is told the video could not be fetched and gets the quota back.
 * The API is on 127.0.0.1 (trusted as the API's own host); the "internal service" is on 127.0.0.2.
 */

const it = slackWorldTest({ generationMs: 500, env: { QUOTA_DEFAULT: '5' } });
const CHANNEL = slackSeed.general;
const ALICE = slackSeed.alice;
const SECRET = 'aws_secret_access_key=wJalrXUtnFEMI';

let internal: InternalService;
beforeAll(async () => {
  internal = await startInternalService({ body: Buffer.from(`INTERNAL ONLY: ${SECRET}\n`) });
});
afterAll(() => internal.close());

const botPosts = (slack: SlackEmulator) =>
  slack.timeline.filter(
    (t) => t.channel === CHANNEL && t.ephemeralFor === undefined && t.user === slack.identity.botUserId,
  );

/** Nothing the bot put in Slack carries the internal service's address or body. */
function expectNothingInternal(slack: SlackEmulator, uploadsBefore: number): void {
  expect(slack.uploads.length).toBe(uploadsBefore);
  for (const entry of slack.timeline) {
    const shown = `${entry.text} ${JSON.stringify(entry.blocks ?? [])}`;
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain(internal.origin);
    expect(shown).not.toContain('127.0.0.2');
  }
}

describe('a download pointed inside the network', () => {
  it('a /content redirect to an internal service is refused before it is reached; the user is refunded', async ({
    world: { driver, slack, video, used, logLines },
  }) => {
    video.configure({ contentRedirect: `${internal.origin}/computeMetadata/v1/` });
    internal.requests.length = 0;
    const uploads = slack.uploads.length;
    await driver.slashCommand({
      command: '/imagine',
      text: 'a harbour at dusk',
      user: ALICE,
      channel: CHANNEL,
    });
    const final = await slack.waitFor(
      () =>
        botPosts(slack).find(
          (t) => t.text.includes('a harbour at dusk') && (t.text.startsWith(':x:') || t.fileIds.length > 0),
        ),
      { timeoutMs: 15_000 },
    );
    expect(final.text).toMatch(
      /^:x: \*Failed\*\n.*could not be fetched.* It did not count against your quota\.\n/,
    );
    expect(internal.requests).toHaveLength(0);
    expectNothingInternal(slack, uploads);
    expect(await used(ALICE)).toBe(0);
    expect(logLines.some((l) => l.includes('refused to fetch the video from 127.0.0.2'))).toBe(true);
  });

  it('a file that is not a video is never uploaded', async ({ world: { driver, slack, video, used } }) => {
    video.configure({ fileBody: Buffer.from(`INTERNAL ONLY: ${SECRET}\n`) });
    const uploads = slack.uploads.length;
    await driver.slashCommand({ command: '/imagine', text: 'a quiet lake', user: ALICE, channel: CHANNEL });
    const final = await slack.waitFor(
      () =>
        botPosts(slack).find(
          (t) => t.text.includes('a quiet lake') && (t.text.startsWith(':x:') || t.fileIds.length > 0),
        ),
      { timeoutMs: 15_000 },
    );
    expect(final.text).toMatch(
      /^:x: \*Failed\*\n.*could not be fetched.* It did not count against your quota\.\n/,
    );
    expectNothingInternal(slack, uploads);
    expect(await used(ALICE)).toBe(0);
  });

  it('a video over the upload limit is not linked to a video_url on an internal address', async ({
    world: { slack, video, app, startProcess },
  }) => {
    // A second bot process on the same app whose uploads are capped below the sample MP4 (3.5 KB).
    const small = await startProcess({ app, bot: { maxUploadBytes: 1024 } });
    try {
      video.configure({ videoUrl: `${internal.origin}/files/{id}.mp4` });
      internal.requests.length = 0;
      const uploads = slack.uploads.length;
      await small.driver.slashCommand({
        command: '/imagine',
        text: 'a long train',
        user: ALICE,
        channel: CHANNEL,
      });
      const final = await slack.waitFor(
        () =>
          botPosts(slack).find(
            (t) => t.text.includes('a long train') && /upload limit|too large to upload/.test(t.text),
          ),
        { timeoutMs: 15_000 },
      );
      expect(final.text).toContain('gave no public link');
      expect(internal.requests).toHaveLength(0);
      expectNothingInternal(slack, uploads);
    } finally {
      await small.close(1000);
    }
  });
});
