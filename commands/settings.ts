import { z } from 'zod';
import { InvalidInputError } from '../src/errors.js';
import { LANGUAGES, isLanguage, languageOf, resolveLanguages, type Language } from '../src/i18n/languages.js';
import { translator, type Translator } from '../src/i18n/translate.js';
import { ALL_SIZES } from '../src/video-api/models.js';
import type { Invocation, OptionValue } from '../src/port.js';
import {
  MAX_PATTERN_CHARS,
  describeBan,
  describeSettings,
  type ChannelEntry,
} from '../src/settings/space-settings.js';
import { describeSpaceModels } from '../src/settings/space-models.js';
import { actorOf, requireSpaceAdmin } from './admin-only.js';
import { imagineOptions } from './imagine.js';
import { english } from './registration.js';
import type { CommandDefinition, OptionSpec } from './types.js';

/**
 * `/settings`: the rules admins set for their space (prompt ban list, allowed channels, option
 * defaults, image input) and each user's own notification choice. Everyone may `show`; every change but
 * `notify` needs an admin (checked in the settings service, the same rule as /quota).
 */

const patternOption: OptionSpec = {
  name: 'pattern',
  type: 'string',
  description: english('commands.settings.option.pattern.description'),
  required: true,
  maxLength: MAX_PATTERN_CHARS + 2,
};
const channelOption: OptionSpec = {
  name: 'channel',
  type: 'channel',
  description: english('commands.settings.option.channel.description'),
};
const stateOption: OptionSpec = {
  name: 'state',
  type: 'string',
  description: english('commands.settings.option.state.description'),
  required: true,
  choices: [
    { name: english('commands.settings.option.state.choice.on'), value: 'on' },
    { name: english('commands.settings.option.state.choice.off'), value: 'off' },
  ],
};

/** The subcommands only admins may run (the settings service checks them again, for every front end). */
const ADMIN_SUBCOMMANDS: ReadonlySet<string> = new Set([
  'ban-add',
  'ban-remove',
  'channel-add',
  'channel-remove',
  'defaults',
  'models',
  'images',
  'language',
]);

/** The same options, rules and flag names as /imagine's (`--seconds`, `--ar`, `--res` on Slack). */
export const DEFAULTS_OPTIONS: readonly OptionSpec[] = imagineOptions
  .filter((o) => ['seconds', 'aspect_ratio', 'resolution'].includes(o.name))
  // Any size of the family: a model that cannot make the space's default uses its own.
  .map((o) => ({
    ...o,
    description: english(
      `commands.settings.defaults.${o.name as 'seconds' | 'aspect_ratio' | 'resolution'}.description`,
    ),
    required: false,
    ...(o.name === 'resolution' ? { choices: ALL_SIZES.map((r) => ({ name: r, value: r })) } : {}),
  }));

/** `/settings models`: no choices here, the offered models are configuration (see `settingsCommandOffering`). */
const MODELS_OPTIONS: readonly OptionSpec[] = [
  { name: 'default', type: 'string', description: english('commands.settings.models.default.description') },
  {
    name: 'allowed',
    type: 'string',
    description: english('commands.settings.models.allowed.description'),
  },
  { name: 'clear', type: 'boolean', description: english('commands.settings.models.clear.description') },
];

export const SETTINGS_SUBCOMMANDS = [
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
] as const;

const channelValueSchema = z.object({
  kind: z.literal('channel'),
  id: z.string().min(1),
  name: z.string().optional(),
});

function channelOf(value: OptionValue | undefined, invocation: Invocation, tr: Translator): ChannelEntry {
  if (value === undefined) return { id: invocation.channelId };
  const parsed = channelValueSchema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError('channel', tr.t('commands.settings.channel.invalid'));
  return { id: parsed.data.id, name: parsed.data.name };
}

function stateOf(value: OptionValue | undefined, tr: Translator): boolean {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (text === 'on' || text === true) return true;
  if (text === 'off' || text === false) return false;
  throw new InvalidInputError('state', tr.t('commands.settings.state.invalid'));
}

/** A language as its own speakers name it ("English", "简体中文"), whatever language the answer is in. */
function languageName(language: Language, tr: Translator): string {
  return tr.t(`commands.settings.language.name.${language}`);
}

function stringOf(value: OptionValue | undefined): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export const settingsCommand: CommandDefinition = {
  name: 'settings',
  description: english('commands.settings.description'),
  surface: 'slash',
  visibility: 'private',
  defaultSubcommand: 'show',
  usageHint:
    'show | ban-add word | ban-remove word | channel-add #ch | channel-remove #ch | defaults --seconds 6 --ar 9:16 --res 480P | models --default grok-video-3 --allowed grok-imagine-video,grok-video-3 | images on|off | language en|zh-CN|clear | notify on|off',
  subcommands: [
    { name: 'show', description: english('commands.settings.show.description'), options: [] },
    {
      name: 'ban-add',
      description: english('commands.settings.ban-add.description'),
      options: [patternOption],
    },
    {
      name: 'ban-remove',
      description: english('commands.settings.ban-remove.description'),
      options: [patternOption],
    },
    {
      name: 'channel-add',
      description: english('commands.settings.channel-add.description'),
      options: [channelOption],
    },
    {
      name: 'channel-remove',
      description: english('commands.settings.channel-remove.description'),
      options: [channelOption],
    },
    {
      name: 'defaults',
      description: english('commands.settings.defaults.description'),
      options: [
        ...DEFAULTS_OPTIONS,
        {
          name: 'clear',
          type: 'boolean',
          description: english('commands.settings.defaults.clear.description'),
        },
      ],
    },
    {
      name: 'models',
      description: english('commands.settings.models.description'),
      options: MODELS_OPTIONS,
    },
    {
      name: 'images',
      description: english('commands.settings.images.description'),
      options: [stateOption],
    },
    {
      name: 'language',
      description: english('commands.settings.language.description'),
      options: [
        {
          name: 'value',
          type: 'string',
          description: english('commands.settings.language.value.description'),
          required: true,
          choices: [
            ...LANGUAGES.map((l) => ({
              name: translator(l).t(`commands.settings.language.name.${l}`),
              value: l,
            })),
            { name: english('commands.settings.language.value.choice.clear'), value: 'clear' },
          ],
        },
      ],
    },
    {
      name: 'notify',
      description: english('commands.settings.notify.description'),
      options: [stateOption],
    },
  ],

  async handle(invocation, reply, context) {
    const deps = { settings: context.settings, isAdmin: context.quota.isAdmin };
    const actor = actorOf(invocation);
    const o = invocation.options;
    const say = (message: string) => reply.text(message, { ephemeral: true });
    const { tr } = context;
    const allowedIn = (channels: readonly ChannelEntry[]) =>
      tr.t('commands.settings.channels.allowed', {
        channels: tr.list(channels.map((c) => context.format.channel(c))),
      });
    const subcommand = invocation.subcommand ?? 'show';
    if (ADMIN_SUBCOMMANDS.has(subcommand)) {
      requireSpaceAdmin(invocation, context, {
        area: 'settings',
        action: subcommand,
        what: 'changeSettings',
      });
    }
    switch (subcommand) {
      case 'show': {
        const [settings, notify, models] = await Promise.all([
          deps.settings.get(actor),
          deps.settings.notifyEnabled(actor.platform, actor.spaceId, actor.userId),
          deps.settings.modelsFor(actor),
        ]);
        const admin = deps.isAdmin(actor);
        const language = settings.language
          ? languageName(settings.language, context.tr)
          : context.tr.t('commands.settings.language.unset', {
              language: languageName(context.spaceTr.language, context.tr),
            });
        await say(
          tr.t('commands.settings.show', {
            rules: describeSettings(context.format, settings, deps.settings.limits, {
              showBans: admin,
              models,
            }),
            language: tr.t('commands.settings.language.show', { language }),
            notify: notify ? 'on' : 'off',
          }),
        );
        return;
      }
      case 'ban-add': {
        const { rule } = await deps.settings.addBan(actor, stringOf(o.pattern) ?? '');
        await say(tr.t('commands.settings.ban.added', { rule: describeBan(rule) }));
        return;
      }
      case 'ban-remove': {
        const { rule } = await deps.settings.removeBan(actor, stringOf(o.pattern) ?? '');
        await say(tr.t('commands.settings.ban.removed', { rule: describeBan(rule) }));
        return;
      }
      case 'channel-add': {
        const channel = channelOf(o.channel, invocation, tr);
        const { settings } = await deps.settings.addChannel(actor, channel);
        await say(allowedIn(settings.channels));
        return;
      }
      case 'channel-remove': {
        const channel = channelOf(o.channel, invocation, tr);
        const { settings } = await deps.settings.removeChannel(actor, channel.id);
        await say(
          settings.channels.length === 0
            ? tr.t('commands.settings.channels.everywhere')
            : allowedIn(settings.channels),
        );
        return;
      }
      case 'defaults': {
        const clear = o.clear === true || stringOf(o.clear) === 'true';
        const input = {
          seconds: stringOf(o.seconds),
          aspectRatio: stringOf(o.aspect_ratio),
          resolution: stringOf(o.resolution),
        };
        if (!clear && Object.values(input).every((v) => v === undefined)) {
          throw new InvalidInputError('defaults', tr.t('commands.settings.defaults.nothing'));
        }
        const { settings } = await deps.settings.setDefaults(actor, clear ? 'clear' : input);
        const lines = describeSettings(context.format, settings, deps.settings.limits, {
          showBans: false,
          models: await deps.settings.modelsFor(actor),
        });
        // The defaults' line of the rules (the settings service's description).
        await say(
          tr.t('commands.settings.saved', {
            details: lines.split('\n').find((l) => l.startsWith('Defaults:')) ?? '',
          }),
        );
        return;
      }
      case 'models': {
        const clear = o.clear === true || stringOf(o.clear) === 'true';
        const defaultModel = stringOf(o.default);
        const allowedText = stringOf(o.allowed)?.trim();
        const allowed =
          allowedText === undefined || allowedText === ''
            ? undefined
            : allowedText.toLowerCase() === 'all'
              ? ('all' as const)
              : allowedText.split(/[\s,]+/);
        if (clear || defaultModel !== undefined || allowed !== undefined) {
          await deps.settings.setModels(actor, clear ? 'clear' : { defaultModel, allowed });
          await say(
            tr.t('commands.settings.saved', {
              details: describeSpaceModels(await deps.settings.modelsFor(actor)),
            }),
          );
          return;
        }
        await say(
          tr.t('commands.settings.models.howTo', {
            models: describeSpaceModels(await deps.settings.modelsFor(actor)),
          }),
        );
        return;
      }
      case 'images': {
        const allowed = stateOf(o.state, tr);
        await deps.settings.setImagesAllowed(actor, allowed);
        await say(tr.t(allowed ? 'commands.settings.images.on' : 'commands.settings.images.off'));
        return;
      }
      case 'language': {
        const value = stringOf(o.value)?.trim() ?? '';
        if (['clear', 'default', ''].includes(value.toLowerCase())) {
          await deps.settings.setLanguage(actor, 'clear');
          // The space's language without the setting: what the platform's locale or DEFAULT_LANGUAGE give.
          const { space } = resolveLanguages({
            spaceLocale: invocation.spaceLocale,
            defaultLanguage: context.defaultLanguage,
          });
          await say(
            context.tr.t('commands.settings.language.cleared', { language: languageName(space, context.tr) }),
          );
          return;
        }
        const language = isLanguage(value) ? value : languageOf(value);
        if (!language) {
          throw new InvalidInputError(
            'language',
            context.tr.t('commands.settings.language.unknown', {
              value,
              languages: context.tr.orList(LANGUAGES.map((l) => `\`${l}\``)),
            }),
          );
        }
        await deps.settings.setLanguage(actor, language);
        await say(
          context.tr.t('commands.settings.language.set', { language: languageName(language, context.tr) }),
        );
        return;
      }
      case 'notify': {
        const enabled = stateOf(o.state, tr);
        await deps.settings.setNotify(actor, actor.userId, enabled);
        await say(tr.t(enabled ? 'commands.settings.notify.on' : 'commands.settings.notify.off'));
        return;
      }
      default:
        throw new InvalidInputError(
          'subcommand',
          tr.t('commands.settings.unknown', {
            subcommand: invocation.subcommand ?? '',
            subcommands: tr.orList(SETTINGS_SUBCOMMANDS),
          }),
        );
    }
  },
};

/**
 * /settings as registered with a platform that shows choices (Discord): `models default` lists the models this
 * bot offers. The service checks the name again, since a registration can outlive a change of VIDEO_MODELS.
 */
export function settingsCommandOffering(models: readonly string[]): CommandDefinition {
  const subcommands = (settingsCommand.subcommands ?? []).map((sub) =>
    sub.name !== 'models'
      ? sub
      : {
          ...sub,
          options: sub.options.map((o) =>
            o.name === 'default' ? { ...o, choices: models.map((m) => ({ name: m, value: m })) } : o,
          ),
        },
  );
  return { ...settingsCommand, subcommands };
}
