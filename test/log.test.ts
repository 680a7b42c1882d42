import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

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
