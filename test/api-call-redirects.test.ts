import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVideoApiClient, type VideoApiClient } from '../src/video-api/client.js';
import { VideoApiError } from '../src/video-api/errors.js';
import type { CreateVideoBody } from '../src/video-api/schemas.js';
import { closeServer, listen } from './emulators/http-util.js';
import { capturedLogger } from './helpers/core.js';

/**
 * An API call (a submission or a status poll) answered with a redirect is refused, not followed: a POST
 * repeated elsewhere could create a second paid job, and a 3xx from the API is no answer a client of it
 * expects. JSON submissions, multipart ones (the sibling models) and polls each travel their own way (undici's
 * request API or fetch), so each is tried. The redirect stays on the API's own host, where the key would go.
 */

let base: string;
const seen: Array<{ method: string; path: string }> = [];
const server = createServer((req: IncomingMessage, res) => {
  seen.push({ method: req.method ?? '', path: req.url ?? '' });
  req.resume();
  res.writeHead(307, { location: '/v1/elsewhere' });
  res.end();
});
let client: VideoApiClient;

beforeAll(async () => {
  base = `${await listen(server, 0, '127.0.0.1')}/v1`;
  client = createVideoApiClient({
    baseUrl: base,
    apiKey: 'test-key',
    timeoutMs: 5000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 20 },
    logger: capturedLogger(['test-key']).logger,
  });
});
afterAll(() => closeServer(server));

const submission = (model: string): CreateVideoBody => ({
  model,
  prompt: 'a lighthouse',
  seconds: '6',
  aspect_ratio: '16:9',
  resolution: '720P',
});

describe('API calls answered with a redirect', () => {
  it.each([
    ['a JSON submission', 'POST', () => client.createJob(submission('grok-imagine-video'))],
    ['a multipart submission', 'POST', () => client.createJob(submission('grok-video-3'))],
    ['a status poll', 'GET', () => client.getJob('video_1')],
  ])('refuses %s without following it', async (_what, method, call) => {
    seen.length = 0;
    const refused = expect(call()).rejects;
    await refused.toBeInstanceOf(VideoApiError);
    await refused.toThrow(/redirect|fetch failed/);
    expect(seen.some((r) => r.path.includes('elsewhere'))).toBe(false);
    // A submission is never sent twice; a poll may be retried, at the same address.
    if (method === 'POST') expect(seen).toHaveLength(1);
    for (const request of seen) expect(request.method).toBe(method);
  });
});
