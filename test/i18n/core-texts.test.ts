import { describe, expect, it } from 'vitest';
import { BotError, InvalidInputError } from '../../src/errors.js';
import { checkDeclaredImageType } from '../../src/generation/images.js';
import { normalizeModelSize, normalizePrompt, normalizeTierSeconds } from '../../src/generation/options.js';
import { endView } from '../../src/generation/progress-view.js';
import { translator } from '../../src/i18n/translate.js';
import { describeModel } from '../../src/video-api/models.js';
import { VideoTooLargeError } from '../../src/video-api/download.js';

/**
 * The core's refusals (src/): a service names its text; the reader's translator says it. English stays as it
 * was (the log, the CLI, the existing tests); a zh-CN reader gets Chinese with the placeholders filled.
 */

const zh = translator('zh-CN');
const en = translator('en');
const HAN = /[\u4e00-\u9fff]/;

function thrown(run: () => unknown): BotError {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('errors and generation refusals in the reader’s language', () => {
  it('says a prompt is too long in Chinese, with both numbers formatted', () => {
    const error = thrown(() => normalizePrompt('x'.repeat(4310), 4096));
    expect(error.userMessage).toBe('Your prompt is 4,310 characters; the limit is 4,096.');
    const said = error.userMessageIn(zh);
    expect(said).toMatch(HAN);
    expect(said).toContain('4,310');
    expect(said).toContain('4,096');
    expect(said).not.toMatch(/[{}]/);
  });

  it('says a model’s rule in Chinese, its tiers and sizes listed the Chinese way', () => {
    const tiers = thrown(() => normalizeTierSeconds('12', describeModel('grok-video-3')));
    expect(tiers.userMessage).toBe(
      'grok-video-3 makes 10 s (Pro) or 15 s (Max) videos; “12” is not one of them.',
    );
    expect(tiers.userMessageIn(zh)).toBe(
      'grok-video-3 的视频时长只能是 10 秒（Pro）或15 秒（Max），“12”不在其中。',
    );
    const size = thrown(() => normalizeModelSize('4K', '720P', describeModel('grok-imagine-video')));
    expect(size.userMessageIn(zh)).toMatch(/^分辨率只能是 480P或720P，“4K”不在其中。$/);
  });

  it('says a file is not an image in Chinese, naming the file', () => {
    const error = thrown(() => checkDeclaredImageType({ name: 'notes.pdf', contentType: 'application/pdf' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.userMessage).toBe('“notes.pdf” is not a PNG, JPEG, WebP or GIF image.');
    expect(error.userMessageIn(zh)).toBe('“notes.pdf” 不是 PNG、JPEG、WebP 或 GIF 图片。');
  });

  it('localized(tr) keeps the class, kind and log message and changes only what the user reads', () => {
    const error = new VideoTooLargeError(40 * 1024 * 1024, 25 * 1024 * 1024, undefined);
    const zhError = error.localized(zh);
    expect(zhError).toBeInstanceOf(VideoTooLargeError);
    expect(zhError.kind).toBe('too_large');
    expect(zhError.message).toBe(error.message);
    expect(zhError.maxBytes).toBe(error.maxBytes);
    expect(zhError.userMessage).toBe('生成的视频有 40 MB，超过了本机器人 25 MB 的上限。');
    expect(error.userMessage).toBe("The finished video is 40.0 MB, larger than this bot's limit of 25.0 MB.");
    expect(error.localized(en)).toBe(error);
  });

  it('gives each kind a Chinese default, and leaves a finished string as it is', () => {
    expect(new BotError('quota_exceeded', 'x').userMessageIn(zh)).toBe('你的视频额度已用完。');
    expect(new BotError('forbidden', 'x', { userMessage: 'as given' }).localized(zh).userMessage).toBe(
      'as given',
    );
  });

  it('says a job’s end in the record’s language, ending the provider’s reason with a Chinese full stop', () => {
    const error = new BotError('job_failed', 'upstream', {
      userMessage: { key: 'core.job.failedWithReason', values: { reason: 'Content policy violation' } },
    });
    const view = endView(error, { reservation: 'committed' }, zh);
    expect(view.text).toBe('视频生成失败：Content policy violation。');
  });
});
