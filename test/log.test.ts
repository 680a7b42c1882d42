import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyChild } from '../src/log.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, stream };
}

describe('logger redaction', () => {
  const key = 'sk-live-abcdef123456';
  const dataUri = `data:image/png;base64,${'iVBORw0KGgo'.repeat(100)}`;

  it('removes keys, tokens, Authorization headers and base64 from every line', () => {
    const { lines, stream } = capture();
    const log = createLogger({ stream, secrets: [key] });
    log.info({ headers: { authorization: `Bearer ${key}` } }, 'request');
    log.info({ apiKey: key, token: 'discord-token-xyz', nested: { signingSecret: 's3cr3t' } }, 'config');
    log.warn({ body: { prompt: 'fox', image: dataUri, images: [dataUri] } }, 'body');
    log.error({ err: new Error(`upstream said: invalid key ${key}`) }, 'failed');
    log.info(`string message with ${key} and ${dataUri}`);
    log.info({ blob: 'A'.repeat(2000) }, 'bare base64');

    const all = lines.join('\n');
    expect(lines).toHaveLength(6);
    expect(all).not.toContain(key);
    expect(all).not.toContain('discord-token-xyz');
    expect(all).not.toContain('s3cr3t');
    expect(all).not.toContain('iVBORw0KGgoiVBORw0KGgo');
    expect(all).not.toContain('A'.repeat(600));
    expect(all).toContain('data:image/png;base64,[');
    expect(all).toContain('"prompt":"fox"');
    const errorLine = JSON.parse(lines[3] ?? '{}') as { err?: { message?: string } };
    expect(errorLine.err?.message).toBe('upstream said: invalid key [redacted]');
  });
});

describe('interaction tokens in URL paths', () => {
  const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6';
  const webhookPath = `/api/v10/webhooks/1100000000000000001/${token}/messages/@original`;
  const callbackPath = `/api/v10/interactions/1200000000000000002/${token}/callback`;

  it('replaces the token in webhook and interaction-callback paths wherever they turn up', () => {
    const { lines, stream } = capture();
    const log = createLogger({ stream });
    const error = Object.assign(new Error(`Unknown Webhook: PATCH https://discord.com${webhookPath}`), {
      url: `https://discord.com${callbackPath}`,
      method: 'POST',
    });
    log.error({ err: error, request: { path: webhookPath } }, 'rest call failed');
    log.warn(`retrying PATCH ${webhookPath}?wait=true`);
    log.info({ responseUrl: `https://hooks.slack.com/actions/T0001/5550001/${token}` }, 'slack reply');

    const all = lines.join('\n');
    expect(lines).toHaveLength(3);
    expect(all).not.toContain(token);
    const errorLine = JSON.parse(lines[0] ?? '{}') as {
      err?: { message?: string; url?: string };
      request?: { path?: string };
    };
    expect(errorLine.err?.message).toBe(
      'Unknown Webhook: PATCH https://discord.com/api/v10/webhooks/1100000000000000001/[redacted]/messages/@original',
    );
    expect(errorLine.err?.url).toBe(
      'https://discord.com/api/v10/interactions/1200000000000000002/[redacted]/callback',
    );
    expect(errorLine.request?.path).toBe(
      '/api/v10/webhooks/1100000000000000001/[redacted]/messages/@original',
    );
    expect(lines[1]).toContain('/webhooks/1100000000000000001/[redacted]/messages/@original?wait=true');
    expect(lines[2]).toContain('hooks.slack.com/actions/T0001/5550001/[redacted]');
  });
});

describe('lazyChild', () => {
  it('logs with its bindings, redacted like any line, and makes no child until a line is logged', () => {
    const { lines, stream } = capture();
    const parent = createLogger({ stream });
    const children = vi.spyOn(parent, 'child');
    const quiet = lazyChild(parent, { platform: 'discord', userId: 'U1' });
    expect(quiet).toBeDefined();
    expect(children).not.toHaveBeenCalled();

    const log = lazyChild(parent, { platform: 'slack', userId: 'U2', token: 'xoxb-secret-token' });
    log.info({ deliveryId: 'd1' }, 'first');
    log.warn('second');
    log.error({ err: new Error('boom') }, 'third');
    expect(children).toHaveBeenCalledTimes(1);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => [l.level, l.msg, l.platform, l.userId])).toEqual([
      [30, 'first', 'slack', 'U2'],
      [40, 'second', 'slack', 'U2'],
      [50, 'third', 'slack', 'U2'],
    ]);
    expect(parsed[0]?.deliveryId).toBe('d1');
    expect(lines.join('\n')).not.toContain('xoxb-secret-token');
  });
});
