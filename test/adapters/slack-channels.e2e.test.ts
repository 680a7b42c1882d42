import { describe, expect, vi } from 'vitest';
import type { SlackEmulator } from '../emulators/slack/server.js';
import { slackWorldTest } from '../world/fixtures.js';
import { slackSeed } from '../world/slack.js';

/**
 * Where the bot is not a member, as real workspaces have it every day (real Bolt, the Slack emulator that
 * refuses like Slack): a public channel it joins; a private channel and a DM of other people where it
 * cannot post, so no job goes upstream and the user is told, privately and where they typed, how to let the
 * bot in; and every private answer (usage, refusals, button notes) reaching the user there through the
 * command's ack body or response_url, with a DM when those are gone.
 */

const it = slackWorldTest({
  generationMs: 500,
  env: { QUOTA_DEFAULT: '5' },
  users: [
    { id: 'U0DAVE', name: 'dave' },
    { id: 'U0ERIN', name: 'erin' },
  ],
});
const { lobby: LOBBY, secret: SECRET, aliceBobDm: DM, general: GENERAL } = slackSeed;
const { alice: ALICE, bob: BOB, carol: CAROL } = slackSeed;
const DAVE = 'U0DAVE';
const ERIN = 'U0ERIN';

const videoPosts = (world: { posts(): unknown[] }) => world.posts().length;
const privateTo = (slack: SlackEmulator, user: string, channel: string) =>
  slack.timeline.filter((t) => t.ephemeralFor === user && t.channel === channel);
/** What the bot said in the bot's own DM with `user` (opened with conversations.open). */
const dmTo = (slack: SlackEmulator, user: string) =>
  [...slack.conversations.values()]
    .filter((c) => c.kind === 'im' && c.botMember && c.members?.has(user))
    .flatMap((c) => slack.messagesIn(c.id).filter((m) => m.user === slack.identity.botUserId));

describe('Slack: the bot is not in the channel', () => {
  it('joins a public channel it is not in, then posts the job there before anything goes upstream', async ({
    world,
  }) => {
    const { driver, slack, video } = world;
    await driver.slashCommand({
      command: '/imagine',
      text: 'a lighthouse in fog',
      user: CAROL,
      channel: LOBBY,
    });
    await slack.waitFor(
      () => slack.messagesIn(LOBBY).some((m) => m.text.includes('Done')) && slack.uploads.length > 0,
      { timeoutMs: 15_000, description: 'the video in #lobby' },
    );
    const join = slack.callsTo('conversations.join');
    expect(join.map((c) => [c.params.channel, c.response?.ok])).toEqual([[LOBBY, true]]);
    expect(slack.conversations.get(LOBBY)?.botMember).toBe(true);
    const refused = slack.callsTo('chat.postMessage').find((c) => c.response?.error === 'not_in_channel');
    expect(refused?.params.channel).toBe(LOBBY);
    const upstream = video.requests.find((r) => r.method === 'POST');
    expect(join[0]!.at).toBeLessThanOrEqual(upstream!.at);
    // The progress message, deleted once the video is shared (a race with this check before): the first post.
    expect(slack.messagesIn(LOBBY, { includeDeleted: true })[0]?.revisions[0]?.text).toContain('Starting');
    expect([...slack.files.values()].at(-1)?.channels).toEqual([LOBBY]);
    expect(await world.used(CAROL)).toBe(1);
  });

  it('refuses a job in a private channel it was not invited to: told how to invite it, refunded, nothing submitted', async ({
    world,
  }) => {
    const { driver, slack, app } = world;
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'a secret garden',
      user: ALICE,
      channel: SECRET,
    });
    const told = await slack.waitFor(
      () => privateTo(slack, ALICE, SECRET).find((t) => t.text.includes('/invite')),
      { timeoutMs: 10_000, description: 'the invitation hint' },
    );
    expect(told.text).toBe(
      ':warning: I’m not in this channel. Invite me with `/invite @emulated-bot` and try again. Nothing was started or charged.',
    );
    // Through the command's response_url: chat.postEphemeral cannot reach a channel the bot is not in.
    expect(told.via).toBe('response_url');
    expect(slack.responses.at(-1)).toMatchObject({ url: res.responseUrl, effect: 'ephemeral', status: 200 });
    expect(slack.callsTo('conversations.join').filter((c) => c.params.channel === SECRET)).toEqual([]);
    expect(slack.messagesIn(SECRET)).toEqual([]);
    expect(videoPosts(world)).toBe(0);
    expect(await world.used(ALICE)).toBe(0);
    const [record] = await app.jobs.list({ userId: ALICE });
    expect(record).toMatchObject({ status: 'failed', reservation: 'refunded', channelId: SECRET });
  });

  it('refuses a job in a DM between other people, saying where it can work instead', async ({ world }) => {
    const { driver, slack } = world;
    await driver.slashCommand({ command: '/imagine', text: 'two friends', user: BOB, channel: DM });
    const told = await slack.waitFor(
      () => privateTo(slack, BOB, DM).find((t) => t.text.includes('other people')),
      { timeoutMs: 10_000 },
    );
    expect(told.text).toContain('Use the command in a channel I’m in, or in your DM with me.');
    expect(videoPosts(world)).toBe(0);
    expect(await world.used(BOB)).toBe(0);
  });

  it('tells the user by DM when the command’s response_url no longer answers', async ({ world }) => {
    const { driver, slack } = world;
    slack.configure({ responseUrlError: { status: 404, times: 1 } });
    await driver.slashCommand({ command: '/imagine', text: 'after too long', user: DAVE, channel: SECRET });
    const dm = await slack.waitFor(() => dmTo(slack, DAVE).at(-1), { timeoutMs: 10_000 });
    expect(dm.text).toBe(
      `In <#${SECRET}>: :warning: I’m not in this channel. Invite me with \`/invite @emulated-bot\` and try again. Nothing was started or charged.`,
    );
    expect(slack.callsTo('conversations.open').at(-1)?.params.users).toBe(DAVE);
    expect(videoPosts(world)).toBe(0);
  });
});

describe('Slack: private answers reach the user where the bot cannot post', () => {
  it('answers usage and /quota in the ack body, in a private channel and a DM of others', async ({
    world: { driver, slack },
  }) => {
    const ephemeralCalls = slack.callsTo('chat.postEphemeral').length;
    const usage = await driver.slashCommand({ command: '/imagine', text: '', user: ALICE, channel: SECRET });
    expect(usage.ackMessage).toMatchObject({ channel: SECRET, ephemeralFor: ALICE, via: 'ack' });
    expect(usage.ackMessage?.text).toContain('/imagine');
    const quota = await driver.slashCommand({ command: '/quota', text: '', user: BOB, channel: DM });
    expect(quota.ackMessage).toMatchObject({ channel: DM, ephemeralFor: BOB, via: 'ack' });
    expect(quota.ackMessage?.text).toMatch(/^Your quota: Used \d+ of 5 videos today/);
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(ephemeralCalls);
  });

  it('answers in the ack payload over Socket Mode too', async ({ world: { startProcess, slack } }) => {
    const socket = await startProcess({ bot: { socketMode: true } });
    const quota = await socket.driver.slashCommand({ command: '/quota', text: '', user: ALICE, channel: DM });
    expect(quota.transport).toBe('socket');
    expect(quota.ackMessage).toMatchObject({ channel: DM, ephemeralFor: ALICE, via: 'ack' });
    expect(quota.ackMessage?.text).toMatch(/^Your quota: Used \d+ of 5 videos today/);
    expect(slack.responses.filter((r) => r.url === quota.responseUrl)).toEqual([]);
    await socket.bot.stop(1000);
  });

  it('acknowledges within Slack’s 3 seconds when the answer is slow, and answers through the response_url', async ({
    world: { driver, slack },
  }) => {
    // Erin's first command: users.info is not answered from the bot's cache (Dave's is, since his /imagine).
    slack.configure({ latency: { method: 'users.info', ms: 2500, times: 1 } });
    const res = await driver.slashCommand({ command: '/quota', text: '', user: ERIN, channel: SECRET });
    expect(res.status).toBe(200);
    expect(res.latencyMs).toBeLessThan(2900);
    expect(res.ackMessage).toBeUndefined();
    const told = await slack.waitFor(
      () => privateTo(slack, ERIN, SECRET).find((t) => t.text.includes('quota')),
      {
        timeoutMs: 5000,
      },
    );
    expect(told.via).toBe('response_url');
  });

  it('answers a refusal that comes after the acknowledgement through the response_url', async ({ world }) => {
    const { driver, slack } = world;
    await world.app.quota.setUserLimit(
      { platform: 'slack', spaceId: slackSeed.teamId, userId: slackSeed.admin, isSpaceAdmin: true },
      { platform: 'slack', spaceId: slackSeed.teamId, userId: BOB },
      0,
    );
    const res = await driver.slashCommand({
      command: '/imagine',
      text: 'no quota left',
      user: BOB,
      channel: DM,
    });
    expect(res.ackMessage).toBeUndefined();
    const told = await slack.waitFor(
      () => privateTo(slack, BOB, DM).find((t) => t.via === 'response_url' && t.text.includes('quota')),
      { timeoutMs: 10_000 },
    );
    expect(told.text).toContain('your quota is 0');
    // The log keeps the response_url out: whoever holds it can answer as the bot there.
    expect(world.logLines.join('\n')).not.toContain(res.responseUrl);
    expect(videoPosts(world)).toBe(0);
  });

  it('answers a button press through the press’s response_url, not chat.postEphemeral', async ({
    world: { driver, slack, app },
  }) => {
    await driver.slashCommand({ command: '/imagine', text: 'a kite', user: ALICE, channel: GENERAL });
    const message = await slack.waitFor(
      () => slack.messagesIn(GENERAL).find((m) => m.text.includes('a kite') && m.text.includes('Done')),
      { timeoutMs: 15_000 },
    );
    const record = await vi.waitFor(
      async () => {
        const [done] = await app.jobs.list({ userId: ALICE, status: 'completed' });
        if (!done) throw new Error('the job is not completed yet');
        return done;
      },
      { timeout: 5000 },
    );
    const ephemeralCalls = slack.callsTo('chat.postEphemeral').length;
    const press = await driver.blockAction({
      actionId: 'delete_job',
      value: record.id,
      user: CAROL,
      channel: GENERAL,
      messageTs: message.ts,
    });
    await slack.waitFor(() => slack.responses.find((r) => r.url === press.responseUrl), { timeoutMs: 5000 });
    expect(slack.responses.find((r) => r.url === press.responseUrl)).toMatchObject({
      effect: 'ephemeral',
      body: { text: 'Only the requester or an admin can do that.', replace_original: false },
    });
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(ephemeralCalls);
    expect(slack.messagesIn(GENERAL).some((m) => m.ts === message.ts)).toBe(true);
  });

  it('answers the Animate shortcut through its response_url in a private channel', async ({
    world: { driver, slack },
  }) => {
    const posted = slack.userPostsMessage({ channel: SECRET, user: ALICE, text: 'no pictures here' });
    const res = await driver.messageShortcut({
      callbackId: 'animate',
      message: posted.ts,
      user: ALICE,
      channel: SECRET,
    });
    await slack.waitFor(() => slack.responses.find((r) => r.url === res.responseUrl), { timeoutMs: 5000 });
    const note = privateTo(slack, ALICE, SECRET).at(-1);
    expect(note).toMatchObject({ via: 'response_url' });
    expect(note?.text).toContain('no images to animate');
  });
});
