import { randomBytes } from 'node:crypto';
import type { DiscordState } from './state.js';
import type { LinkPreviewEmbed, LinkPreviewInput } from './types.js';

/**
 * Discord's media proxy for link previews: when a message links a page, Discord mirrors the page's image and
 * the embed's `proxy_url` points at `https://images-ext-<N>.discordapp.net/external/<key>/<scheme>/<host>/<path>`
 * (the `url` stays the site's own). The emulator serves those mirrors at `/external/...` on its origin, and
 * `mediaFetch` reaches Discord's media hosts there, as DNS would reach Discord's.
 */

/** Discord's CDN and media-proxy hosts, over https on the default port, as the real ones are served. */
const DISCORD_MEDIA_HOST =
  /^(cdn\.discordapp\.com|media\.discordapp\.net|images-ext-\d{1,3}\.discordapp\.net)$/;

export function linkPreview(state: DiscordState, input: LinkPreviewInput): LinkPreviewEmbed {
  const image = new URL(input.image.url);
  const key = randomBytes(18).toString('base64url');
  const path = `/external/${key}/${image.protocol.replace(':', '')}/${image.host}${image.pathname}`;
  state.proxiedMedia.set(key, {
    bytes: Buffer.from(input.image.bytes),
    contentType: input.image.contentType ?? 'image/png',
  });
  return {
    type: 'link',
    url: input.url,
    ...(input.title === undefined ? {} : { title: input.title }),
    ...(input.description === undefined ? {} : { description: input.description }),
    thumbnail: {
      url: input.image.url,
      proxy_url: `https://images-ext-${input.proxyHost ?? 1}.discordapp.net${path}`,
      width: input.image.width ?? 320,
      height: input.image.height ?? 240,
    },
  };
}

/** The mirrored image a `/external/<key>/...` path names, if the emulator made it. */
export function proxiedMedia(state: DiscordState, path: string) {
  const key = /^\/external\/([\w-]+)\//.exec(path)?.[1];
  return key === undefined ? undefined : state.proxiedMedia.get(key);
}

/**
 * A fetch for the bot under test: Discord's CDN and media-proxy hosts (https, default port) and the
 * emulator's own origin reach the emulator; any other host fails as an unreachable one would, so a test can
 * never touch the network and a fetch the bot should not make shows up as a failure.
 */
export function createMediaFetch(origin: string): typeof fetch {
  const local = new URL(origin);
  return (input, init) => {
    const requested = new URL(input instanceof Request ? input.url : String(input));
    if (requested.origin !== local.origin) {
      const discord =
        requested.protocol === 'https:' &&
        requested.port === '' &&
        requested.username === '' &&
        requested.password === '' &&
        DISCORD_MEDIA_HOST.test(requested.hostname);
      if (!discord) {
        return Promise.reject(
          new TypeError(`fetch failed: the emulated network has no route to ${requested.host}`),
        );
      }
      requested.protocol = local.protocol;
      requested.host = local.host;
    }
    return fetch(input instanceof Request ? new Request(requested, input) : requested, init);
  };
}
