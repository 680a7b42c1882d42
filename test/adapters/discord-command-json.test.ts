import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { imagineCommand, imagineCommandOffering } from '../../commands/imagine.js';
import { jobsCommand } from '../../commands/jobs.js';
import { quotaCommand } from '../../commands/quota.js';
import { settingsCommand, settingsCommandOffering } from '../../commands/settings.js';
import { REST, Routes } from 'discord.js';
import { allCommandsJson, commandJson } from '../../adapters/discord/command-json.js';
import { slashCommandsOffering } from '../../commands/index.js';
import { registrationText } from '../../commands/registration.js';
import { translator } from '../../src/i18n/translate.js';
import { snowflake, startDiscordEmulator } from '../emulators/discord/server.js';

describe('Discord slash-command JSON from the command data', () => {
  it('renders /imagine with typed options, choices where they are closed, and four image slots', () => {
    const json = commandJson(
      imagineCommandOffering(['grok-imagine-video', 'grok-video-1.5', 'grok-video-3']),
    );
    expect(json).toMatchObject({ type: ApplicationCommandType.ChatInput, name: 'imagine' });
    const options = 'options' in json ? (json.options ?? []) : [];
    expect(options.map((o) => o.name)).toEqual([
      'prompt',
      'seconds',
      'aspect_ratio',
      'resolution',
      'model',
      'image1',
      'image2',
      'image3',
      'image4',
    ]);
    expect(options[0]).toMatchObject({
      type: ApplicationCommandOptionType.String,
      required: true,
      max_length: 4096,
    });
    expect(options[1]).toMatchObject({
      type: ApplicationCommandOptionType.Integer,
      min_value: 1,
      max_value: 15,
    });
    expect(options[2]).not.toHaveProperty('choices');
    // Every size of the family; the chosen model's own sizes are checked with the request.
    expect(options[3]).toMatchObject({
      choices: ['480P', '540P', '720P', '1080P'].map((size) => ({ name: size, value: size })),
    });
    expect(options[4]).toMatchObject({
      type: ApplicationCommandOptionType.String,
      choices: ['grok-imagine-video', 'grok-video-1.5', 'grok-video-3'].map((m) => ({ name: m, value: m })),
    });
    expect(options[5]).toMatchObject({ type: ApplicationCommandOptionType.Attachment, required: false });
    for (const o of options) {
      expect(o.name).toMatch(/^[a-z0-9_-]{1,32}$/);
      expect(o.description.length).toBeLessThanOrEqual(100);
    }
  });

  it('leaves the model out when the bot offers one model: there is nothing to choose', () => {
    const json = commandJson(imagineCommandOffering(['grok-imagine-video']));
    const options = 'options' in json ? (json.options ?? []) : [];
    expect(options.map((o) => o.name)).not.toContain('model');
    expect(options.map((o) => o.name)).toContain('resolution');
  });

  it('renders /quota as subcommands with required options first, the owners’ `global` group, plus the Animate menu', () => {
    const all = allCommandsJson([imagineCommand, quotaCommand]);
    expect(all.map((c) => c.name)).toEqual(['imagine', 'quota', 'Animate']);
    const quota = all[1];
    const subs = quota && 'options' in quota ? (quota.options ?? []) : [];
    expect(subs.map((s) => [s.name, s.type])).toEqual([
      ['show', ApplicationCommandOptionType.Subcommand],
      ['set', ApplicationCommandOptionType.Subcommand],
      ['reset', ApplicationCommandOptionType.Subcommand],
      ['default', ApplicationCommandOptionType.Subcommand],
      ['global', ApplicationCommandOptionType.SubcommandGroup],
    ]);
    const set = subs[1];
    expect(set && 'options' in set ? set.options?.map((o) => [o.name, o.type, o.required]) : []).toEqual([
      ['user', ApplicationCommandOptionType.User, true],
      ['limit', ApplicationCommandOptionType.Integer, true],
    ]);
    const global = subs[4];
    const inGroup = global && 'options' in global ? (global.options ?? []) : [];
    expect(inGroup.map((s) => [s.name, s.type])).toEqual([
      ['show', ApplicationCommandOptionType.Subcommand],
      ['set', ApplicationCommandOptionType.Subcommand],
      ['reset', ApplicationCommandOptionType.Subcommand],
    ]);
    const globalSet = inGroup[1];
    expect(
      globalSet && 'options' in globalSet ? globalSet.options?.map((o) => [o.name, o.type, o.required]) : [],
    ).toEqual([
      ['user', ApplicationCommandOptionType.User, true],
      ['limit', ApplicationCommandOptionType.Integer, true],
    ]);
    expect(all[2]).toMatchObject({ type: ApplicationCommandType.Message });
  });

  it('renders /settings as subcommands (channel options limited to text-like channels) and /jobs with a boolean', () => {
    const settings = commandJson(settingsCommand);
    const subs = 'options' in settings ? (settings.options ?? []) : [];
    expect(subs.map((s) => s.name)).toEqual([
      'show',
      'ban-add',
      'ban-remove',
      'channel-add',
      'channel-remove',
      'defaults',
      'models',
      'images',
      'language',
      'notify',
    ]);
    // The languages as their readers name them, and `clear`: Discord shows these choices as they are.
    const language = subs.find((s) => s.name === 'language');
    const value = language && 'options' in language ? language.options?.[0] : undefined;
    expect(value && 'choices' in value ? value.choices : undefined).toEqual([
      { name: 'English', value: 'en' },
      { name: '简体中文', value: 'zh-CN' },
      { name: 'clear', value: 'clear', name_localizations: { 'zh-CN': '清除' } },
    ]);
    for (const sub of subs) {
      expect(sub.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(sub.description.length).toBeLessThanOrEqual(100);
    }
    const channelAdd = subs[3];
    expect(channelAdd && 'options' in channelAdd ? channelAdd.options?.[0] : undefined).toMatchObject({
      name: 'channel',
      type: ApplicationCommandOptionType.Channel,
      required: false,
      channel_types: [0, 5, 15],
    });
    const defaults = subs[5];
    expect(defaults && 'options' in defaults ? defaults.options?.map((o) => o.name) : []).toEqual([
      'seconds',
      'aspect_ratio',
      'resolution',
      'clear',
    ]);
    // The server's models: the default lists VIDEO_MODELS as choices where registration knows them.
    const offered = commandJson(settingsCommandOffering(['grok-imagine-video', 'grok-video-3']));
    const models = ('options' in offered ? (offered.options ?? []) : []).find((s) => s.name === 'models');
    expect(models && 'options' in models ? models.options : []).toEqual([
      expect.objectContaining({
        name: 'default',
        type: ApplicationCommandOptionType.String,
        choices: [
          { name: 'grok-imagine-video', value: 'grok-imagine-video' },
          { name: 'grok-video-3', value: 'grok-video-3' },
        ],
      }),
      expect.objectContaining({ name: 'allowed', type: ApplicationCommandOptionType.String }),
      expect.objectContaining({ name: 'clear', type: ApplicationCommandOptionType.Boolean }),
    ]);
    const jobs = commandJson(jobsCommand);
    expect('options' in jobs ? jobs.options : []).toEqual([
      expect.objectContaining({ name: 'all', type: ApplicationCommandOptionType.Boolean, required: false }),
    ]);
  });

  /** Every node of the registration that Discord shows a text of: commands, subcommands, groups, options. */
  interface Node {
    name: string;
    type?: number;
    description?: string;
    name_localizations?: Record<string, string>;
    description_localizations?: Record<string, string>;
    options?: Node[];
    choices?: { name: string; value: string | number; name_localizations?: Record<string, string> }[];
  }
  function nodes(list: readonly Node[], path: string[] = []): { path: string; node: Node }[] {
    return list.flatMap((node) => {
      const here = [...path, node.name];
      return [{ path: here.join(' '), node }, ...nodes(node.options ?? [], here)];
    });
  }
  const registration = () =>
    allCommandsJson(slashCommandsOffering(['grok-imagine-video', 'grok-video-3'])) as unknown as Node[];

  it('carries zh-CN descriptions for every command, subcommand, group and option, from the catalogs; names stay ASCII', () => {
    const all = registration();
    const problems: string[] = [];
    for (const { path, node } of nodes(all.filter((c) => (c.type ?? 1) === 1))) {
      const zh = node.description_localizations?.['zh-CN'];
      if (zh === undefined || !/\p{Script=Han}/u.test(zh) || zh.length > 100) problems.push(`${path}: ${zh}`);
      if (Object.keys(node.description_localizations ?? {}).some((locale) => locale !== 'zh-CN'))
        problems.push(`${path}: locales ${Object.keys(node.description_localizations ?? {}).join()}`);
      if (node.name_localizations !== undefined) problems.push(`${path}: a localized name`);
      // The English comes from the same catalog key as the translation: they cannot drift apart.
      const english = registrationText('en', path.split(' '), { kind: 'description' });
      if (english === undefined || node.description !== english.slice(0, 100))
        problems.push(`${path}: English "${node.description}" is not the catalog's "${english}"`);
    }
    expect(problems).toEqual([]);
    const zh = translator('zh-CN');
    const quota = all.find((c) => c.name === 'quota');
    expect(quota?.description_localizations).toEqual({ 'zh-CN': zh.t('commands.quota.description') });
    const globalSet = quota?.options
      ?.find((o) => o.name === 'global')
      ?.options?.find((o) => o.name === 'set');
    expect(globalSet?.options?.find((o) => o.name === 'limit')?.description_localizations).toEqual({
      'zh-CN': zh.t('commands.quota.global.set.limit.description'),
    });
  });

  it('gives choices that are words a Chinese name, and leaves sizes, models and language names as they are', () => {
    const localized = new Map<string, string | undefined>();
    for (const { node } of nodes(registration())) {
      for (const choice of node.choices ?? [])
        localized.set(choice.name, choice.name_localizations?.['zh-CN']);
    }
    expect(localized.get('on')).toBe('开启');
    expect(localized.get('off')).toBe('关闭');
    expect(localized.get('here')).toBe('这里');
    expect(localized.get('clear')).toBe('清除');
    for (const name of ['480P', 'grok-video-3', 'English', '简体中文']) {
      expect(localized.has(name), name).toBe(true);
      expect(localized.get(name), name).toBeUndefined();
    }
  });

  it('is accepted by the Discord emulator, which checks localization dicts as Discord does', async () => {
    const applicationId = snowflake();
    const emu = await startDiscordEmulator({ applicationId });
    try {
      const rest = new REST({ api: emu.apiBase }).setToken('any-token');
      const body = registration();
      await rest.put(Routes.applicationCommands(applicationId), { body });
      const stored = emu.registeredCommands().find((c) => c.name === 'settings');
      expect(stored?.raw).toMatchObject({
        description_localizations: { 'zh-CN': translator('zh-CN').t('commands.settings.description') },
      });
    } finally {
      await emu.close();
    }
  });

  it('names the Animate message menu in Chinese for zh-CN clients, keeping the name the handler matches', () => {
    const menu = allCommandsJson([]).find((c) => c.type === ApplicationCommandType.Message);
    expect(menu).toMatchObject({ name: 'Animate', name_localizations: { 'zh-CN': '生成动画' } });
  });
});
