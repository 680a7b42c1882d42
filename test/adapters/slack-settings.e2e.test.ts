import { describe, expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { SlackDriver } from '../emulators/slack/driver.js';
import type { SlackEmulator } from '../emulators/slack/server.js';
import type { VideoApiEmulator } from '../emulators/video-api/server.js';
import { testImage } from '../helpers/images.js';
import { slackWorldTest } from '../world/fixtures.js';
import { fastUpdates, slackResult, slackSeed } from '../world/slack.js';

/** /settings rules and /jobs through real Bolt, the Slack emulator and the video-API emulator. */

const it = slackWorldTest({
  generationMs: 600,
  env: { QUOTA_DEFAULT: '20' },
  bot: { reply: fastUpdates(200) },
});

const GENERAL = slackSeed.general;
const VIDEOS = slackSeed.videos;

const team = () => slackSeed.teamId;
const posts = (video: VideoApiEmulator) => video.requests.filter((r) => r.method === 'POST');
const ephemeralsFor = (slack: SlackEmulator, user: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user);
const used = async (app: App, userId: string) =>
  (await app.quota.status({ platform: 'slack', spaceId: team(), userId })).used;

/** Sends a slash command and returns the user's next ephemeral answer. */
async function command(
  { driver, slack }: { driver: SlackDriver; slack: SlackEmulator },
  user: string,
  name: string,
  text: string,
  channel: string = GENERAL,
): Promise<string> {
  const before = ephemeralsFor(slack, user).length;
  const res = await driver.slashCommand({ command: name, text, user, channel });
  expect(res.status).toBe(200);
  await slack.waitFor(() => ephemeralsFor(slack, user).length > before, { timeoutMs: 5000 });
  return ephemeralsFor(slack, user)[before]?.text ?? '';
}

async function finished({ slack, app }: { slack: SlackEmulator; app: App }, prompt: string): Promise<void> {
  await slack.waitFor(() => slackResult(slack, { prompt }), { timeoutMs: 15_000 });
  await expect
    .poll(async () => (await app.jobs.list({ status: 'running' })).length, { timeout: 5000 })
    .toBe(0);
}

describe('Slack /settings', () => {
  it('refuses a non-admin change; a workspace admin’s change is saved; everyone can see the rules', async ({
    world,
  }) => {
    const { app } = world;
    const refused = await command(world, 'U0BOB', '/settings', 'ban-add gore');
    expect(refused).toContain('Only workspace admins and owners (or a bot owner) can change these settings.');
    expect(refused).not.toMatch(/server/i);
    expect((await app.settings.get({ platform: 'slack', spaceId: team() })).bans).toEqual([]);
    expect(await command(world, 'U0ADMIN', '/settings', 'ban-add /blood\\s*bath/')).toBe(
      'Added `/blood\\s*bath/` to the ban list.',
    );
    // Slack sends `<` `>` `&` escaped in command text; the pattern means the characters themselves.
    expect(await command(world, 'U0ADMIN', '/settings', 'ban-add /a <b>/')).toBe(
      'Added `/a &lt;b&gt;/` to the ban list.',
    );
    expect((await app.settings.get({ platform: 'slack', spaceId: team() })).bans[1]).toEqual({
      kind: 'regex',
      pattern: 'a <b>',
    });
    const shown = await command(world, 'U0ALICE', '/settings', '');
    expect(shown).toContain('Channels: everywhere');
    expect(shown).toContain('Ban list: 2 entries (admins can see them)');
    expect(shown).not.toContain('blood');
    expect(await command(world, 'U0BOB', '/settings', 'frobnicate')).toContain(
      '`/settings frobnicate` is not a command of this bot (any more). Use one of `show`',
    );
  });
});

describe('Slack /imagine under the space rules', () => {
  it('refuses a banned prompt neutrally before reserving quota or calling the API', async ({ world }) => {
    const { video, app } = world;
    const text = await command(world, 'U0ALICE', '/imagine', 'a Blood Bath at sea --seconds 3');
    expect(text).toBe(':warning: This prompt can’t be used here.');
    expect(await used(app, 'U0ALICE')).toBe(0);
    expect(posts(video)).toHaveLength(0);
  });

  it('applies to the Again button as well', async ({ world }) => {
    const { driver, slack, video, app } = world;
    await command(world, 'U0ADMIN', '/settings', 'ban-remove /blood\\s*bath/');
    await driver.slashCommand({
      command: '/imagine',
      text: 'a blood bath of paint',
      user: 'U0ALICE',
      channel: GENERAL,
    });
    await finished(world, 'a blood bath of paint');
    await command(world, 'U0ADMIN', '/settings', 'ban-add paint');
    const [record] = await app.jobs.list({ userId: 'U0ALICE', platform: 'slack' });
    const message = slack.timeline.find((t) => JSON.stringify(t.blocks ?? []).includes(record?.id ?? 'none'));
    const before = ephemeralsFor(slack, 'U0BOB').length;
    await driver.blockAction({
      actionId: 'again',
      value: record?.id ?? '',
      user: 'U0BOB',
      channel: GENERAL,
      messageTs: message?.ts ?? '',
    });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0BOB').length > before, { timeoutMs: 5000 });
    expect(ephemeralsFor(slack, 'U0BOB').at(-1)?.text).toContain('This prompt can’t be used');
    expect(posts(video)).toHaveLength(1);
    expect(await used(app, 'U0BOB')).toBe(0);
  });

  it('restricts the bot to listed channels, naming them', async ({ world }) => {
    const { driver, video } = world;
    expect(await command(world, 'U0ADMIN', '/settings', `channel-add <#${VIDEOS}|videos>`)).toBe(
      'The bot may now be used in: #videos.',
    );
    expect(await command(world, 'U0BOB', '/imagine', 'a fox')).toBe(
      ':warning: I can only be used in #videos here.',
    );
    expect(posts(video)).toHaveLength(0);
    await driver.slashCommand({
      command: '/imagine',
      text: 'a fox in videos',
      user: 'U0BOB',
      channel: VIDEOS,
    });
    await finished(world, 'a fox in videos');
    expect(posts(video)).toHaveLength(1);
    // No channel named: the one the command is used in.
    expect(await command(world, 'U0ADMIN', '/settings', 'channel-remove', VIDEOS)).toContain(
      'the bot may be used everywhere here',
    );
  });

  it('refuses images when image input is off (a mention under an image)', async ({ world }) => {
    const { driver, slack, video, app } = world;
    expect(await command(world, 'U0ADMIN', '/settings', 'images off')).toBe('Image input is now off here.');
    const png = await testImage({ width: 12, height: 8, fill: '#0f0' });
    const parent = slack.userPostsMessage({
      channel: GENERAL,
      user: 'U0ALICE',
      text: 'the sea',
      files: [{ name: 'sea.png', bytes: png }],
    });
    const before = ephemeralsFor(slack, 'U0BOB').length;
    await driver.event({
      type: 'app_mention',
      user: 'U0BOB',
      channel: GENERAL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> make the waves move`,
    });
    await slack.waitFor(() => ephemeralsFor(slack, 'U0BOB').length > before, { timeoutMs: 5000 });
    expect(ephemeralsFor(slack, 'U0BOB').at(-1)?.text).toContain('Image input is turned off here');
    expect(posts(video)).toHaveLength(0);
    expect(await used(app, 'U0BOB')).toBe(1);
    expect(await command(world, 'U0ADMIN', '/settings', 'images on')).toBe('Image input is allowed here.');
  });

  it('fills in the space defaults when the user gives none', async ({ world }) => {
    const { driver, video } = world;
    expect(await command(world, 'U0ADMIN', '/settings', 'defaults --seconds 3 --ar 1:1 --res 480')).toContain(
      'Defaults: 3 s, 1:1, 480P',
    );
    await driver.slashCommand({ command: '/imagine', text: 'a green kite', user: 'U0BOB', channel: GENERAL });
    await finished(world, 'a green kite');
    expect(posts(video)[0]?.body).toMatchObject({ seconds: '3', aspect_ratio: '1:1', resolution: '480P' });
    expect(await command(world, 'U0ADMIN', '/settings', 'defaults --seconds 20')).toContain(
      'at most 15 seconds',
    );
    expect(await command(world, 'U0ADMIN', '/settings', 'defaults clear')).toContain('Defaults: 6 s');
  });
});

describe('Slack /jobs and notify', () => {
  it('lists the user’s own jobs with permalinks; `all` only for admins', async ({ world }) => {
    const { slack, app } = world;
    const mine = await command(world, 'U0BOB', '/jobs', '');
    const lines = mine.split('\n');
    expect(lines[0]).toBe('Your 2 most recent videos here, newest first:');
    expect(lines[1]).toContain('“a green kite”');
    expect(lines[1]).toContain('✅ done');
    expect(lines[1]).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>/);
    const [record] = await app.jobs.list({ userId: 'U0BOB', platform: 'slack' });
    // The link shows the video: the message that shares it.
    const ts = (record?.messageRef as { shareTs: string }).shareTs;
    expect(lines[1]).toContain(
      `<https://${slack.identity.teamDomain}.slack.com/archives/${GENERAL}/p${ts.replace('.', '')}|message>`,
    );
    expect(lines[2]).toContain('“a fox in videos”');
    expect(mine).not.toContain('paint');

    expect(await command(world, 'U0BOB', '/jobs', 'all')).toContain(
      'Only workspace admins and owners (or a bot owner) can list everyone’s jobs.',
    );
    const all = await command(world, 'U0ADMIN', '/jobs', 'all');
    expect(all).toContain('`U0ALICE`');
    expect(all).toContain('`U0BOB`');
    expect(all).toContain('a blood bath of paint');
    expect(all).not.toContain('<@');
  });

  it('stores a user’s notification opt-out', async ({ world }) => {
    const { app } = world;
    expect(await command(world, 'U0ALICE', '/settings', 'notify off')).toContain('no longer be mentioned');
    expect(await app.settings.notifyEnabled('slack', team(), 'U0ALICE')).toBe(false);
    expect(await command(world, 'U0ALICE', '/settings', 'notify maybe')).toContain('Say `on` or `off`');
    expect(await app.settings.notifyEnabled('slack', team(), 'U0ALICE')).toBe(false);
  });
});
