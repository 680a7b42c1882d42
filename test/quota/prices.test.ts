import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { DEFAULT_PRICES, describePrices, parsePrices, priceOf } from '../../src/quota/prices.js';
import { KNOWN_MODELS } from '../../src/video-api/models.js';

function table(text: string) {
  const parsed = parsePrices(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.table;
}

function problems(text: string): string[] {
  const parsed = parsePrices(text);
  return parsed.ok ? [] : parsed.problems;
}

describe('PRICES grammar', () => {
  it('prices per second and per video, the most specific entry winning', () => {
    const t = table('grok-imagine-video:1/s, grok-video-3:3/s,grok-video-3@1080P:40/video,*:2/s,*@480p:5');
    expect(priceOf(t, { model: 'grok-imagine-video', seconds: 6, resolution: '720P' })).toBe(6);
    expect(priceOf(t, { model: 'grok-video-3', seconds: 10, resolution: '720P' })).toBe(30);
    // model@size beats model: a flat price per video, whatever the length.
    expect(priceOf(t, { model: 'grok-video-3', seconds: 15, resolution: '1080P' })).toBe(40);
    // *@size beats *, but a model's own entry beats both.
    expect(priceOf(t, { model: 'grok-video-1.5', seconds: 10, resolution: '480P' })).toBe(5);
    expect(priceOf(t, { model: 'grok-video-1.5', seconds: 10, resolution: '720P' })).toBe(20);
    expect(priceOf(t, { model: 'grok-imagine-video', seconds: 4, resolution: '480P' })).toBe(4);
  });

  it('takes a bare number as a price per video, and sizes in any case', () => {
    const t = table('grok-video-1.5:25,grok-video-1.5@720p:30/video');
    expect(priceOf(t, { model: 'grok-video-1.5', seconds: 15, resolution: '1080P' })).toBe(25);
    expect(priceOf(t, { model: 'grok-video-1.5', seconds: 10, resolution: '720P' })).toBe(30);
  });

  it('splits an entry at its last colon, so model names with colons still parse', () => {
    const t = table('relay:fast-video:2/s');
    expect(priceOf(t, { model: 'relay:fast-video', seconds: 3, resolution: '720P' })).toBe(6);
  });

  it('leaves a request no entry covers unpriced', () => {
    const t = table('grok-video-3:3/s');
    expect(priceOf(t, { model: 'grok-imagine-video', seconds: 6, resolution: '720P' })).toBeUndefined();
  });

  it('names every malformed entry and what is wrong with it', () => {
    expect(problems('grok-video-3')).toEqual([
      'PRICES entry "grok-video-3" must look like model:N/s, model:N (per video) or model@SIZE:N/s',
    ]);
    expect(problems('grok-video-3@4K:4/s')).toEqual([
      'PRICES entry "grok-video-3@4K:4/s": the size must be one of 480P, 540P, 720P, 1080P',
    ]);
    expect(problems('grok-video-3:1.5/s,grok-video-1.5:0')).toEqual([
      'PRICES entry "grok-video-3:1.5/s": the price must be a whole number of credits from 1 to 1,000,000',
      'PRICES entry "grok-video-1.5:0": the price must be a whole number of credits from 1 to 1,000,000',
    ]);
    expect(problems('grok-video-3:2/min')).toEqual([
      'PRICES entry "grok-video-3:2/min": the price must end in /s (per second), /video or nothing (per video)',
    ]);
    expect(problems('grok-video-3:2/s,grok-video-3:3/s')).toEqual([
      'PRICES prices grok-video-3 twice ("grok-video-3:2/s" and "grok-video-3:3/s")',
    ]);
    expect(problems('')).toEqual(['PRICES is empty: leave it unset for the default prices']);
    expect(problems('grok-video-3:2/s,,')).toEqual([]);
  });

  it('has a default that prices every model the bot knows, in every size', () => {
    const t = table(DEFAULT_PRICES);
    for (const model of KNOWN_MODELS) {
      for (const resolution of ['480P', '540P', '720P', '1080P']) {
        expect(priceOf(t, { model, seconds: 10, resolution })).toBeGreaterThan(0);
      }
    }
    expect(describePrices(t)).toContain('grok-video-3@1080P: 4 credits a second');
  });
});

describe('QUOTA_UNIT=credits and PRICES in the config', () => {
  it('accepts credits with its own default limit and the default prices', () => {
    const config = parseConfig({ QUOTA_UNIT: 'credits' });
    expect(config.quota.unit).toBe('credits');
    expect(config.quota.defaultLimit).toBe(60);
    // A long video on a dear model costs 60: admins may set limits far above a count of videos.
    expect(config.quota.maxLimit).toBe(10_000);
    expect(parseConfig({ QUOTA_UNIT: 'credits', QUOTA_MAX: '500' }).quota.maxLimit).toBe(500);
    expect(parseConfig({}).quota.maxLimit).toBe(100);
    // Left empty, as .env.example leaves it: the default prices.
    expect(
      priceOf(parseConfig({ PRICES: ' ' }).quota.prices, {
        model: 'grok-video-1.5',
        seconds: 10,
        resolution: '540P',
      }),
    ).toBe(20);
    expect(priceOf(config.quota.prices, { model: 'grok-video-3', seconds: 15, resolution: '1080P' })).toBe(
      60,
    );
  });

  it('fails at start naming the malformed entry', () => {
    expect(() => parseConfig({ PRICES: 'grok-video-3@8K:4/s' })).toThrow(ConfigError);
    expect(() => parseConfig({ PRICES: 'grok-video-3@8K:4/s' })).toThrow(
      /PRICES entry "grok-video-3@8K:4\/s"/,
    );
  });

  it('requires a price for every offered model', () => {
    expect(() =>
      parseConfig({ VIDEO_MODELS: 'grok-imagine-video,grok-video-3', PRICES: 'grok-imagine-video:1/s' }),
    ).toThrow(/PRICES has no price for grok-video-3/);
    expect(
      parseConfig({ VIDEO_MODELS: 'grok-imagine-video,grok-video-3', PRICES: '*:2/s' }).quota.prices,
    ).toBeDefined();
  });
});
