import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import { silentLogger } from '../../src/log.js';
import { deleteRedisPrefix, ensureRedis } from '../helpers/redis.js';

/**
 * A store written by the keyv code the state interface replaced (one keyv per namespace: `job`, `cfg`,
 * `pending`, `space`, opened exactly as src/store/keyv.ts opened them) is read by the new code, and what the
 * new code writes is read by keyv: an upgrade (or a rollback) loses no job, setting or override.
 */

type Namespace = 'job' | 'cfg' | 'pending' | 'space';

interface OldStore {
  url: string;
  keyv(namespace: Namespace): Keyv<unknown>;
  dispose(): Promise<void>;
}

const stores: Array<{ name: string; open(): Promise<OldStore> }> = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'keyv-upgrade-'));
      const path = join(dir, 'bot.sqlite');
      return {
        url: `sqlite://${path}`,
        keyv: (namespace) =>
          new Keyv<unknown>({
            store: new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 }),
            namespace,
          }),
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const url = ensureRedis();
      return {
        url,
        keyv: (namespace) => new Keyv<unknown>({ store: new KeyvRedis(url), namespace, useKeyPrefix: false }),
        async dispose() {},
      };
    },
  },
];

function jobRecord(id: string, spaceId: string): JobRecord {
  return {
    id,
    platform: 'discord',
    spaceId,
    channelId: 'c1',
    userId: 'u1',
    messageRef: { token: 't', note: ':starts with a colon' },
    request: {
      prompt: ':colon first, then words',
      seconds: 6,
      aspectRatio: '16:9',
      resolution: '720p',
      imageRefs: ['https://cdn.example/a.png'],
    },
    status: 'processing',
    reservation: 'reserved',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_500,
  };
}

describe.each(stores)('a $name store written by keyv', (backend) => {
  it('is read by the new state store, and what it writes is read by keyv', async () => {
    const old = await backend.open();
    const space = `g${randomUUID().slice(0, 8)}`;
    const jobId = `job-${randomUUID()}`;
    const opened: Keyv<unknown>[] = [];
    const keyvOf = (namespace: Namespace) => {
      const keyv = old.keyv(namespace);
      opened.push(keyv);
      return keyv;
    };
    const config = parseConfig({ STORE_URL: old.url });
    try {
      const job = keyvOf('job');
      const cfg = keyvOf('cfg');
      const pending = keyvOf('pending');
      const spaceKeyv = keyvOf('space');
      await job.set(jobId, jobRecord(jobId, space));
      await cfg.set(`quota-user:discord:${space}:u1`, 3);
      await cfg.set(`quota-default:discord:${space}`, 9);
      await spaceKeyv.set(`settings:discord:${space}`, {
        bans: [{ kind: 'word', pattern: 'dragons' }],
        channels: [{ id: 'c1', name: 'videos' }],
        defaults: { seconds: 8, aspectRatio: '9:16' },
        imagesAllowed: false,
      });
      await spaceKeyv.set(`user:discord:${space}:u1`, { notify: false });
      await pending.set(`discord:animate:${space}`, { images: [':odd', 'https://x/y.png'] }, 60_000);
      await pending.set(`seen:slack:event:${space}`, Date.now(), 60_000);
      await pending.set(`discord:animate:${space}:gone`, { images: [] }, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));

      const app = await openApp(config, silentLogger(), { needsGeneration: false });
      try {
        expect(await app.jobs.get(jobId)).toEqual(jobRecord(jobId, space));
        expect((await app.jobs.list({ spaceId: space })).map((r) => r.id)).toEqual([jobId]);
        const admin = { platform: 'discord' as const, spaceId: space, userId: 'boss', isSpaceAdmin: true };
        expect(await app.quota.status({ platform: 'discord', spaceId: space, userId: 'u1' })).toMatchObject({
          limit: 3,
          limitSource: 'user',
        });
        expect(await app.quota.status({ platform: 'discord', spaceId: space, userId: 'u2' })).toMatchObject({
          limit: 9,
          limitSource: 'space',
        });
        expect(await app.settings.get(admin)).toMatchObject({
          bans: [{ kind: 'word', pattern: 'dragons' }],
          channels: [{ id: 'c1', name: 'videos' }],
          defaults: { seconds: 8, aspectRatio: '9:16' },
          imagesAllowed: false,
        });
        expect(await app.settings.notifyEnabled('discord', space, 'u1')).toBe(false);
        expect(await app.pending.get(`discord:animate:${space}`)).toEqual({
          images: [':odd', 'https://x/y.png'],
        });
        expect(await app.pending.get(`discord:animate:${space}:gone`)).toBeUndefined();
        expect(await app.firstSeen(`slack:event:${space}`, 60_000)).toBe(false);
        expect(await app.firstSeen(`slack:event:${space}:new`, 60_000)).toBe(true);

        // And back: keyv reads what the new code writes.
        await app.jobs.update(jobId, { status: 'completed', reservation: 'committed' });
        await app.quota.setUserLimit(admin, { platform: 'discord', spaceId: space, userId: 'u1' }, 4);
        await app.settings.addBan(admin, 'krakens');
        await app.pending.set(`discord:animate:${space}:new`, { images: [':new'] }, 60_000);
        expect(await job.get(jobId)).toMatchObject({ status: 'completed', reservation: 'committed' });
        expect(await cfg.get(`quota-user:discord:${space}:u1`)).toBe(4);
        expect(await spaceKeyv.get(`settings:discord:${space}`)).toMatchObject({
          bans: [
            { kind: 'word', pattern: 'dragons' },
            { kind: 'word', pattern: 'krakens' },
          ],
        });
        expect(await pending.get(`discord:animate:${space}:new`)).toEqual({ images: [':new'] });

        await app.jobs.prune(0);
        expect(await job.get(jobId)).toBeUndefined();
      } finally {
        await app.close();
      }
    } finally {
      // Every key this test wrote has the space id in it (Redis is shared with other test files).
      if (backend.name === 'redis') {
        for (const namespace of ['job', 'cfg', 'pending', 'space']) {
          await deleteRedisPrefix(`${namespace}::${jobId}`);
          for (const middle of [
            '',
            'quota-user:discord:',
            'quota-default:discord:',
            'settings:discord:',
            'user:discord:',
            'discord:animate:',
            'seen:slack:event:',
          ])
            await deleteRedisPrefix(`${namespace}::${middle}${space}`);
        }
      }
      await Promise.all(opened.map((keyv) => keyv.disconnect()));
      await old.dispose();
    }
  });
});
