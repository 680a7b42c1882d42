import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/translate.js';
import { allowedFileOrigins, createSlackImageFetcher } from '../../adapters/slack/images.js';

/** The url_private fetcher against local servers: one standing in for Slack (SLACK_API_URL), one foreign. */

const TOKEN = 'xoxb-test-token';
let slackish: Server;
let foreign: Server;
let slackOrigin: string;
let foreignOrigin: string;
const seen: Array<{ server: string; url: string; headers: IncomingHttpHeaders }> = [];
let streamedBytes = 0;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  slackish = createServer((req, res) => {
    seen.push({ server: 'slack', url: req.url ?? '', headers: req.headers });
    switch (req.url) {
      case '/ok.png':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': '4' });
        res.end(Buffer.from([1, 2, 3, 4]));
        return;
      case '/hop':
        res.writeHead(302, { Location: '/ok.png' });
        res.end();
        return;
      case '/away':
        res.writeHead(301, { Location: `${foreignOrigin}/x.png` });
        res.end();
        return;
      case '/declared-huge':
        // Declares 50 MB and sends a little: the fetcher must give up on the header alone.
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(50 * 1024 * 1024) });
        res.write(Buffer.alloc(1024));
        return;
      case '/endless': {
        // No Content-Length: the count while streaming is what stops it.
        res.writeHead(200, { 'Content-Type': 'image/png' });
        const timer = setInterval(() => {
          if (res.destroyed) return clearInterval(timer);
          streamedBytes += 16 * 1024;
          res.write(Buffer.alloc(16 * 1024));
        }, 2);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/signin':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<html>sign in</html>');
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  foreign = createServer((req, res) => {
    seen.push({ server: 'foreign', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(Buffer.alloc(4));
  });
  slackOrigin = await listen(slackish);
  foreignOrigin = await listen(foreign);
});

afterAll(async () => {
  slackish.closeAllConnections();
  await new Promise((resolve) => slackish.close(resolve));
  await new Promise((resolve) => foreign.close(resolve));
});

const fetcher = () => createSlackImageFetcher({ botToken: TOKEN, apiUrl: `${slackOrigin}/api/` });
const image = (path: string, origin = slackOrigin) => ({ url: `${origin}${path}`, name: path.slice(1) });

describe('Slack url_private fetcher', () => {
  it('allows Slack’s file hosts and the API host, nothing else', () => {
    const allowed = allowedFileOrigins('https://slack.com/api/');
    expect([...allowed]).toEqual(
      expect.arrayContaining(['https://files.slack.com', 'https://slack-files.com', 'https://slack.com']),
    );
    expect(allowed.has('http://files.slack.com')).toBe(false);
    expect(allowed.has('https://files.slack.com.evil.example')).toBe(false);
  });

  it('downloads with the bot token and follows a redirect that stays on an allowed host', async () => {
    seen.length = 0;
    expect([...(await fetcher()(image('/hop'), 1024))]).toEqual([1, 2, 3, 4]);
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ['/hop', `Bearer ${TOKEN}`],
      ['/ok.png', `Bearer ${TOKEN}`],
    ]);
  });

  it('never contacts a foreign host, directly or through a redirect', async () => {
    seen.length = 0;
    await expect(fetcher()(image('/x.png', foreignOrigin), 1024)).rejects.toThrow(/not stored on Slack/);
    await expect(fetcher()(image('/away'), 1024)).rejects.toMatchObject({
      kind: 'invalid_input',
      userMessage: expect.stringContaining('not stored on Slack’s file servers'),
    });
    expect(seen.filter((s) => s.server === 'foreign')).toEqual([]);
    await expect(
      fetcher()({ url: `http://user:pw@${new URL(slackOrigin).host}/ok.png`, name: 'creds' }, 1024),
    ).rejects.toThrow(/not stored on Slack/);
  });

  it('refuses an oversize file by its declared size, its Content-Length, or the bytes streamed', async () => {
    await expect(fetcher()({ ...image('/ok.png'), size: 5000 }, 1024)).rejects.toThrow(/the limit is 1 KB/);
    const started = Date.now();
    await expect(fetcher()(image('/declared-huge'), 1024 * 1024)).rejects.toThrow(
      /is 50 MB; the limit is 1 MB/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(fetcher()(image('/endless'), 256 * 1024)).rejects.toThrow(/larger than the 256 KB limit/);
    expect(streamedBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('says what went wrong for a missing file and for Slack’s sign-in page', async () => {
    await expect(fetcher()(image('/gone.png'), 1024)).rejects.toThrow(/cannot open “gone.png”/);
    await expect(fetcher()(image('/signin'), 1024)).rejects.toThrow(/would not let the bot download/);
  });

  it('refuses in the language it is handed (the job’s)', async () => {
    const zh = translator('zh-CN');
    await expect(fetcher()(image('/gone.png'), 1024, zh)).rejects.toThrow(/Slack 上的“gone.png”打不开/);
    await expect(fetcher()({ ...image('/ok.png'), size: 5000 }, 1024, zh)).rejects.toThrow(
      /“ok.png”大小为 .+，超过了 1 KB 的上限。/,
    );
    await expect(fetcher()(image('/x.png', foreignOrigin), 1024, zh)).rejects.toThrow(
      /不在 Slack 的文件服务器上/,
    );
  });
});
