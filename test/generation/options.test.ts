import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import {
  ASPECT_RATIO_PRESETS,
  normalizeAspectRatio,
  normalizePrompt,
  normalizeResolution,
  normalizeSeconds,
} from '../../src/generation/options.js';

function userMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.userMessage;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('prompt', () => {
  it('trims and accepts up to the limit', () => {
    expect(normalizePrompt('  a fox  ', 4096)).toBe('a fox');
    expect(normalizePrompt('x'.repeat(4096), 4096)).toHaveLength(4096);
  });
  it('refuses empty and too long prompts with the counts', () => {
    expect(userMessage(() => normalizePrompt('   ', 4096))).toMatch(/empty/);
    expect(userMessage(() => normalizePrompt('x'.repeat(4310), 4096))).toBe(
      'Your prompt is 4,310 characters; the limit is 4,096.',
    );
  });
  it('counts UTF-16 code units, as the API does', () => {
    const emoji = '🎬'.repeat(2049); // 4098 code units, 2049 code points
    expect(userMessage(() => normalizePrompt(emoji, 4096))).toContain('4,098');
  });
});

describe('seconds', () => {
  it('defaults, accepts integers and "8s"', () => {
    expect(normalizeSeconds(undefined, 6, 15, false)).toBe(6);
    expect(normalizeSeconds('8', 6, 15, false)).toBe(8);
    expect(normalizeSeconds('8s', 6, 15, false)).toBe(8);
    expect(normalizeSeconds(15, 6, 15, false)).toBe(15);
  });
  it('refuses fractions, zero and over the limit', () => {
    expect(userMessage(() => normalizeSeconds('2.5', 6, 15, false))).toMatch(
      /whole number of seconds from 1 to 15/,
    );
    expect(userMessage(() => normalizeSeconds(0, 6, 15, false))).toMatch(/from 1 to 15/);
    expect(userMessage(() => normalizeSeconds(16, 6, 15, false))).toBe(
      'A video can be at most 15 seconds long; you asked for 16.',
    );
    expect(userMessage(() => normalizeSeconds(12, 6, 10, true))).toMatch(
      /several reference images.*at most 10/,
    );
  });
});

describe('aspect ratio', () => {
  it('accepts every preset', () => {
    for (const preset of ASPECT_RATIO_PRESETS) expect(normalizeAspectRatio(preset, '16:9')).toBe(preset);
  });
  it('normalises separators and spaces', () => {
    expect(normalizeAspectRatio('16x9', '1:1')).toBe('16:9');
    expect(normalizeAspectRatio('16/9', '1:1')).toBe('16:9');
    expect(normalizeAspectRatio(' 16 : 9 ', '1:1')).toBe('16:9');
    expect(normalizeAspectRatio('19.50:9', '1:1')).toBe('19.5:9');
    expect(normalizeAspectRatio('5:4', '1:1')).toBe('5:4');
    expect(normalizeAspectRatio(undefined, '1:1')).toBe('1:1');
  });
  it('keeps custom ratios between 1:4 and 4:1', () => {
    expect(normalizeAspectRatio('4:1', '1:1')).toBe('4:1');
    expect(normalizeAspectRatio('1:4', '1:1')).toBe('1:4');
    expect(userMessage(() => normalizeAspectRatio('5:1', '1:1'))).toMatch(/too wide.*between 1:4 and 4:1/);
    expect(userMessage(() => normalizeAspectRatio('1:5', '1:1'))).toMatch(/too tall/);
    expect(userMessage(() => normalizeAspectRatio('0:9', '1:1'))).toMatch(/above zero/);
    expect(userMessage(() => normalizeAspectRatio('wide', '1:1'))).toMatch(/“wide” is not an aspect ratio/);
  });
});

describe('resolution', () => {
  it('accepts 480P/720P in any case and 480/720', () => {
    expect(normalizeResolution('480p', '720P')).toBe('480P');
    expect(normalizeResolution('720', '480P')).toBe('720P');
    expect(normalizeResolution(undefined, '720P')).toBe('720P');
  });
  it('refuses anything else', () => {
    expect(userMessage(() => normalizeResolution('1080P', '720P'))).toMatch(/480P or 720P/);
  });
});
