import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPrivateAnswers } from '../../adapters/slack/private-answer.js';
import { createSlackReply, type SlackMessageRef } from '../../adapters/slack/reply.js';
import type { JobRecord } from '../../src/port.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/server.js';
import { capturedLogger } from '../helpers/core.js';

/**
 * A process killed between Slack taking a post and the store saving its ts (CI caught it: two instances on
 * one Redis, one killed with SIGKILL, and a channel with two progress messages for one job). Each test plays
 * the first process up to the save it would not have made, then a second process from what the store kept:
 * the job's messages stay one progress message, then one video and one buttons message.
 */

const ALICE = 'U0ALICE';
const CHANNEL = 'C0GENERAL';

let emu: SlackEmulator;
let app: App;
let dir: string;

beforeAll(async () => {
  emu = await startSlackEmulator({
    users: [{ id: ALICE, name: 'alice' }],
    conversations: [{ id: CHANNEL, name: 'general' }],
  });
  app = new App({
    token: emu.botToken,
    signingSecret: emu.signingSecret,
    tokenVerificationEnabled: false,
    botId: emu.identity.botId,
    botUserId: emu.identity.botUserId,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
  });
  dir = await mkdtemp(join(tmpdir(), 'crash-window-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => emu.reset());

const record: JobRecord = {
  id: 'job-crash-1',
  platform: 'slack',
  spaceId: 'T0',
  channelId: CHANNEL,
  userId: ALICE,
  messageRef: undefined,
  request: { prompt: 'a lighthouse', seconds: 6, aspectRatio: '16:9', resolution: '480P', imageRefs: [] },
  status: 'waiting',
  reservation: 'reserved',
  createdAt: Date.now(),
  updatedAt: Date.now(),
};

/** One process's reply; every ref it saves is copied into `saves`, as the store would hold it. */
function processReply(ref: SlackMessageRef, saves: SlackMessageRef[]) {
  return createSlackReply(structuredClone(ref), {
    client: app.client,
    logger: capturedLogger().logger,
    refChanged: async (_jobId, changed) => {
      saves.push(structuredClone(changed));
    },
    maxUploadBytes: 50 * 1024 * 1024,
    updateIntervalMs: 10,
    answers: createPrivateAnswers({ client: app.client, logger: capturedLogger().logger }),
    botName: async () => 'video-bot',
  });
}

const freshRef = (): SlackMessageRef => ({ kind: 'slack', teamId: 'T0', channel: CHANNEL, userId: ALICE });

const botPosts = () =>
  emu
    .messagesIn(CHANNEL, { includeDeleted: true })
    .filter((m) => m.user === emu.identity.botUserId && m.via === 'chat.postMessage');

async function video() {
  const path = join(dir, `v-${Math.random()}.mp4`);
  const bytes = Buffer.from('....ftypisom fake video bytes');
  await writeFile(path, bytes);
  return {
    path,
    bytes: bytes.length,
    contentType: 'video/mp4',
    source: 'content' as const,
    publicUrl: undefined,
    cleanup: async () => undefined,
  };
}

describe('Slack: a process killed mid-post', () => {
  it('after its first post, before saving the ts: the next process edits that message, posts none', async () => {
    const firstSaves: SlackMessageRef[] = [];
    await processReply(freshRef(), firstSaves).ready?.(record);
    expect(botPosts()).toHaveLength(1);
    // Killed before the save that carries the ts: the store has only what was saved before posting.
    const kept = firstSaves.find((s) => s.ts === undefined);
    expect(kept, 'a save before the post').toBeDefined();

    const secondSaves: SlackMessageRef[] = [];
    await processReply(kept!, secondSaves).ready?.(record);
    const posts = botPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.revisions.length, 'the first message, edited by the second process').toBe(2);
    expect(secondSaves.at(-1)?.ts).toBe(posts[0]!.ts);
  });

  it('after posting the buttons, before saving: the next process keeps those buttons and posts none', async () => {
    const firstSaves: SlackMessageRef[] = [];
    const first = processReply(freshRef(), firstSaves);
    await first.ready?.(record);
    await first.deliver(await video(), record);
    const buttons = () =>
      botPosts().filter((m) => !m.deleted && JSON.stringify(m.blocks).includes(record.id));
    expect(buttons()).toHaveLength(1);
    // Killed after the buttons were posted, before the ref naming them was saved: the last save before it has
    // the uploaded file (so the resumed delivery does not upload again) and the progress message's ts.
    const kept = firstSaves.findLast((s) => s.fileId !== undefined && s.ts !== buttons()[0]!.ts);
    expect(kept).toBeDefined();

    const secondSaves: SlackMessageRef[] = [];
    await processReply(kept!, secondSaves).deliver(await video(), record);
    expect(buttons()).toHaveLength(1);
    expect(secondSaves.at(-1)?.ts).toBe(buttons()[0]!.ts);
    expect(emu.messagesIn(CHANNEL).filter((m) => m.via === 'files.completeUploadExternal')).toHaveLength(1);
  });

  it('after saving the buttons: a delivery tried again keeps them (it does not delete them as progress)', async () => {
    const firstSaves: SlackMessageRef[] = [];
    const first = processReply(freshRef(), firstSaves);
    await first.ready?.(record);
    await first.deliver(await video(), record);
    const kept = firstSaves.at(-1)!;
    await processReply(kept, []).deliver(await video(), record);
    const live = botPosts().filter((m) => !m.deleted);
    expect(live.map((m) => m.ts)).toEqual([kept.ts]);
  });
});
