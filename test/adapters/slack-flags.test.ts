import { describe, expect, it } from 'vitest';
import { imagineCommand, imagineOptions } from '../../commands/imagine.js';
import { InvalidInputError } from '../../src/errors.js';
import { parseFlags, usage } from '../../adapters/slack/arguments.js';
import { translator } from '../../src/i18n/translate.js';

const parse = (text: string) => parseFlags(text, imagineOptions);
function refusal(text: string, language: 'en' | 'zh-CN' = 'en'): string {
  try {
    parseFlags(text, imagineOptions, translator(language));
  } catch (error) {
    if (error instanceof InvalidInputError) return error.userMessage;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Slack /imagine flags', () => {
  it('splits the prompt from Midjourney-style flags in any position', () => {
    expect(parse('a fox running through snow --ar 9:16 --seconds 8 --res 480P').options).toEqual({
      prompt: 'a fox running through snow',
      aspect_ratio: '9:16',
      seconds: '8',
      resolution: '480P',
    });
    expect(parse('--s 5 a "quoted --ar text" here --aspect=4:3').options).toEqual({
      prompt: 'a quoted --ar text here',
      seconds: '5',
      aspect_ratio: '4:3',
    });
  });

  it('reads --model like any other flag; which models exist is the core’s to check', () => {
    expect(parse('a lighthouse --model grok-video-1.5 --seconds 15').options).toEqual({
      prompt: 'a lighthouse',
      model: 'grok-video-1.5',
      seconds: '15',
    });
  });

  it('accepts long names and dashes that autocorrect made', () => {
    expect(parse('waves —ar 1:1 –resolution 720').options).toEqual({
      prompt: 'waves',
      aspect_ratio: '1:1',
      resolution: '720',
    });
  });

  it('asks for help on empty text or "help"', () => {
    expect(parse('').help).toBe(true);
    expect(parse('  HELP ').help).toBe(true);
    expect(usage(imagineCommand)).toContain('--ar');
  });

  it('refuses unknown flags, missing values and repeats', () => {
    expect(refusal('a fox --colour red')).toBe(
      'Unknown option “--colour”. Options are --s, --ar, --res, or --model.',
    );
    expect(refusal('a fox --ar')).toBe('“--ar” needs a value, e.g. --ar 16:9.');
    expect(refusal('a fox --ar --seconds 4')).toMatch(/“--ar” needs a value/);
    expect(refusal('a fox --s 4 --seconds 5')).toBe('“--seconds” is given twice.');
  });

  it('refuses them in the user’s language, and explains itself in it', () => {
    expect(refusal('a fox --colour red', 'zh-CN')).toBe(
      '未知参数“--colour”。可用参数：--s、--ar、--res或--model。',
    );
    expect(refusal('a fox --ar', 'zh-CN')).toBe('参数“--ar”需要一个值，例如 --ar 16:9。');
    expect(refusal('a fox --s 4 --seconds 5', 'zh-CN')).toBe('参数“--seconds”指定了两次。');
    expect(usage(imagineCommand, translator('zh-CN'))).toMatch(/^用法：`\/imagine <提示词> \[参数\]`/);
  });
});
