import { randomBytes } from 'node:crypto';
import sharp, { type Create } from 'sharp';

/** Pictures for tests that send images through the bot, and the means to tell which picture arrived. */

export interface TestImageOptions {
  /** Default 64. */
  width?: number;
  /** Default: `width`. */
  height?: number;
  /** One colour (a CSS colour or `{ r, g, b, alpha }`), or random pixels, which do not compress. Default `#884422`. */
  fill?: Create['background'] | 'noise';
  /** 4 adds an alpha channel. Default 3. */
  channels?: 3 | 4;
  /** Default `png`. */
  format?: 'png' | 'jpeg' | 'webp';
}

/** The encoded bytes of a test picture. */
export function testImage(options: TestImageOptions = {}): Promise<Buffer> {
  const width = options.width ?? 64;
  const height = options.height ?? width;
  const channels = options.channels ?? 3;
  const fill = options.fill ?? '#884422';
  const image =
    fill === 'noise'
      ? sharp(randomBytes(width * height * channels), { raw: { width, height, channels } })
      : sharp({ create: { width, height, channels, background: fill } });
  return image.toFormat(options.format ?? 'png').toBuffer();
}

/** The bytes inside a `data:image/...;base64,` URI, as the video API received them. */
export function dataUriBytes(uri: unknown): Buffer {
  const match = /^data:image\/\w+;base64,(.+)$/.exec(String(uri));
  if (!match?.[1]) throw new Error(`not a data URI: ${String(uri).slice(0, 40)}`);
  return Buffer.from(match[1], 'base64');
}

/** Decoded RGBA pixels, to compare two encodings of the same picture. */
export function pixels(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes).ensureAlpha().raw().toBuffer();
}

/** The strongest colour channel of a picture, to tell which of a test's pictures was sent. */
export async function dominantChannel(bytes: Uint8Array): Promise<'r' | 'g' | 'b'> {
  const { channels } = await sharp(bytes).stats();
  const [r = 0, g = 0, b = 0] = channels.map((c) => c.mean);
  return r > g && r > b ? 'r' : g > b ? 'g' : 'b';
}
