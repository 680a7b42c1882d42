import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/translate.js';
import { createDiscordImageFetcher } from '../../adapters/discord/images.js';
import { InvalidInputError } from '../../src/port.js';

/** Which URLs the Discord image fetcher agrees to download: Discord's own hosts and the API origin only. */

const API = 'http://127.0.0.1:4010/api';

function fetcher() {
  const fetched: string[] = [];
  const fakeFetch = ((input: URL | string) => {
    fetched.push(String(input));
    return Promise.resolve(new Response(new Uint8Array([1, 2, 3])));
  }) as typeof fetch;
  return { fetchImage: createDiscordImageFetcher(API, fakeFetch), fetched };
}

const accepted = [
  'https://cdn.discordapp.com/attachments/1/2/cat.png?ex=1&is=2&hm=3',
  'https://media.discordapp.net/attachments/1/2/cat.png?width=200',
  'https://images-ext-1.discordapp.net/external/abc/https/example.com/cat.png',
  'https://images-ext-2.discordapp.net/external/abc/%3Fwidth%3D10/https/example.com/cat.png',
  'https://IMAGES-EXT-1.DISCORDAPP.NET/external/abc/https/example.com/cat.png',
  'http://127.0.0.1:4010/attachments/1/2/cat.png',
];

const refused = [
  'https://images-ext-1.discordapp.net.evil.com/external/abc/cat.png',
  'https://evil.com/images-ext-1.discordapp.net/cat.png',
  'https://evil.com/?host=cdn.discordapp.com',
  'https://images-ext-1.discordapp.net@evil.com/cat.png',
  'https://evil.com@images-ext-1.discordapp.net/cat.png',
  'https://user:pass@cdn.discordapp.com/cat.png',
  'http://images-ext-1.discordapp.net/external/abc/cat.png',
  'http://cdn.discordapp.com/attachments/1/2/cat.png',
  'http://media.discordapp.net/attachments/1/2/cat.png',
  'https://images-ext-1.discordapp.net:8443/external/abc/cat.png',
  'https://images-ext-.discordapp.net/cat.png',
  'https://images-ext-x.discordapp.net/cat.png',
  'https://images-ext-1.discordapp.com/cat.png',
  'https://evilimages-ext-1.discordapp.net/cat.png',
  'https://images-ext-1.discordapp.net./cat.png',
  'https://a.images-ext-1.discordapp.net/cat.png',
  'https://discordapp.net/cat.png',
  'https://cdn.discordapp.com.evil.com/cat.png',
  'https://example.com/cat.png',
  'https://127.0.0.1:4010/attachments/1/2/cat.png',
  'http://127.0.0.1:4011/attachments/1/2/cat.png',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  'data:image/png;base64,AAAA',
  'not a url',
];

describe('the Discord image fetcher’s hosts', () => {
  it.each(accepted)('fetches %s', async (url) => {
    const { fetchImage, fetched } = fetcher();
    expect([...(await fetchImage({ url, name: 'cat.png' }, 1024))]).toEqual([1, 2, 3]);
    expect(fetched).toHaveLength(1);
  });

  it.each(refused)('refuses %s without a request', async (url) => {
    const { fetchImage, fetched } = fetcher();
    const result = fetchImage({ url, name: 'cat.png' }, 1024);
    await expect(result).rejects.toBeInstanceOf(InvalidInputError);
    await expect(result).rejects.toMatchObject({
      userMessage: expect.stringContaining('not a Discord attachment'),
    });
    expect(fetched).toEqual([]);
  });

  it('refuses in the language it is handed (the job’s)', async () => {
    const { fetchImage } = fetcher();
    await expect(
      fetchImage({ url: 'https://example.com/cat.png', name: 'cat.png' }, 1024, translator('zh-CN')),
    ).rejects.toMatchObject({ userMessage: '“cat.png”不是 Discord 附件，机器人不会下载它。' });
  });

  it('refuses an image with no URL', async () => {
    const { fetchImage, fetched } = fetcher();
    await expect(fetchImage({ name: 'cat.png' }, 1024)).rejects.toBeInstanceOf(InvalidInputError);
    expect(fetched).toEqual([]);
  });
});
