import { describe, expect, it } from 'vitest';
import { resolveLanguages } from '../../src/i18n/languages.js';

/** Which language an invocation's private answers and public messages are written in (docs/i18n.md). */
describe('resolveLanguages', () => {
  it('answers a zh-CN user privately in Chinese in an English space, and publicly in English', () => {
    expect(resolveLanguages({ userLocale: 'zh-CN', spaceLocale: 'en-US', defaultLanguage: 'en' })).toEqual({
      private: 'zh-CN',
      space: 'en',
    });
  });

  it('gives a zh-TW user (not shipped) the space language, not Simplified Chinese', () => {
    expect(resolveLanguages({ userLocale: 'zh-TW', spaceLocale: 'en-GB', defaultLanguage: 'zh-CN' })).toEqual(
      {
        private: 'en',
        space: 'en',
      },
    );
    expect(
      resolveLanguages({ userLocale: 'zh-TW', spaceSetting: 'zh-CN', defaultLanguage: 'en' }).private,
    ).toBe('zh-CN');
  });

  it('lets the space setting beat the guild locale', () => {
    expect(
      resolveLanguages({ spaceSetting: 'zh-CN', spaceLocale: 'en-US', defaultLanguage: 'en' }).space,
    ).toBe('zh-CN');
    expect(resolveLanguages({ spaceSetting: 'en', spaceLocale: 'zh-CN', defaultLanguage: 'zh-CN' })).toEqual({
      private: 'en',
      space: 'en',
    });
  });

  it('falls back to DEFAULT_LANGUAGE when neither the space nor its locale says anything shipped', () => {
    expect(resolveLanguages({ defaultLanguage: 'zh-CN' })).toEqual({ private: 'zh-CN', space: 'zh-CN' });
    expect(resolveLanguages({ spaceLocale: 'fr', userLocale: 'de', defaultLanguage: 'en' })).toEqual({
      private: 'en',
      space: 'en',
    });
    // The guild's own locale comes before the default.
    expect(resolveLanguages({ spaceLocale: 'zh-CN', defaultLanguage: 'en' }).space).toBe('zh-CN');
  });
});
