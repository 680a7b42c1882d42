import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createUserLookup } from '../../adapters/slack/users.js';

/** users.info as the bot sees it: admin rights count only for members of the workspace asking. */

interface FakeUser {
  team_id?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  deleted?: boolean;
  locale?: string;
}

function clientWith(users: Record<string, FakeUser>) {
  const calls: string[] = [];
  const client = {
    users: {
      info: ({ user, include_locale }: { user: string; include_locale?: boolean }) => {
        calls.push(user);
        const found = users[user];
        // As Slack: the locale only for a caller that asks for it.
        const { locale, ...rest } = found ?? {};
        return found
          ? Promise.resolve({ ok: true, user: { id: user, ...rest, ...(include_locale ? { locale } : {}) } })
          : Promise.reject(new Error('user_not_found'));
      },
    },
  } as unknown as App['client'];
  return { client, calls };
}

describe('createUserLookup', () => {
  it('counts an admin or owner of this team as admin', async () => {
    const { client } = clientWith({
      UA: { team_id: 'T1', is_admin: true },
      UO: { team_id: 'T1', is_owner: true },
    });
    const lookup = createUserLookup(client);
    expect(await lookup('UA', 'T1')).toEqual(expect.objectContaining({ admin: true, inTeam: true }));
    expect(await lookup('UO', 'T1')).toEqual(expect.objectContaining({ admin: true, inTeam: true }));
  });

  it('never counts an admin or owner of another team (Slack Connect) as admin here', async () => {
    const { client } = clientWith({ UX: { team_id: 'T2', is_admin: true, is_owner: true } });
    const lookup = createUserLookup(client);
    expect(await lookup('UX', 'T1')).toEqual(expect.objectContaining({ admin: false, inTeam: false }));
    expect(await lookup('UX', 'T2')).toEqual(expect.objectContaining({ admin: true, inTeam: true }));
  });

  it('asks users.info for the user’s locale', async () => {
    const { client } = clientWith({ UZ: { team_id: 'T1', locale: 'zh-CN' } });
    expect((await createUserLookup(client)('UZ', 'T1')).locale).toBe('zh-CN');
  });

  it('trusts the flags when users.info gives no team', async () => {
    const { client } = clientWith({ UA: { is_admin: true } });
    expect((await createUserLookup(client)('UA', 'T1')).admin).toBe(true);
  });

  it('does not count a deactivated admin', async () => {
    const { client } = clientWith({ UD: { team_id: 'T1', is_admin: true, deleted: true } });
    expect((await createUserLookup(client)('UD', 'T1')).admin).toBe(false);
  });

  it('caches per team and user, so one team never answers for another', async () => {
    const { client, calls } = clientWith({ UX: { team_id: 'T2', is_admin: true } });
    const lookup = createUserLookup(client);
    expect((await lookup('UX', 'T2')).admin).toBe(true);
    expect((await lookup('UX', 'T1')).admin).toBe(false);
    expect((await lookup('UX', 'T2')).admin).toBe(true);
    expect(calls).toEqual(['UX', 'UX']);
  });

  it('is no admin when users.info fails', async () => {
    const { client } = clientWith({});
    expect(await createUserLookup(client)('UZ', 'T1')).toEqual({ admin: false, inTeam: false });
  });
});
