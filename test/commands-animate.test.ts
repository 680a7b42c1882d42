import { describe, expect, it } from 'vitest';
import { DEFAULT_ANIMATE_PROMPT, prefillPrompt, promptFromMention } from '../commands/animate.js';
import { extendFormTexts } from '../commands/extend.js';
import { translator } from '../src/i18n/translate.js';

describe('animate helpers', () => {
  it('leaves a prompt that fits alone', () => {
    expect(prefillPrompt('waves', 4000, 'hint')).toEqual({ value: 'waves' });
  });

  it('cuts a long prompt at a word boundary and says so with both lengths', () => {
    const prompt = 'word '.repeat(900).trim(); // 4,499 characters
    const prefill = prefillPrompt(prompt, 4000, 'Use /imagine for the full prompt.');
    expect(prefill.value.length).toBeLessThanOrEqual(4000);
    expect(prefill.value.endsWith('word')).toBe(true);
    expect(prefill.note).toBe(
      'The prompt was 4,499 characters; this form holds 4,000, so it was shortened. Use /imagine for the full prompt.',
    );
  });

  it('says so in the reader’s language', () => {
    const prefill = prefillPrompt(
      'word '.repeat(900).trim(),
      4000,
      '完整的提示词请用 /imagine。',
      translator('zh-CN'),
    );
    expect(prefill.note).toBe(
      '提示词共 4,499 个字符，此表单最多只能放 4,000 个，已截短。完整的提示词请用 /imagine。',
    );
  });

  it('gives the Extend form’s title and hint in the reader’s language, within Discord’s 45-character title', () => {
    expect(extendFormTexts(translator('en'))).toEqual({
      title: 'Extend this video',
      hint: 'What happens next? The new clip starts from the last frame.',
    });
    const zh = extendFormTexts(translator('zh-CN'));
    expect(zh).toEqual({ title: '延长这段视频', hint: '接下来会发生什么？新片段将从最后一帧开始。' });
    expect(zh.title.length).toBeLessThanOrEqual(45);
  });

  it('cuts mid-word when there is no space near the limit', () => {
    const prefill = prefillPrompt('x'.repeat(3500), 3000, '');
    expect(prefill.value).toHaveLength(3000);
  });

  it('strips mentions and falls back to the default prompt', () => {
    expect(promptFromMention('<@123> make the  waves move', /<@!?123>/g)).toBe('make the waves move');
    expect(promptFromMention(' <@!123> ', /<@!?123>/g)).toBe(DEFAULT_ANIMATE_PROMPT);
  });
});
