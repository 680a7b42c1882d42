import type { GenerationLimits } from '../config.js';
import { describeBan } from './ban-rules.js';
import { describeSpaceModels, type SpaceModelView } from './space-models.js';
import type { ChannelNamer, SpaceSettings } from './space-settings.js';

/** For `/settings show`: the effective rules in a few lines. */
export function describeSettings(
  names: ChannelNamer,
  settings: SpaceSettings,
  limits: Pick<GenerationLimits, 'defaultSeconds' | 'defaultAspectRatio' | 'defaultResolution'>,
  options: { showBans: boolean; models: SpaceModelView },
): string {
  const d = settings.defaults;
  const mark = (v: unknown) => (v === undefined ? ' (bot default)' : '');
  const lines = [
    `Channels: ${settings.channels.length === 0 ? 'everywhere' : settings.channels.map((c) => names.channel(c)).join(', ')}`,
    `Defaults: ${d.seconds ?? limits.defaultSeconds} s${mark(d.seconds)}, ${d.aspectRatio ?? limits.defaultAspectRatio}${mark(d.aspectRatio)}, ${d.resolution ?? limits.defaultResolution}${mark(d.resolution)}`,
    describeSpaceModels(options.models),
    `Image input: ${settings.imagesAllowed ? 'allowed' : 'off'}`,
  ];
  if (options.showBans) {
    lines.push(
      settings.bans.length === 0
        ? 'Ban list: empty'
        : `Ban list (${settings.bans.length}): ${settings.bans.map((b) => `\`${describeBan(b).replace(/`/g, 'ˋ')}\``).join(', ')}`,
    );
  } else {
    lines.push(
      `Ban list: ${settings.bans.length === 0 ? 'empty' : `${settings.bans.length} entries (admins can see them)`}`,
    );
  }
  return lines.join('\n');
}
