import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createAddressGuard, RefusedAddressError, type Resolve } from '../src/video-api/address-guard.js';

/**
 * The guard on its own, with names resolving wherever a test says: what it lets a socket connect to is
 * exactly what it checked, so a name that changes its answer (DNS rebinding) is judged on each answer.
 */

function resolverOf(answers: Record<string, LookupAddress[][]>): Resolve {
  const calls = new Map<string, number>();
  return (hostname, _options, callback) => {
    const n = calls.get(hostname) ?? 0;
    calls.set(hostname, n + 1);
    const list = answers[hostname];
    const answer = list?.[Math.min(n, list.length - 1)];
    if (answer === undefined) {
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    callback(null, answer);
  };
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

function lookUp(
  guard: ReturnType<typeof createAddressGuard>,
  hostname: string,
  options: LookupOptions = { all: true },
): Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve) =>
    guard.lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

const answers = {
  'cdn.example': [[v4('93.184.216.34'), v6('2606:2800:220:1::1')]],
  'mixed.example': [[v4('93.184.216.34'), v4('10.0.0.5')]],
  'mapped.example': [[v6('::ffff:169.254.169.254')]],
  'rebind.example': [[v4('93.184.216.34')], [v4('127.0.0.1')]],
  'relay.internal': [[v4('10.1.2.3')]],
  'empty.example': [[]],
};

describe('the lookup sockets connect through', () => {
  const guard = createAddressGuard('http://relay.internal:8080/v1', resolverOf(answers));

  it('hands a public name’s checked addresses to the socket, in both callback shapes', async () => {
    expect(await lookUp(guard, 'cdn.example')).toEqual({
      error: null,
      address: answers['cdn.example'][0],
      family: undefined,
    });
    expect(await lookUp(guard, 'cdn.example', {})).toEqual({
      error: null,
      address: '93.184.216.34',
      family: 4,
    });
  });

  it.each([
    ['mixed.example', '10.0.0.5', 'private address'],
    ['mapped.example', '::ffff:169.254.169.254', 'cloud metadata address'],
  ])('refuses %s when any of its addresses is forbidden', async (name, address, reason) => {
    const { error } = await lookUp(guard, name);
    expect(error).toBeInstanceOf(RefusedAddressError);
    expect(error).toMatchObject({ host: name, address, reason });
    expect(error?.message).toBe(`${name} (resolves to ${address}): ${reason}`);
  });

  it('judges every resolution: a name that turns private on the next lookup is refused then', async () => {
    expect((await lookUp(guard, 'rebind.example')).error).toBeNull();
    expect((await lookUp(guard, 'rebind.example')).error).toBeInstanceOf(RefusedAddressError);
  });

  it('refuses a name with no address and passes DNS failures on as they are', async () => {
    expect((await lookUp(guard, 'empty.example')).error).toBeInstanceOf(RefusedAddressError);
    expect((await lookUp(guard, 'nowhere.example')).error?.code).toBe('ENOTFOUND');
  });

  it('trusts the video API’s own host at a private address', async () => {
    expect(await lookUp(guard, 'relay.internal')).toMatchObject({ error: null });
    expect(guard.isApiHost(new URL('http://relay.internal:9999/x'))).toBe(true);
  });
});

describe('URL checks', () => {
  const guard = createAddressGuard('http://127.0.0.1:4010/v1', resolverOf(answers));

  it.each([
    'http://127.0.0.2/',
    'http://[::1]:8080/',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'http://0x7f.2/',
    'http://169.254.169.254/',
    'file:///etc/passwd',
    'data:video/mp4;base64,AAAA',
    'ftp://cdn.example/video.mp4',
  ])('refuses %s without a lookup', (url) => {
    expect(() => guard.checkUrl(new URL(url))).toThrow(RefusedAddressError);
  });

  it.each([
    'http://127.0.0.1:4010/v1/videos/x/content',
    'http://127.0.0.1:5555/files/x.mp4',
    'https://8.8.8.8/x',
  ])('lets %s through (the API’s host at any port, or a public address)', (url) => {
    expect(() => guard.checkUrl(new URL(url))).not.toThrow();
  });

  it('says why a link may not be shown, DNS included', async () => {
    expect(await guard.refusal(new URL('https://cdn.example/v.mp4'))).toBeUndefined();
    expect(await guard.refusal(new URL('http://127.0.0.1:5555/files/x.mp4'))).toBeUndefined();
    expect((await guard.refusal(new URL('https://mixed.example/v.mp4')))?.address).toBe('10.0.0.5');
    expect((await guard.refusal(new URL('http://[fd00:ec2::254]/')))?.reason).toBe('cloud metadata address');
    expect((await guard.refusal(new URL('https://nowhere.example/v.mp4')))?.reason).toMatch(
      /does not resolve/,
    );
  });
});
