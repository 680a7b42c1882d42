import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInternalService, type InternalService } from '../helpers/internal-service.js';
import { posts, startFaultBot, type FaultBot } from './harness.js';

/**
 * The video API misbehaving under the running bot: an outage of 500s (FAULT_OUTAGE_MS, default the real
 * 30 s) and a hang. Users must end up with their videos or a refund and a reason, never a second paid job.
 */
const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_MS ?? 30_000);

let bot: FaultBot;
beforeAll(async () => {
  bot = await startFaultBot({ generationMs: 2000, users: 8 });
});
afterAll(() => bot.close());

const used = async (userId: string) =>
  (await bot.app.quota.status({ platform: 'discord', spaceId: bot.guildId, userId })).used;

function imagine(userIndex: number, prompt: string) {
  const user = bot.users[userIndex];
  if (!user) throw new Error('no such user');
  return bot.discord.slashCommand({
    channelId: bot.channelId,
    guildId: bot.guildId,
    user,
    name: 'imagine',
    options: [{ name: 'prompt', value: prompt }],
  });
}

describe(`video API returns 500s for ${OUTAGE_MS / 1000} s, then recovers`, () => {
  it(
    'finishes every submitted job once, tells users it is slow, and refunds what could not be sent',
    async () => {
      bot.video.reset();
      const handles = await Promise.all([0, 1, 2, 3].map((i) => imagine(i, `outage job ${i}`)));
      await bot.discord.waitFor(() => bot.video.jobs.size === 4, 10_000);
      bot.video.configure({ errorBurst: { status: 500, count: 1_000_000 } });
      const outageStarted = Date.now();

      // A command during the outage: its POST gets a 500, which may or may not have created a job upstream,
      // so the client does not retry it (no second paid job); the user gets the reason and the refund.
      const during = await imagine(4, 'submitted during the outage');
      const refused = await during.waitForOriginal((m) => m.content.startsWith('❌'), 20_000);
      expect(refused.content).toMatch(/video service/i);

      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
      bot.video.configure({ errorBurst: undefined });

      const finals = await Promise.all(
        handles.map((h) => h.waitForOriginal((m) => m.attachments.length > 0, 30_000)),
      );
      for (const final of finals) expect(final.attachments[0]?.bytes).toEqual(bot.video.mp4);
      // Every job was created exactly once upstream, and each user saw exactly one delivery.
      expect(bot.video.jobs.size).toBe(4);
      expect(posts(bot.video).filter((r) => r.status === 200)).toHaveLength(4);
      for (const handle of handles) {
        expect(handle.edits().filter((v) => v.attachments.length > 0).length).toBeGreaterThanOrEqual(1);
        const uploads = bot.discord.requests.filter(
          (r) => r.path.includes(handle.token) && r.method === 'PATCH' && r.files.length > 0,
        );
        expect(uploads).toHaveLength(1);
      }
      if (OUTAGE_MS >= 12_000) {
        // The runner reports "delayed" after 10 s of failed polls; the adapter shows it.
        for (const handle of handles) {
          expect(handle.edits().some((v) => v.content.includes('slow to answer'))).toBe(true);
        }
      }
      for (const i of [0, 1, 2, 3]) expect(await used(bot.users[i]?.id ?? '')).toBe(1);
      expect(await used(bot.users[4]?.id ?? '')).toBe(0);
    },
    OUTAGE_MS + 90_000,
  );
});

describe('video API hangs', () => {
  it('times out a hanging POST and a job whose polls hang, refunding both with a reason', async () => {
    const hung = await startFaultBot({
      generationMs: 60_000,
      users: 2,
      env: { VIDEO_API_TIMEOUT_MS: '1000', VIDEO_API_MAX_RETRIES: '1' },
      jobTimeoutMs: 6000,
    });
    try {
      const [alice, bob] = hung.users;
      if (!alice || !bob) throw new Error('users');
      const send = (user: { id: string; username: string }, prompt: string) =>
        hung.discord.slashCommand({
          channelId: hung.channelId,
          guildId: hung.guildId,
          user,
          name: 'imagine',
          options: [{ name: 'prompt', value: prompt }],
        });
      // Bob's job is submitted, then the API stops answering while it is polled.
      const running = await send(bob, 'submitted before the hang');
      await hung.discord.waitFor(() => hung.video.jobs.size === 1, 10_000);
      hung.video.configure({ hang: true });
      // Alice's POST hangs: after the 1 s timeout the answer is lost, so it is never retried.
      const lost = await send(alice, 'sent into the hang');

      const lostFinal = await lost.waitForOriginal((m) => m.content.startsWith('❌'), 20_000);
      expect(lostFinal.content.length).toBeGreaterThan(2);
      const runningFinal = await running.waitForOriginal((m) => m.content.startsWith('❌'), 30_000);
      expect(runningFinal.content).toContain('was not ready after');
      hung.video.configure({ hang: false });

      const status = (userId: string) =>
        hung.app.quota.status({ platform: 'discord', spaceId: hung.guildId, userId });
      expect((await status(alice.id)).used).toBe(0);
      expect((await status(bob.id)).used).toBe(0);
      // One POST for Alice (hung, not retried) and one for Bob: no duplicate paid jobs.
      expect(posts(hung.video)).toHaveLength(2);
      const records = await hung.app.jobs.list({});
      expect(records.map((r) => r.reservation)).toEqual(['refunded', 'refunded']);
      expect(records.map((r) => r.status).sort()).toEqual(['failed', 'timeout']);
    } finally {
      await hung.close();
    }
  }, 60_000);
});

describe('the video API loses a finished video', () => {
  it.each([
    ['/content', 'a lost file'],
    ['/content and the foreign video_url', '[emu:foreign] a lost file'],
  ])(
    'a 404 from %s after completion is an upstream error: the user is told and refunded',
    async (_where, prompt) => {
      bot.video.reset();
      bot.video.configure({ filesGone: true });
      const logsBefore = bot.logLines.length;
      try {
        const user = bot.users[5];
        if (!user) throw new Error('no such user');
        const handle = await imagine(5, prompt);
        const final = await handle.waitForOriginal((m) => m.content.startsWith('❌'), 20_000);
        expect(final.content).toContain('could not be fetched');
        expect(final.content).not.toMatch(/misconfigured/i);
        expect(await used(user.id)).toBe(0);
        const [record] = await bot.app.jobs.list({ userId: user.id }, 1);
        expect(record?.reservation).toBe('refunded');

        const logs = bot.logLines.slice(logsBefore).join('\n');
        expect(logs).toContain('upstream error');
        expect(logs).not.toContain('VIDEO_API_BASE_URL');
        expect(logs).not.toContain('"level":50');
      } finally {
        bot.video.configure({ filesGone: undefined });
      }
    },
    40_000,
  );
});

describe('the video API points the download inside the network, or at something that is not a video', () => {
  const SECRET = 'db_password=hunter2';
  /** On 127.0.0.2; the API is on 127.0.0.1, the one host the guard trusts. */
  let internal: InternalService;
  /** On 127.0.0.1, reached by the name `localhost`: a name is judged by what it resolves to. */
  let byName: InternalService;
  beforeAll(async () => {
    const body = Buffer.from(`INTERNAL ONLY: ${SECRET}\n`);
    internal = await startInternalService({ body });
    byName = await startInternalService({ host: '127.0.0.1', body });
  });
  afterAll(async () => {
    await Promise.all([internal.close(), byName.close()]);
  });

  it.each([
    {
      what: 'a /content redirect to a loopback address',
      prompt: 'redirected inside',
      faults: () => ({ contentRedirect: `${internal.origin}/latest/meta-data/` }),
      refused: '127.0.0.2',
    },
    {
      what: 'an off-origin video_url whose name resolves to loopback',
      prompt: '[emu:no-content] named inside',
      faults: () => ({ videoUrl: `http://localhost:${byName.port}/admin/export` }),
      refused: 'localhost (resolves to 127.0.0.1)',
    },
    {
      what: 'a file from the API itself that is not a video',
      prompt: 'not a video',
      faults: () => ({ fileBody: Buffer.from(`INTERNAL ONLY: ${SECRET}\n`) }),
      refused: 'is not an MP4',
    },
  ])(
    '$what: nothing of it reaches chat; the user is told it could not be fetched and refunded',
    async ({ prompt, faults, refused }) => {
      bot.video.reset();
      bot.video.configure(faults());
      internal.requests.length = 0;
      byName.requests.length = 0;
      const logsBefore = bot.logLines.length;
      const requestsBefore = bot.discord.requests.length;
      try {
        const user = bot.users[6];
        if (!user) throw new Error('no such user');
        const handle = await imagine(6, prompt);
        const final = await handle.waitForOriginal(
          (m) => m.content.startsWith('❌') || m.attachments.length > 0,
          20_000,
        );
        expect(handle.edits().every((v) => v.attachments.length === 0)).toBe(true);
        expect(final.content).toContain('could not be fetched');
        expect(internal.requests).toHaveLength(0);
        expect(byName.requests).toHaveLength(0);
        // Whatever the bot sent Discord: no file, no secret, no internal address.
        for (const request of bot.discord.requests.slice(requestsBefore)) {
          expect(request.files).toHaveLength(0);
          const sent = JSON.stringify(request.body ?? '');
          expect(sent).not.toContain(SECRET);
          expect(sent).not.toContain(`:${internal.port}`);
          expect(sent).not.toContain(`:${byName.port}`);
        }
        expect(await used(user.id)).toBe(0);
        const [record] = await bot.app.jobs.list({ userId: user.id }, 1);
        expect(record?.reservation).toBe('refunded');

        const logs = bot.logLines.slice(logsBefore).join('\n');
        expect(logs).toContain('upstream error');
        expect(logs).toContain(refused);
        expect(logs).not.toContain(SECRET);
        expect(logs).not.toContain('"level":50');
      } finally {
        bot.video.reset();
      }
    },
    40_000,
  );
});
