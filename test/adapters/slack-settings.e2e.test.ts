import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import type { App } from '../../src/app.js';
import { createSlackDriver, type SlackDriver } from '../emulators/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { startVideoApiEmulator, type VideoApiEmulator } from '../emulators/video-api/server.js';
import { appFor } from '../helpers/app.js';
import { testImage } from '../helpers/images.js';
import { botUrlOf, startSlackBot } from '../helpers/slack.js';

/** /settings rules and /jobs through real Bolt, the Slack emulator and the video-API emulator. */

let video: VideoApiEmulator;
let slack: SlackEmulator;
let app: App;
let adapter: SlackAdapter;
let driver: SlackDriver;

const GENERAL = 'C0GENERAL';
const VIDEOS = 'C0VIDEOS';

beforeAll(async () => {
  video = await startVideoApiEmulator({ generationMs: 600 });
  slack = await startSlackEmulator({
    users: [
      { id: 'U0ALICE', name: 'alice' },
      { id: 'U0BOB', name: 'bob' },
      { id: 'U0ADMIN', name: 'admin', isAdmin: true },
    ],
  });
  ({ app } = await appFor(video, { QUOTA_DEFAULT: '20' }));
  adapter = await startSlackBot(slack, app, { updateIntervalMs: 200 });
  driver = createSlackDriver({ emulator: slack, botUrl: botUrlOf(adapter) });
});

afterAll(async () => {
  await adapter.stop(1000);
  await app.close();
  await slack.close();
  await video.close();
});

afterEach(() => {
  video.reset();
});

const team = () => slack.identity.teamId;
const posts = () => video.requests.filter((r) => r.method === 'POST');
const ephemeralsFor = (user: string) => slack.timeline.filter((t) => t.ephemeralFor === user);
const used = async (userId: string) =>
  (await app.quota.status({ platform: 'slack', spaceId: team(), userId })).used;

/** Sends a slash command and returns the user's next ephemeral answer. */
async function command(user: string, name: string, text: string, channel = GENERAL): Promise<string> {
  const before = ephemeralsFor(user).length;
  const res = await driver.slashCommand({ command: name, text, user, channel });
  expect(res.status).toBe(200);
  await slack.waitFor(() => ephemeralsFor(user).length > before, { timeoutMs: 5000 });
  return ephemeralsFor(user)[before]?.text ?? '';
}

async function finished(prompt: string): Promise<void> {
  await slack.waitFor(
    () =>
      slack.timeline.some(
        (t) => t.ephemeralFor === undefined && t.text.includes(prompt) && t.text.includes('Done'),
      ),
    { timeoutMs: 15_000 },
  );
  await expect
    .poll(async () => (await app.jobs.list({ status: 'running' })).length, { timeout: 5000 })
    .toBe(0);
}

describe('Slack /settings', () => {
  it('refuses a non-admin change; a workspace admin’s change is saved; everyone can see the rules', async () => {
    expect(await command('U0BOB', '/settings', 'ban-add gore')).toContain(
      'Only a server or workspace admin (or a bot owner) can change these settings.',
    );
    expect((await app.settings.get({ platform: 'slack', spaceId: team() })).bans).toEqual([]);
    expect(await command('U0ADMIN', '/settings', 'ban-add /blood\\s*bath/')).toBe(
      'Added `/blood\\s*bath/` to the ban list.',
    );
    // Slack sends `<` `>` `&` escaped in command text; the pattern means the characters themselves.
    expect(await command('U0ADMIN', '/settings', 'ban-add /a &lt;b&gt;/')).toBe(
      'Added `/a &lt;b&gt;/` to the ban list.',
    );
    expect((await app.settings.get({ platform: 'slack', spaceId: team() })).bans[1]).toEqual({
      kind: 'regex',
      pattern: 'a <b>',
    });
    const shown = await command('U0ALICE', '/settings', '');
    expect(shown).toContain('Channels: everywhere');
    expect(shown).toContain('Ban list: 2 entries (admins can see them)');
    expect(shown).not.toContain('blood');
    expect(await command('U0BOB', '/settings', 'frobnicate')).toContain('Unknown settings command');
  });
});

describe('Slack /imagine under the space rules', () => {
  it('refuses a banned prompt neutrally before reserving quota or calling the API', async () => {
    const text = await command('U0ALICE', '/imagine', 'a Blood Bath at sea --seconds 3');
    expect(text).toBe(':warning: This prompt can’t be used in this server or workspace.');
    expect(await used('U0ALICE')).toBe(0);
    expect(posts()).toHaveLength(0);
  });

  it('applies to the Again button as well', async () => {
    await command('U0ADMIN', '/settings', 'ban-remove /blood\\s*bath/');
    await driver.slashCommand({
      command: '/imagine',
      text: 'a blood bath of paint',
      user: 'U0ALICE',
      channel: GENERAL,
    });
    await finished('a blood bath of paint');
    await command('U0ADMIN', '/settings', 'ban-add paint');
    const [record] = await app.jobs.list({ userId: 'U0ALICE', platform: 'slack' });
    const message = slack.timeline.find((t) => JSON.stringify(t.blocks ?? []).includes(record?.id ?? 'none'));
    const before = ephemeralsFor('U0BOB').length;
    await driver.blockAction({
      actionId: 'again',
      value: record?.id ?? '',
      user: 'U0BOB',
      channel: GENERAL,
      messageTs: message?.ts ?? '',
    });
    await slack.waitFor(() => ephemeralsFor('U0BOB').length > before, { timeoutMs: 5000 });
    expect(ephemeralsFor('U0BOB').at(-1)?.text).toContain('This prompt can’t be used');
    expect(posts()).toHaveLength(1);
    expect(await used('U0BOB')).toBe(0);
  });

  it('restricts the bot to listed channels, naming them', async () => {
    expect(await command('U0ADMIN', '/settings', `channel-add <#${VIDEOS}|videos>`)).toBe(
      'The bot may now be used in: #videos.',
    );
    expect(await command('U0BOB', '/imagine', 'a fox')).toBe(':warning: I can only be used in #videos here.');
    expect(posts()).toHaveLength(0);
    await driver.slashCommand({
      command: '/imagine',
      text: 'a fox in videos',
      user: 'U0BOB',
      channel: VIDEOS,
    });
    await finished('a fox in videos');
    expect(posts()).toHaveLength(1);
    // No channel named: the one the command is used in.
    expect(await command('U0ADMIN', '/settings', 'channel-remove', VIDEOS)).toContain(
      'the bot may be used everywhere here',
    );
  });

  it('refuses images when image input is off (a mention under an image)', async () => {
    expect(await command('U0ADMIN', '/settings', 'images off')).toBe('Image input is now off here.');
    const png = await testImage({ width: 12, height: 8, fill: '#0f0' });
    const parent = slack.userPostsMessage({
      channel: GENERAL,
      user: 'U0ALICE',
      text: 'the sea',
      files: [{ name: 'sea.png', bytes: png }],
    });
    const before = ephemeralsFor('U0BOB').length;
    await driver.event({
      type: 'app_mention',
      user: 'U0BOB',
      channel: GENERAL,
      thread_ts: parent.ts,
      text: `<@${slack.identity.botUserId}> make the waves move`,
    });
    await slack.waitFor(() => ephemeralsFor('U0BOB').length > before, { timeoutMs: 5000 });
    expect(ephemeralsFor('U0BOB').at(-1)?.text).toContain('Image input is turned off here');
    expect(posts()).toHaveLength(0);
    expect(await used('U0BOB')).toBe(1);
    expect(await command('U0ADMIN', '/settings', 'images on')).toBe('Image input is allowed here.');
  });

  it('fills in the space defaults when the user gives none', async () => {
    expect(await command('U0ADMIN', '/settings', 'defaults --seconds 3 --ar 1:1 --res 480')).toContain(
      'Defaults: 3 s, 1:1, 480P',
    );
    await driver.slashCommand({ command: '/imagine', text: 'a green kite', user: 'U0BOB', channel: GENERAL });
    await finished('a green kite');
    expect(posts()[0]?.body).toMatchObject({ seconds: '3', aspect_ratio: '1:1', resolution: '480P' });
    expect(await command('U0ADMIN', '/settings', 'defaults --seconds 20')).toContain('at most 15 seconds');
    expect(await command('U0ADMIN', '/settings', 'defaults clear')).toContain('Defaults: 6 s');
  });
});

describe('Slack /jobs and notify', () => {
  it('lists the user’s own jobs with permalinks; `all` only for admins', async () => {
    const mine = await command('U0BOB', '/jobs', '');
    const lines = mine.split('\n');
    expect(lines[0]).toBe('Your 2 most recent videos here, newest first:');
    expect(lines[1]).toContain('“a green kite”');
    expect(lines[1]).toContain('✅ done');
    expect(lines[1]).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>/);
    const [record] = await app.jobs.list({ userId: 'U0BOB', platform: 'slack' });
    const ts = (record?.messageRef as { ts: string }).ts;
    expect(lines[1]).toContain(
      `<https://${slack.identity.teamDomain}.slack.com/archives/${GENERAL}/p${ts.replace('.', '')}|message>`,
    );
    expect(lines[2]).toContain('“a fox in videos”');
    expect(mine).not.toContain('paint');

    expect(await command('U0BOB', '/jobs', 'all')).toContain(
      'Only a server or workspace admin (or a bot owner) can list everyone’s jobs.',
    );
    const all = await command('U0ADMIN', '/jobs', 'all');
    expect(all).toContain('`U0ALICE`');
    expect(all).toContain('`U0BOB`');
    expect(all).toContain('a blood bath of paint');
    expect(all).not.toContain('<@');
  });

  it('stores a user’s notification opt-out', async () => {
    expect(await command('U0ALICE', '/settings', 'notify off')).toContain('no longer be mentioned');
    expect(await app.settings.notifyEnabled('slack', team(), 'U0ALICE')).toBe(false);
    expect(await command('U0ALICE', '/settings', 'notify maybe')).toContain('Say `on` or `off`');
    expect(await app.settings.notifyEnabled('slack', team(), 'U0ALICE')).toBe(false);
  });
});
