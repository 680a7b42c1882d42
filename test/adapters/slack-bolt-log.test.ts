import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { boltLogger, listenerErrorFields } from '../../adapters/slack/bolt-log.js';
import { createLogger } from '../../src/log.js';
import { capturedLogger } from '../helpers/core.js';

/** Bolt's @slack/logger calls, as pino JSON lines. */

describe('boltLogger', () => {
  it('writes each level as a JSON line with module bolt, an Error as err, other values as args', () => {
    const { logger, lines } = capturedLogger(['xoxb-secret-token']);
    const bolt = boltLogger(logger);
    bolt.debug('http request url:', 'https://slack.com/api/chat.postMessage');
    bolt.info('Now connected to Slack');
    bolt.warn('http request failed', { status: 500 });
    bolt.error(new Error('An API error occurred: xoxb-secret-token is bad'));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.level, e.module, e.msg])).toEqual([
      [20, 'bolt', 'http request url: https://slack.com/api/chat.postMessage'],
      [30, 'bolt', 'Now connected to Slack'],
      [40, 'bolt', 'http request failed'],
      [50, 'bolt', 'An API error occurred: [redacted] is bad'],
    ]);
    expect(entries[2]?.args).toEqual([{ status: 500 }]);
    expect(lines.join('\n')).not.toContain('xoxb-secret-token');
  });

  it('drops the lines below LOG_LEVEL without writing them', () => {
    const written: string[] = [];
    const bolt = boltLogger(createLogger({ level: 'info', stream: { write: (line) => written.push(line) } }));
    bolt.debug('http request result:', { ok: true });
    bolt.info('Now connected to Slack');
    expect(written.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      'Now connected to Slack',
    ]);
  });

  it('reports the pino level to Bolt and leaves it to LOG_LEVEL', () => {
    const bolt = boltLogger(createLogger({ level: 'warn', stream: { write: () => undefined } }));
    expect(bolt.getLevel()).toBe(LogLevel.WARN);
    bolt.setLevel(LogLevel.DEBUG);
    expect(bolt.getLevel()).toBe(LogLevel.WARN);
  });
});

describe('listenerErrorFields', () => {
  it('names the request without logging its body', () => {
    const error = Object.assign(new Error('An API error occurred: not_in_channel'), {
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_in_channel' },
    });
    const fields = listenerErrorFields(error, {
      command: '/imagine',
      team_id: 'T1',
      user_id: 'U1',
      text: 'a private prompt',
      token: 'verification-token',
    });
    expect(fields).toMatchObject({
      code: 'slack_webapi_platform_error',
      apiError: 'not_in_channel',
      type: 'slash_command',
      command: '/imagine',
      teamId: 'T1',
      userId: 'U1',
    });
    expect(JSON.stringify(fields)).not.toMatch(/private prompt|verification-token/);
  });
});
