import { describe, expect, it } from 'vitest';
import { progressContent } from '../../adapters/discord/render.js';
import { progressText } from '../../adapters/slack/render.js';
import { BotError } from '../../src/errors.js';
import { endView, progressView, recordTranslator } from '../../src/generation/progress-view.js';
import type { JobRecord } from '../../src/jobs/job-store.js';
import { translator } from '../../src/i18n/translate.js';

/** The job's vocabulary in each language, and the record's language choosing it (a resumed job keeps it). */

const zh = translator('zh-CN');
const en = translator('en');

function record(language?: JobRecord['language']): JobRecord {
  return {
    id: 'job_1',
    platform: 'discord',
    spaceId: 'g1',
    channelId: 'c1',
    userId: 'u1',
    messageRef: undefined,
    request: { prompt: 'a fox', seconds: 6, aspectRatio: '16:9', resolution: '720P', imageRefs: [] },
    status: 'queued',
    reservation: 'refunded',
    createdAt: 0,
    updatedAt: 0,
    ...(language ? { language } : {}),
  };
}

describe('progress vocabulary', () => {
  it('says the place in line and the wait in the translator’s language', () => {
    const waiting = { type: 'waiting', elapsedMs: 3000, position: 3, etaMs: 42_000 } as const;
    expect(progressView(waiting, en).detail).toBe('3 ahead · starts in about 40 s');
    expect(progressView(waiting, zh).detail).toBe('前面还有 3 个 · 大约 40 秒后开始');
    const next = { type: 'waiting', elapsedMs: 0, position: 0, etaMs: 200_000 } as const;
    expect(progressView(next, en).detail).toBe('next in line · starts in about 3 min');
    expect(progressView(next, zh).detail).toBe('下一个就轮到你 · 大约 3 分钟后开始');
    const slow = { type: 'delayed', jobId: 'x', reason: 'timeout', elapsedMs: 1000 } as const;
    expect(progressView(slow, zh).detail).toBe('视频服务响应较慢，仍在等待');
  });

  it('tells a refunded end it did not count, in the language', () => {
    const error = new BotError('job_failed', 'x', { userMessage: 'The video service failed.' });
    expect(endView(error, record(), zh).text).toBe('The video service failed. 本次不计入你的额度。');
    expect(endView(error, record(), en).text).toBe(
      'The video service failed. It did not count against your quota.',
    );
  });

  it('renders a job in its record’s language on both platforms; a record without one in English', () => {
    const event = {
      type: 'progress',
      jobId: 'x',
      status: 'processing',
      progress: 40,
      elapsedMs: 12_000,
    } as const;
    expect(recordTranslator(record()).language).toBe('en');
    expect(progressContent(event, record('zh-CN'))).toMatch(/^🎬 \*\*生成中\*\* · 40% · 0:12\n/);
    expect(progressText(event, record('zh-CN'))).toMatch(/^:clapper: \*生成中\* · 40% · 0:12\n/);
    expect(progressContent(event, record())).toMatch(/^🎬 \*\*Generating\*\* · 40% · 0:12\n/);
  });
});
