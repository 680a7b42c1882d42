import { describe, expect, it } from 'vitest';
import { BotError, InvalidInputError } from '../../src/errors.js';
import { checkDeclaredImageType } from '../../src/generation/images.js';
import { normalizeModelSize, normalizePrompt, normalizeTierSeconds } from '../../src/generation/options.js';
import { endView, settingsLine } from '../../src/generation/progress-view.js';
import { formatByteSize, formatCount, formatResetTime } from '../../src/util/format.js';
import { translator } from '../../src/i18n/translate.js';
import { describeModel } from '../../src/video-api/models.js';
import { VideoTooLargeError } from '../../src/video-api/download.js';
import { parseConfig } from '../../src/config.js';
import { createMemoryLedger } from '../../src/quota/ledger-memory.js';
import { createQuotaService, describeQuota, type QuotaSubject } from '../../src/quota/quota.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { tooManyJobs } from '../../src/jobs/scheduler.js';
import { CancelRequest, cancelledError } from '../../src/jobs/cancellation.js';
import { capturedLogger } from '../helpers/core.js';
import { NotAVideoError } from '../../src/video/probe.js';
import { JoinTooLargeError } from '../../src/video/join.js';
import { chooseModel } from '../../src/settings/space-models.js';
import { parseBanPattern } from '../../src/settings/ban-rules.js';
import { describeSettings, type SpaceSettings } from '../../src/settings/space-settings.js';

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

describe('quota and jobs refusals in the reader’s language', () => {
  function quotaWith(env: Record<string, string>) {
    const config = parseConfig(env);
    const now = (): number => Date.UTC(2026, 10, 25, 12, 0);
    return createQuotaService({
      ledger: createMemoryLedger(now),
      state: createMemoryState(),
      config: config.quota,
      ownerIds: config.ownerIds,
      logger: capturedLogger().logger,
      now,
    });
  }
  const alice: QuotaSubject = { platform: 'discord', spaceId: 'guild1', userId: 'alice' };

  async function refusal(promise: Promise<unknown>): Promise<BotError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof BotError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('says what a video costs, what is left and when it resets, in Chinese', async () => {
    const quota = quotaWith({
      QUOTA_UNIT: 'credits',
      QUOTA_DEFAULT: '100',
      PRICES: 'grok-imagine-video:1/s,grok-video-3:3/s,grok-video-3@1080P:40/video',
    });
    const v3 = { model: 'grok-video-3', seconds: 15, resolution: '1080P' };
    await quota.reserve(alice, 'a', v3);
    await quota.reserve(alice, 'b', v3);
    const error = await refusal(quota.reserve(alice, 'c', v3));
    expect(error.userMessage).toBe(
      'This video costs 40 credits, but you have 20 credits left of your 100 credits today. Your quota resets at 2026-11-26 00:00 UTC.',
    );
    expect(error.localized(zh).userMessage).toBe(
      '这个视频需要 40 积分，但你今天的额度共 100 积分，只剩 20 积分。你的额度将于 2026-11-26 00:00（UTC）重置。',
    );
  });

  it('says a used-up count of videos and the bot’s budget in Chinese', async () => {
    const quota = quotaWith({ QUOTA_DEFAULT: '1', QUOTA_PERIOD: 'week' });
    await quota.reserve(alice, 'a', 6);
    const error = await refusal(quota.reserve(alice, 'b', 6));
    expect(error.userMessageIn(zh)).toBe(
      '你本周的额度为 1 个视频，已用 1。你的额度将于 2026-11-30 00:00（UTC）重置。',
    );
    const budget = quotaWith({ QUOTA_DEFAULT: '5', BUDGET_PER_PERIOD: '1' });
    await budget.reserve(alice, 'a', 6);
    const refused = await refusal(budget.reserve(alice, 'b', 6));
    expect(refused.userMessageIn(zh)).toBe(
      '本机器人今天的视频预算已用 1，上限 1 个视频，暂不接受新请求。预算将于 2026-11-26 00:00（UTC）重置。',
    );
  });

  it('describes a quota for /quota show in Chinese, with the platform’s word for its spaces', async () => {
    const quota = quotaWith({ QUOTA_DEFAULT: '5', QUOTA_GLOBAL_PER_USER: '8' });
    await quota.reserve(alice, 'a', 6);
    const status = await quota.status(alice);
    expect(describeQuota(status, 'servers')).toBe(
      'Used 1 of 5 videos today. Across all servers: 1 of 8 videos. It resets at 2026-11-26 00:00 UTC.',
    );
    expect(describeQuota(status, '服务器', zh)).toBe(
      '今天已用 1，上限 5 个视频。所有服务器合计已用 1，上限 8 个视频。将于 2026-11-26 00:00（UTC）重置。',
    );
  });

  it('names the jobs in progress and who cancelled, in Chinese', () => {
    const error = tooManyJobs('discord:g:u', ['a fox', 'a cat'], 2);
    expect(error.userMessage).toBe(
      'You already have 2 videos in progress (the limit is 2): “a fox”, “a cat”. Wait for one to finish, or cancel one.',
    );
    expect(error.userMessageIn(zh)).toBe(
      '你已有 2 个视频在生成中（上限为 2 个）：“a fox”、“a cat”。请等其中一个完成，或取消一个。',
    );
    // A job being accepted elsewhere this instant has no prompt to show yet.
    const racing = tooManyJobs('discord:g:u', ['a fox', undefined], 2);
    expect(racing.userMessage).toContain('“a fox”, (just sent).');
    expect(racing.userMessageIn(zh)).toContain('“a fox”、刚提交的一个视频。');
    const cancelled = cancelledError(new CancelRequest('<@42>'), true);
    expect(cancelled.userMessageIn(zh)).toBe('已被 <@42> 取消；视频服务已经开始生成，所以仍计入额度。');
  });
});

describe('settings refusals and /settings show in the reader’s language', () => {
  it('refuses a model the space does not allow in Chinese, listing the allowed ones', () => {
    const error = thrown(() =>
      chooseModel(
        'grok-video-3',
        { allowed: ['grok-imagine-video', 'grok-video-1.5'] },
        {
          offered: ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'],
          defaultModel: 'grok-imagine-video',
        },
      ),
    );
    expect(error.userMessage).toBe(
      'grok-video-3 is not allowed here; the models allowed here are grok-imagine-video and grok-video-1.5.',
    );
    expect(error.userMessageIn(zh)).toBe(
      '这里不允许使用 grok-video-3；这里允许的模型是 grok-imagine-video和grok-video-1.5。',
    );
  });

  it('refuses a ban pattern over the limit in Chinese, with both numbers', () => {
    const error = thrown(() => parseBanPattern('x'.repeat(1500)));
    expect(error.userMessageIn(zh)).toBe('屏蔽规则最多 200 个字符，这条有 1,500 个。');
  });

  it('summarises the rules for /settings show in Chinese', () => {
    const settings: SpaceSettings = {
      channels: [{ id: 'c1', name: 'videos' }],
      defaults: { seconds: 8 },
      imagesAllowed: false,
      bans: [{ kind: 'word', pattern: 'gore' }],
      models: {},
    };
    const limits = { defaultSeconds: 6, defaultAspectRatio: '16:9', defaultResolution: '720P' as const };
    const names = { channel: (c: { id: string; name?: string }) => `#${c.name ?? c.id}` };
    const models = { models: ['grok-imagine-video', 'grok-video-3'], defaultModel: 'grok-imagine-video' };
    expect(describeSettings(names, settings, limits, { showBans: false, models })).toBe(
      [
        'Channels: #videos',
        'Defaults: 8 s, 16:9 (bot default), 720P (bot default)',
        'Models: grok-imagine-video (default), grok-video-3',
        'Image input: off',
        'Ban list: 1 entry (admins can see them)',
      ].join('\n'),
    );
    expect(describeSettings(names, settings, limits, { showBans: true, models }, zh)).toBe(
      [
        '频道：#videos',
        '默认值：8 秒，16:9（机器人默认），720P（机器人默认）',
        '模型：grok-imagine-video（默认）、grok-video-3',
        '图片输入：关闭',
        '屏蔽列表（1 条）：`gore`',
      ].join('\n'),
    );
  });
});

describe('numbers, sizes, reset times and the settings line for the reader', () => {
  it('formats counts, byte sizes and reset times for a zh-CN reader, and keeps the English ones', () => {
    expect(formatCount(4310)).toBe('4,310');
    expect(formatCount(4310, zh)).toBe('4,310');
    expect(formatByteSize(26_528_000)).toBe('25.3 MB');
    expect(formatByteSize(26_528_000, zh)).toBe('25.3 MB');
    expect(formatByteSize(512, zh)).toBe('512 字节');
    const at = Date.UTC(2026, 10, 26);
    expect(formatResetTime(at)).toBe('2026-11-26 00:00 UTC');
    expect(formatResetTime(at, en)).toBe('2026-11-26 00:00 UTC');
    expect(formatResetTime(at, zh)).toBe('2026-11-26 00:00（UTC）');
    expect(formatResetTime(undefined, zh)).toBe('永不重置（终身额度）');
  });

  it('writes the settings line under a job’s message in the record’s language', () => {
    const request = { seconds: 10, aspectRatio: '16:9', resolution: '720P', imageRefs: ['a', 'b'] };
    const extra = { charged: { unit: 'credits' as const, amount: 30 }, chain: { clips: [{ seconds: 6 }] } };
    expect(settingsLine(request, extra)).toBe(
      '10s · 16:9 · 720P · 2 images · ⏩ 2 clips, 16s in all · 30 credits',
    );
    expect(settingsLine(request, extra, zh)).toBe(
      '10 秒 · 16:9 · 720P · 2 张图片 · ⏩ 共 2 段，总长 16 秒 · 30 积分',
    );
  });
});

describe('Extend’s refusals in the reader’s language', () => {
  it('says a file is not a video in Chinese', () => {
    const error = new NotAVideoError('ffprobe: moov atom not found');
    expect(error.userMessage).toBe(
      'That file is not a video I can read (an MP4 is expected), so I can’t continue it. Nothing was charged.',
    );
    expect(error.localized(zh)).toBeInstanceOf(NotAVideoError);
    expect(error.localized(zh).userMessage).toBe(
      '这个文件不是我能读取的视频（需要 MP4），所以无法延长。没有扣除额度。',
    );
  });

  it('says a joined video over the limit in Chinese, with the limit', () => {
    const error = new JoinTooLargeError(25 * 1024 * 1024);
    expect(error.userMessage).toContain("this bot's limit of 25.0 MB");
    expect(error.userMessageIn(zh)).toBe(
      '延长后的视频会超过本机器人 25 MB 的上限，所以没有生成。这一段没有扣除额度。',
    );
  });
});
