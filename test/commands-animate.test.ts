import { describe, expect, it } from 'vitest';
import { DEFAULT_ANIMATE_PROMPT, prefillPrompt, promptFromMention } from '../commands/animate.js';

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

  it('cuts mid-word when there is no space near the limit', () => {
    const prefill = prefillPrompt('x'.repeat(3500), 3000, '');
    expect(prefill.value).toHaveLength(3000);
  });

  it('strips mentions and falls back to the default prompt', () => {
    expect(promptFromMention('<@123> make the  waves move', /<@!?123>/g)).toBe('make the waves move');
    expect(promptFromMention(' <@!123> ', /<@!?123>/g)).toBe(DEFAULT_ANIMATE_PROMPT);
  });
});
