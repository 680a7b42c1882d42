import { describe, expect, it } from 'vitest';
import type { CommandContext, CommandDefinition } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { plainFormat } from '../../src/core/plain-format.js';
import type { BotError } from '../../src/errors.js';
import type { InvocationLanguages, Language } from '../../src/i18n/languages.js';
import { translator } from '../../src/i18n/translate.js';
import type { Invocation, Reply } from '../../src/port.js';
import { EMPTY_SETTINGS } from '../../src/settings/space-settings.js';
import { stateFirstSeen } from '../../src/store/first-seen.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import { capturedLogger } from '../helpers/core.js';

/**
 * The dispatcher resolves an invocation's languages once: its own refusals in the private one, the command's
 * context with both translators, the acknowledgement told the public one.
 */

interface Seen {
  failures: string[];
  acknowledged?: Language;
  languages?: InvocationLanguages;
  tr?: Language;
  spaceTr?: Language;
}

const echo: CommandDefinition = {
  name: 'echo',
  description: 'Says which languages it was given',
  surface: 'slash',
  visibility: 'private',
  subcommands: [
    { name: 'one', description: 'One', options: [] },
    { name: 'two', description: 'Two', options: [] },
  ],
  async handle(_invocation, _reply, context) {
    seen.tr = context.tr.language;
    seen.spaceTr = context.spaceTr.language;
  },
};

let seen: Seen;

async function run(
  invocation: Partial<Invocation>,
  options: { draining?: boolean; spaceLanguage?: Language; defaultLanguage?: Language } = {},
): Promise<Seen> {
  seen = { failures: [] };
  const logger = capturedLogger().logger;
  const handle = createDispatcher({
    registry: new Map([[echo.name, echo]]),
    firstSeen: stateFirstSeen(createMemoryState(), logger),
    draining: () => options.draining ?? false,
    contextFor: (_invocation, languages) => {
      seen.languages = languages;
      return {
        format: plainFormat,
        tr: translator(languages.private),
        spaceTr: translator(languages.space),
      } as unknown as CommandContext;
    },
    readSpace: () => Promise.resolve({ ...EMPTY_SETTINGS, language: options.spaceLanguage }),
    defaultLanguage: options.defaultLanguage,
    logger,
  });
  const reply: Reply = {
    acknowledge: (_visibility, language) => {
      seen.acknowledged = language;
      return Promise.resolve();
    },
    text: () => Promise.resolve(),
    fail: (error: BotError) => {
      seen.failures.push(error.userMessage);
      return Promise.resolve();
    },
  };
  await handle(
    {
      platform: 'discord',
      spaceId: 'g1',
      channelId: 'c1',
      userId: 'u1',
      isSpaceAdmin: false,
      command: 'echo',
      options: {},
      images: [],
      ...invocation,
    },
    reply,
  );
  return seen;
}

describe('the dispatcher’s languages', () => {
  it('says it is restarting in the user’s language', async () => {
    expect((await run({ locale: 'zh-CN' }, { draining: true })).failures).toEqual([
      '机器人正在重启，请稍后再试。',
    ]);
    expect((await run({ locale: 'en-GB' }, { draining: true })).failures).toEqual([
      'The bot is restarting; please try again in a moment.',
    ]);
  });

  it('before the space settings are read: the user’s locale, then the space’s, then DEFAULT_LANGUAGE', async () => {
    const gone = { command: 'retired' };
    expect((await run({ ...gone, locale: 'fr', spaceLocale: 'zh-CN' })).failures[0]).toMatch(
      /^这个命令已不再可用/,
    );
    expect((await run({ ...gone, locale: 'zh-TW' }, { defaultLanguage: 'zh-CN' })).failures[0]).toMatch(
      /^这个命令已不再可用/,
    );
    expect((await run(gone, { spaceLanguage: 'zh-CN' })).failures[0]).toMatch(/^This command is no longer/);
  });

  it('answers an unknown subcommand in the private language, with the space setting read', async () => {
    const { failures } = await run({ subcommand: 'three', locale: 'en-US' }, { spaceLanguage: 'zh-CN' });
    expect(failures).toEqual([
      '`/echo three` is not a command of this bot (any more). Use one of `one` or `two`.',
    ]);
    expect((await run({ subcommand: 'three' }, { spaceLanguage: 'zh-CN' })).failures).toEqual([
      '本机器人没有（或已不再提供）`/echo three` 这个命令。请使用 `one`或`two` 之一。',
    ]);
  });

  it('gives the command the user’s language privately and the space setting publicly', async () => {
    const result = await run({ locale: 'en-US', spaceLocale: 'en-US' }, { spaceLanguage: 'zh-CN' });
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ tr: 'en', spaceTr: 'zh-CN', acknowledged: 'zh-CN' });
  });
});
