import type { GenerationLimits } from '../config.js';
import { translator, type Translator } from '../i18n/translate.js';
import { describeBan } from './ban-rules.js';
import { describeSpaceModels, type SpaceModelView } from './space-models.js';
import type { ChannelNamer, SpaceSettings } from './space-settings.js';

/**
 * For `/settings show`: the effective rules in a few lines, in `tr`'s language (the reader's; English by
 * default).
 */
export function describeSettings(
  names: ChannelNamer,
  settings: SpaceSettings,
  limits: Pick<GenerationLimits, 'defaultSeconds' | 'defaultAspectRatio' | 'defaultResolution'>,
  options: { showBans: boolean; models: SpaceModelView },
  tr: Translator = translator('en'),
): string {
  const d = settings.defaults;
  const separator = tr.t('core.format.separator');
  const mark = (v: unknown) => (v === undefined ? 'yes' : 'no');
  const lines = [
    settings.channels.length === 0
      ? tr.t('core.settings.show.channelsEverywhere')
      : tr.t('core.settings.show.channels', {
          channels: settings.channels.map((c) => names.channel(c)).join(separator),
        }),
    tr.t('core.settings.show.defaults', {
      seconds: d.seconds ?? limits.defaultSeconds,
      secondsDefault: mark(d.seconds),
      aspectRatio: d.aspectRatio ?? limits.defaultAspectRatio,
      aspectRatioDefault: mark(d.aspectRatio),
      resolution: d.resolution ?? limits.defaultResolution,
      resolutionDefault: mark(d.resolution),
    }),
    describeSpaceModels(options.models, tr),
    tr.t(settings.imagesAllowed ? 'core.settings.show.imagesAllowed' : 'core.settings.show.imagesOff'),
  ];
  if (options.showBans) {
    lines.push(
      settings.bans.length === 0
        ? tr.t('core.settings.show.bansEmpty')
        : tr.t('core.settings.show.bans', {
            count: settings.bans.length,
            bans: settings.bans.map((b) => `\`${describeBan(b).replace(/`/g, 'ˋ')}\``).join(separator),
          }),
    );
  } else {
    lines.push(
      settings.bans.length === 0
        ? tr.t('core.settings.show.bansEmpty')
        : tr.t('core.settings.show.bansHidden', { count: settings.bans.length }),
    );
  }
  return lines.join('\n');
}
