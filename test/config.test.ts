import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, requireVideoApiKey } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('has the documented defaults', () => {
    const config = parseConfig({});
    expect(config.videoApi).toMatchObject({
      baseUrl: 'https://duoyuanx.com/v1',
      model: 'grok-imagine-video',
      apiKey: undefined,
    });
    expect(config.limits).toMatchObject({
      maxSeconds: 15,
      maxSecondsWithReferences: 10,
      defaultSeconds: 6,
      defaultAspectRatio: '16:9',
      defaultResolution: '720P',
      maxImages: 4,
      maxImageBytes: 20 * 1024 * 1024,
      imageMaxSide: 1280,
    });
    expect(config.maxVideoBytes).toBe(200 * 1024 * 1024);
    expect(config.jobTimeoutMs).toBe(900_000);
    expect(config.imageDecodeConcurrency).toBe(2);
  });

  it('offers VIDEO_MODEL alone unless VIDEO_MODELS lists more, with the default among them', () => {
    expect(parseConfig({}).videoApi).toMatchObject({
      model: 'grok-imagine-video',
      models: ['grok-imagine-video'],
    });
    expect(
      parseConfig({
        VIDEO_MODELS: ' grok-imagine-video, grok-video-1.5 ,grok-video-3',
        VIDEO_MODEL: 'grok-video-3',
      }).videoApi,
    ).toMatchObject({
      model: 'grok-video-3',
      models: ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'],
    });
    expect(problemsOf({ VIDEO_MODELS: 'grok-video-1.5,grok-video-3' })).toEqual([
      'VIDEO_MODEL (grok-imagine-video) must be one of VIDEO_MODELS (grok-video-1.5,grok-video-3): it is the default model',
    ]);
    expect(problemsOf({ VIDEO_MODELS: 'grok-imagine-video,,grok-video-3' })).toEqual([
      'VIDEO_MODELS must be a comma list of model names such as grok-imagine-video,grok-video-1.5,grok-video-3 (got "" in "grok-imagine-video,,grok-video-3")',
    ]);
    expect(problemsOf({ VIDEO_MODELS: 'grok-video-3,grok-imagine-video,grok-video-3' })).toEqual([
      'VIDEO_MODELS names grok-video-3 twice (got "grok-video-3,grok-imagine-video,grok-video-3")',
    ]);
  });

  it('reads the ffmpeg settings and MAX_EXTENDED_SECONDS', () => {
    const defaults = parseConfig({});
    expect(defaults.ffmpeg).toEqual({ path: undefined, concurrency: 2, timeoutMs: 300_000 });
    expect(defaults.limits.maxExtendedSeconds).toBe(60);
    const set = parseConfig({
      FFMPEG_PATH: '/usr/bin/ffmpeg',
      FFMPEG_CONCURRENCY: '3',
      FFMPEG_TIMEOUT_SECONDS: '60',
      MAX_EXTENDED_SECONDS: '45',
    });
    expect(set.ffmpeg).toEqual({ path: '/usr/bin/ffmpeg', concurrency: 3, timeoutMs: 60_000 });
    expect(set.limits.maxExtendedSeconds).toBe(45);
    expect(problemsOf({ FFMPEG_CONCURRENCY: '0' })).toEqual([
      'FFMPEG_CONCURRENCY must be an integer 1-64 (got "0")',
    ]);
    expect(problemsOf({ MAX_EXTENDED_SECONDS: '5', MAX_SECONDS: '15' })).toEqual([
      'MAX_EXTENDED_SECONDS (5) must be at least MAX_SECONDS (15): one clip may be that long',
    ]);
  });

  it('reads IMAGE_DECODE_CONCURRENCY as a positive integer', () => {
    expect(parseConfig({ IMAGE_DECODE_CONCURRENCY: '4' }).imageDecodeConcurrency).toBe(4);
    expect(problemsOf({ IMAGE_DECODE_CONCURRENCY: '0' })).toEqual([
      'IMAGE_DECODE_CONCURRENCY must be an integer 1-64 (got "0")',
    ]);
    expect(problemsOf({ IMAGE_DECODE_CONCURRENCY: 'two' })).toEqual([
      'IMAGE_DECODE_CONCURRENCY must be an integer 1-64 (got "two")',
    ]);
  });

  it('reads DEFAULT_LANGUAGE: en unless set to a shipped language', () => {
    expect(parseConfig({}).defaultLanguage).toBe('en');
    expect(parseConfig({ DEFAULT_LANGUAGE: '' }).defaultLanguage).toBe('en');
    expect(parseConfig({ DEFAULT_LANGUAGE: 'zh-CN' }).defaultLanguage).toBe('zh-CN');
    expect(problemsOf({ DEFAULT_LANGUAGE: 'zh-TW' }).join('\n')).toContain(
      'DEFAULT_LANGUAGE must be one of en, zh-CN',
    );
  });

  it('names the variable and its range when a number is wrong', () => {
    expect(problemsOf({ MAX_SECONDS: '20' })).toEqual(['MAX_SECONDS must be an integer 1-15 (got "20")']);
    expect(problemsOf({ MAX_SECONDS: 'ten' })).toEqual(['MAX_SECONDS must be an integer 1-15 (got "ten")']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ MAX_IMAGES: '-1', VIDEO_API_BASE_URL: 'ftp://x', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain('VIDEO_API_BASE_URL must be an http(s) URL');
    expect(problems.join('\n')).toContain('LOG_LEVEL must be one of');
  });

  it('validates defaults with the same rules users get', () => {
    expect(problemsOf({ DEFAULT_ASPECT_RATIO: '10:1' })[0]).toMatch(/^DEFAULT_ASPECT_RATIO: .*too wide/);
    expect(problemsOf({ DEFAULT_RESOLUTION: '1080p' })[0]).toMatch(/^DEFAULT_RESOLUTION: /);
    expect(problemsOf({ DEFAULT_SECONDS: '12', MAX_SECONDS: '10' })[0]).toContain(
      'must not exceed MAX_SECONDS',
    );
    expect(parseConfig({ DEFAULT_ASPECT_RATIO: '9x16', DEFAULT_RESOLUTION: '480' }).limits).toMatchObject({
      defaultAspectRatio: '9:16',
      defaultResolution: '480P',
    });
  });

  it('says VIDEO_API_KEY is required only when something needs it', () => {
    const config = parseConfig({ VIDEO_API_BASE_URL: 'http://127.0.0.1:4010/v1/' });
    expect(config.videoApi.baseUrl).toBe('http://127.0.0.1:4010/v1');
    expect(() => requireVideoApiKey(config)).toThrow(/VIDEO_API_KEY is required/);
    expect(requireVideoApiKey(parseConfig({ VIDEO_API_KEY: 'k' }))).toBe('k');
  });
});

describe('store and quota config', () => {
  it('defaults to embedded SQLite and 5 videos a day', () => {
    const config = parseConfig({});
    expect(config.storeUrl).toBe('sqlite://./data/bot.sqlite');
    expect(config.quota).toMatchObject({ unit: 'videos', period: 'day', defaultLimit: 5, maxLimit: 100 });
    expect(config.jobRetentionMs).toBe(7 * 86_400_000);
  });
  it('defaults to 60 seconds with QUOTA_UNIT=seconds', () => {
    expect(parseConfig({ QUOTA_UNIT: 'seconds' }).quota.defaultLimit).toBe(60);
  });
  it('reads QUOTA_GLOBAL_PER_USER and BUDGET_PER_PERIOD as limits, empty meaning none', () => {
    expect(parseConfig({}).quota).toMatchObject({ globalPerUser: undefined, budget: undefined });
    expect(parseConfig({ QUOTA_GLOBAL_PER_USER: ' ', BUDGET_PER_PERIOD: '' }).quota).toMatchObject({
      globalPerUser: undefined,
      budget: undefined,
    });
    expect(parseConfig({ QUOTA_GLOBAL_PER_USER: '10', BUDGET_PER_PERIOD: '0' }).quota).toMatchObject({
      globalPerUser: 10,
      budget: 0,
    });
    expect(problemsOf({ QUOTA_GLOBAL_PER_USER: 'ten', BUDGET_PER_PERIOD: '-5' })).toEqual([
      'QUOTA_GLOBAL_PER_USER must be empty (no limit) or a whole number 0-1000000, one user’s limit across every server and workspace, in QUOTA_UNIT per QUOTA_PERIOD (got "ten")',
      'BUDGET_PER_PERIOD must be empty (no limit) or a whole number 0-1000000000, the whole bot’s limit in QUOTA_UNIT per QUOTA_PERIOD (got "-5")',
    ]);
  });
  it('names bad store URLs, periods and owner ids', () => {
    expect(problemsOf({ STORE_URL: 'postgres://db' })[0]).toMatch(
      /STORE_URL must start with sqlite:\/\/, redis:\/\/ or memory:\/\//,
    );
    expect(problemsOf({ QUOTA_PERIOD: 'hour' })[0]).toMatch(/QUOTA_PERIOD must be day, week, month or none/);
    expect(problemsOf({ OWNER_IDS: 'discord:1, 12345' })[0]).toMatch(
      /OWNER_IDS entries must look like discord:123/,
    );
    expect(parseConfig({ OWNER_IDS: 'discord:1, slack:U9' }).ownerIds).toEqual(['discord:1', 'slack:U9']);
    expect(problemsOf({ QUOTA_DEFAULT: '500' })[0]).toMatch(
      /QUOTA_DEFAULT \(500\) must not exceed QUOTA_MAX \(100\)/,
    );
  });

  it('reads DISCORD_SHARDS as a positive integer or auto; unset means no sharding manager', () => {
    const base = { DISCORD_TOKEN: 't' };
    expect(parseConfig(base).discord?.shards).toBeUndefined();
    expect(parseConfig({ ...base, DISCORD_SHARDS: '' }).discord?.shards).toBeUndefined();
    expect(parseConfig({ ...base, DISCORD_SHARDS: '2' }).discord?.shards).toBe(2);
    expect(parseConfig({ ...base, DISCORD_SHARDS: ' AUTO ' }).discord?.shards).toBe('auto');
    expect(problemsOf({ ...base, DISCORD_SHARDS: '2', STORE_URL: 'memory://' })[0]).toMatch(
      /DISCORD_SHARDS needs a store the shard processes share/,
    );
    for (const bad of ['0', '-1', '1.5', 'two']) {
      expect(problemsOf({ ...base, DISCORD_SHARDS: bad })).toEqual([
        `DISCORD_SHARDS must be a positive integer or auto (got "${bad.toLowerCase()}")`,
      ]);
    }
  });

  it('reads the shard ids and count the sharding manager gives a shard process', () => {
    const base = { DISCORD_TOKEN: 't' };
    expect(parseConfig({ ...base, SHARDS: '1', SHARD_COUNT: '2' }).discord).toMatchObject({
      shardIds: [1],
      shardCount: 2,
    });
    expect(parseConfig({ ...base, SHARDS: '[0,2]', SHARD_COUNT: '4' }).discord?.shardIds).toEqual([0, 2]);
    expect(parseConfig(base).discord?.shardIds).toBeUndefined();
    expect(problemsOf({ ...base, SHARDS: '1' })[0]).toMatch(/SHARDS and SHARD_COUNT/);
    expect(problemsOf({ ...base, SHARDS: '2', SHARD_COUNT: '2' })[0]).toMatch(/below SHARD_COUNT/);
    expect(problemsOf({ ...base, SHARDS: 'x', SHARD_COUNT: '2' })[0]).toMatch(/SHARDS must be/);
  });
});
