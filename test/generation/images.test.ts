import { formatByteSize } from '../../src/util/format.js';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { Create } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { BotError, InvalidInputError } from '../../src/errors.js';
import { text } from '../../src/i18n/text.js';
import { translator } from '../../src/i18n/translate.js';
import {
  DATA_URI_LIMIT_CHARS,
  MAX_INPUT_PIXELS,
  checkDeclaredImageType,
  prepareImage,
  sniffImageType,
} from '../../src/generation/images.js';
import { declaredImageKind } from '../../src/generation/image-type.js';
import type { ImageLimits, PreparedImage } from '../../src/generation/images.js';

const MiB = 1024 * 1024;
const LIMITS: ImageLimits = { maxImageBytes: 20 * MiB, maxSide: 1280, maxDataUriChars: DATA_URI_LIMIT_CHARS };

/**
 * A smooth three-channel gradient with roughly Gaussian noise, deterministic so sizes do not drift between
 * runs. The noise is what makes a quality-100 JPEG as heavy as a real camera photo.
 */
function noisyGradient(width: number, height: number, sigma: number, channels: 3 | 4 = 3): Buffer {
  const out = Buffer.allocUnsafe(width * height * channels);
  let seed = 0x9e3779b9;
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        // The sum of three uniform bytes is close enough to a bell curve (mean 382.5, sd ≈ 127.9).
        const noise =
          (((seed & 0xff) + ((seed >>> 8) & 0xff) + ((seed >>> 16) & 0xff) - 382.5) / 127.9) * sigma;
        const base =
          c === 0 ? (255 * x) / width : c === 1 ? (255 * y) / height : (255 * (x + y)) / (width + height);
        out[i++] = Math.min(255, Math.max(0, Math.round(base + noise)));
      }
      if (channels === 4) out[i++] = 255;
    }
  }
  return out;
}

function rawImage(data: Buffer, width: number, height: number, channels: 3 | 4) {
  return sharp(data, { raw: { width, height, channels } });
}

function solid(width: number, height: number, background: Create['background'], channels: 3 | 4 = 3) {
  return sharp({ create: { width, height, channels, background } });
}

function decodeDataUri(prepared: PreparedImage): Buffer {
  const prefix = `data:${prepared.mime};base64,`;
  expect(prepared.dataUri.startsWith(prefix)).toBe(true);
  return Buffer.from(prepared.dataUri.slice(prefix.length), 'base64');
}

async function expectInvalid(promise: Promise<unknown>): Promise<InvalidInputError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
}

const PDF = new TextEncoder().encode('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');

describe('sniffImageType', () => {
  it('recognises PNG, JPEG, WebP and GIF from their bytes', async () => {
    const image = solid(8, 8, '#336699');
    expect(sniffImageType(await image.clone().png().toBuffer())).toBe('png');
    expect(sniffImageType(await image.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageType(await image.clone().webp().toBuffer())).toBe('webp');
    expect(sniffImageType(await image.clone().gif().toBuffer())).toBe('gif');
    expect(sniffImageType(new TextEncoder().encode('GIF87a\x01\x00\x01\x00'))).toBe('gif');
  });

  it('refuses PDFs, other RIFF files, random and empty bytes', () => {
    expect(sniffImageType(PDF)).toBeUndefined();
    expect(sniffImageType(new TextEncoder().encode('RIFF\x24\x00\x00\x00WAVEfmt '))).toBeUndefined();
    const random = new Uint8Array(256).map((_, i) => (i * 97 + 13) % 251);
    expect(sniffImageType(random)).toBeUndefined();
    expect(sniffImageType(new Uint8Array(0))).toBeUndefined();
    // A truncated signature is not a match.
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e]))).toBeUndefined();
  });
});

describe('declaredImageKind', () => {
  it('trusts a specific declared media type over the name', () => {
    expect(declaredImageKind({ name: 'x.bin', contentType: 'image/png' })).toBe('image');
    expect(declaredImageKind({ name: 'x.jpg', contentType: 'image/jpeg; charset=binary' })).toBe('image');
    expect(declaredImageKind({ name: 'photo.png', contentType: 'application/pdf' })).toBe('other');
    expect(declaredImageKind({ name: 'IMG_1.HEIC', contentType: 'image/heic' })).toBe('other');
  });

  it('falls back to the name’s extension when the type says nothing, and knows when it cannot tell', () => {
    expect(declaredImageKind({ name: 'brief.PDF' })).toBe('other');
    expect(declaredImageKind({ name: 'clip.mp4', contentType: 'application/octet-stream' })).toBe('other');
    expect(declaredImageKind({ name: 'sea.webp' })).toBe('image');
    // Embed titles and stored references are no file names: they never refuse anything.
    expect(declaredImageKind({ name: 'embedded image' })).toBe('unknown');
    expect(declaredImageKind({ name: 'image 1' })).toBe('unknown');
    expect(declaredImageKind({ name: 'example.org' })).toBe('unknown');
  });

  it('refuses only what is certainly not an image, with the same sentence as the byte check', async () => {
    expect(() => checkDeclaredImageType({ name: 'brief.pdf', contentType: 'application/pdf' })).toThrow(
      '“brief.pdf” is not a PNG, JPEG, WebP or GIF image.',
    );
    expect(() => checkDeclaredImageType({ name: 'scan' })).not.toThrow();
    await expect(prepareImage({ bytes: PDF, name: 'brief.pdf' }, LIMITS)).rejects.toThrow(
      '“brief.pdf” is not a PNG, JPEG, WebP or GIF image.',
    );
  });
});

describe('formatByteSize', () => {
  it('formats sizes for people', () => {
    expect(formatByteSize(512)).toBe('512 bytes');
    expect(formatByteSize(1536)).toBe('1.5 KB');
    expect(formatByteSize(20 * MiB)).toBe('20 MB');
    expect(formatByteSize(Math.round(25.3 * MiB))).toBe('25.3 MB');
    expect(formatByteSize(3 * 1024 * MiB)).toBe('3 GB');
  });
});

describe('prepareImage refusals', () => {
  it('refuses a PDF renamed .png, whatever the claimed content type', async () => {
    const error = await expectInvalid(
      prepareImage({ bytes: PDF, name: 'report.png', contentType: 'image/png' }, LIMITS),
    );
    expect(error.userMessage).toBe('“report.png” is not a PNG, JPEG, WebP or GIF image.');
    expect(error.field).toBe('images');
    expect(error.detail['head']).toBe('255044462d312e34');
  });

  it('refuses random bytes', async () => {
    const random = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 253);
    const error = await expectInvalid(prepareImage({ bytes: random, name: 'noise.jpg' }, LIMITS));
    expect(error.userMessage).toBe('“noise.jpg” is not a PNG, JPEG, WebP or GIF image.');
  });

  it('names an image the bot made by its label, in the reader’s language, not its file name', async () => {
    const label = text('core.images.lastFrame');
    const error = await expectInvalid(prepareImage({ bytes: PDF, name: 'last-frame.png', label }, LIMITS));
    expect(error.userMessage).toBe('“the last frame of the video” is not a PNG, JPEG, WebP or GIF image.');
    expect(error.userMessageIn(translator('zh-CN'))).toContain('“视频的最后一帧”');
  });

  it('refuses an oversized file before decoding it', async () => {
    // JPEG magic then zeros: any decoder would call this damaged, so the size message proves no decode ran.
    const bytes = new Uint8Array(Math.round(25.3 * MiB));
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    const error = await expectInvalid(prepareImage({ bytes, name: 'photo.jpg' }, LIMITS));
    expect(error.userMessage).toBe('“photo.jpg” is 25.3 MB; the limit is 20 MB.');

    const small = await solid(64, 64, '#ff8800').jpeg().toBuffer();
    const tight = await expectInvalid(
      prepareImage({ bytes: small, name: 'tiny.jpg' }, { ...LIMITS, maxImageBytes: 100 }),
    );
    expect(tight.userMessage).toBe(`“tiny.jpg” is ${small.length} bytes; the limit is 100 bytes.`);
  });

  it('refuses a decompression bomb from its header', async () => {
    // A real PNG whose IHDR claims 20,000 × 20,000; the CRC is recomputed so the header itself is valid.
    const png = Buffer.from(await solid(16, 16, '#000000').png().toBuffer());
    png.writeUInt32BE(20_000, 16);
    png.writeUInt32BE(20_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    expect(20_000 * 20_000).toBeGreaterThan(MAX_INPUT_PIXELS);
    const error = await expectInvalid(prepareImage({ bytes: png, name: 'bomb.png' }, LIMITS));
    expect(error.userMessage).toBe('“bomb.png” is 20,000 × 20,000 pixels; the limit is 64 megapixels.');
  });

  it('refuses a truncated JPEG with a friendly message and keeps the detail for the log', async () => {
    const full = await rawImage(noisyGradient(400, 300, 20), 400, 300, 3)
      .jpeg({ quality: 90 })
      .toBuffer();
    const error = await expectInvalid(
      prepareImage({ bytes: full.subarray(0, Math.floor(full.length / 2)), name: 'broken.jpg' }, LIMITS),
    );
    expect(error.userMessage).toBe(
      '“broken.jpg” looks like a JPEG image but could not be read; it may be damaged or incomplete.',
    );
    expect(error.userMessage).not.toMatch(/vips/i);
    expect(String(error.detail['reason'])).toMatch(/jpeg/i);
  });

  it('keeps odd file names short and on one line', async () => {
    const error = await expectInvalid(
      prepareImage({ bytes: PDF, name: `a\nb${'x'.repeat(200)}.png` }, LIMITS),
    );
    expect(error.userMessage).not.toContain('\n');
    expect(error.userMessage).toMatch(/^“a bx+…” is not/);
  });
});

describe('prepareImage', () => {
  let bigPhoto: Buffer;

  beforeAll(async () => {
    bigPhoto = await rawImage(noisyGradient(4000, 3000, 6), 4000, 3000, 3)
      .jpeg({ quality: 100 })
      .toBuffer();
  });

  it('brings a 4000×3000 quality-100 photo under the data URI limit', async () => {
    expect(bigPhoto.length).toBeGreaterThanOrEqual(8 * MiB);
    const prepared = await prepareImage({ bytes: bigPhoto, name: 'photo.jpg' }, LIMITS);
    expect(prepared.mime).toBe('image/jpeg');
    expect(prepared.sourceType).toBe('jpeg');
    expect(prepared.dataUri.length).toBeLessThanOrEqual(DATA_URI_LIMIT_CHARS);
    expect(Math.max(prepared.width, prepared.height)).toBeLessThanOrEqual(1280);
    expect([prepared.width, prepared.height]).toEqual([1280, 960]);
    expect(prepared.inputBytes).toBe(bigPhoto.length);

    const output = decodeDataUri(prepared);
    expect(output.length).toBe(prepared.outputBytes);
    const metadata = await sharp(output).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1280, 960]);
  });

  it('steps quality and then size down until the data URI fits', async () => {
    const input = { bytes: bigPhoto, name: 'photo.jpg' };
    const first = await prepareImage(input, LIMITS);
    // Below the first encoding but above the smallest quality: fitted by quality alone, full size kept.
    const byQuality = await prepareImage(input, { ...LIMITS, maxDataUriChars: first.dataUri.length - 1 });
    expect(byQuality.dataUri.length).toBeLessThan(first.dataUri.length);
    expect([byQuality.width, byQuality.height]).toEqual([1280, 960]);

    // Far below what any quality gives at 1280 px: only fewer pixels can fit.
    const maxDataUriChars = 10_000;
    const bySize = await prepareImage(input, { ...LIMITS, maxDataUriChars });
    expect(bySize.dataUri.length).toBeLessThanOrEqual(maxDataUriChars);
    expect(bySize.width).toBeLessThan(1280);
    expect(bySize.width / bySize.height).toBeCloseTo(4 / 3, 1);
  });

  it('gives up with a BotError when nothing can fit', async () => {
    const small = await solid(200, 100, '#123456').jpeg().toBuffer();
    const error: unknown = await prepareImage(
      { bytes: small, name: 'a.jpg' },
      { ...LIMITS, maxDataUriChars: 120 },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BotError);
    expect(error).not.toBeInstanceOf(InvalidInputError);
    expect((error as BotError).kind).toBe('too_large');
    expect((error as BotError).userMessage).toBe(
      '“a.jpg” could not be made small enough to send to the video service.',
    );
  });

  it('applies the EXIF orientation and strips all metadata', async () => {
    const input = await solid(400, 200, '#2255aa')
      .jpeg()
      .withMetadata({ orientation: 6 })
      .withExif({ IFD0: { Copyright: 'do not leak', Artist: 'someone' } })
      .toBuffer();
    const inputMetadata = await sharp(input).metadata();
    expect(inputMetadata.orientation).toBe(6);
    expect(inputMetadata.exif).toBeDefined();

    const prepared = await prepareImage({ bytes: input, name: 'rotated.jpg' }, LIMITS);
    expect([prepared.width, prepared.height]).toEqual([200, 400]);
    const output = await sharp(decodeDataUri(prepared)).metadata();
    expect([output.width, output.height]).toEqual([200, 400]);
    expect(output.exif).toBeUndefined();
    expect(output.orientation).toBeUndefined();
    expect(output.icc).toBeUndefined();
    expect(output.xmp).toBeUndefined();
  });

  it('keeps real transparency as PNG', async () => {
    const input = await solid(120, 80, { r: 200, g: 30, b: 30, alpha: 0.4 }, 4).png().toBuffer();
    const prepared = await prepareImage({ bytes: input, name: 'logo.png' }, LIMITS);
    expect(prepared.mime).toBe('image/png');
    expect(prepared.dataUri.startsWith('data:image/png;base64,')).toBe(true);
    const output = await sharp(decodeDataUri(prepared)).metadata();
    expect(output.format).toBe('png');
    expect(output.hasAlpha).toBe(true);
  });

  it('shrinks a transparent PNG that is over the limit', async () => {
    const data = noisyGradient(1000, 800, 40, 4);
    for (let i = 3; i < data.length; i += 4) data[i] = (i >> 2) % 1000 < 500 ? 255 : 0;
    const input = await rawImage(data, 1000, 800, 4).png().toBuffer();
    const maxDataUriChars = 200_000;
    const prepared = await prepareImage({ bytes: input, name: 'big.png' }, { ...LIMITS, maxDataUriChars });
    expect(prepared.mime).toBe('image/png');
    expect(prepared.dataUri.length).toBeLessThanOrEqual(maxDataUriChars);
    // Even the palette version of this much noise is over the limit, so it took fewer pixels.
    expect(prepared.width).toBeLessThan(1000);
    expect((await sharp(decodeDataUri(prepared)).metadata()).hasAlpha).toBe(true);
  });

  it('sends opaque PNGs as JPEG, with or without an alpha channel', async () => {
    for (const channels of [3, 4] as const) {
      const input = await solid(120, 80, '#44aa44', channels).png().toBuffer();
      expect((await sharp(input).metadata()).channels).toBe(channels);
      const prepared = await prepareImage({ bytes: input, name: 'flat.png' }, LIMITS);
      expect(prepared.mime).toBe('image/jpeg');
      expect(prepared.sourceType).toBe('png');
    }
  });

  it('uses the first frame of an animated GIF', async () => {
    const red = await solid(60, 40, '#ff0000').png().toBuffer();
    const blue = await solid(60, 40, '#0000ff').png().toBuffer();
    const gif = await sharp([red, blue], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);

    const prepared = await prepareImage({ bytes: gif, name: 'anim.gif' }, LIMITS);
    expect(prepared.sourceType).toBe('gif');
    expect(prepared.mime).toBe('image/jpeg');
    expect([prepared.width, prepared.height]).toEqual([60, 40]);
    const { data } = await sharp(decodeDataUri(prepared)).raw().toBuffer({ resolveWithObject: true });
    const [r = 0, g = 0, b = 0] = data;
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(50);
    expect(b).toBeLessThan(50);
  });

  it('accepts WebP', async () => {
    const input = await solid(90, 70, '#808000').webp().toBuffer();
    const prepared = await prepareImage({ bytes: input, name: 'pic.webp' }, LIMITS);
    expect([prepared.sourceType, prepared.mime, prepared.width, prepared.height]).toEqual([
      'webp',
      'image/jpeg',
      90,
      70,
    ]);
  });

  it('does not upscale small images', async () => {
    const input = await solid(300, 200, '#abcdef').jpeg().toBuffer();
    const prepared = await prepareImage({ bytes: input, name: 'small.jpg' }, LIMITS);
    expect([prepared.width, prepared.height]).toEqual([300, 200]);
  });
});
