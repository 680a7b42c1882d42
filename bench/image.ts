import { formatByteSize } from '../src/util/format.js';
/**
 * How long `prepareImage` takes on a phone-sized photo at its heaviest: 4000×3000, JPEG quality 100 with
 * sensor-like noise (about 12 MB). Run with `npx tsx bench/image.ts [runs]`.
 */
import sharp from 'sharp';
import { DATA_URI_LIMIT_CHARS, prepareImage } from '../src/generation/images.js';
import type { ImageLimits, PreparedImage } from '../src/generation/images.js';
import { writeFigures } from './stats.js';

const WIDTH = 4000;
const HEIGHT = 3000;
/** Noise level that puts the quality-100 JPEG near 12 MB; the smooth gradient alone would be ~3 MB. */
const NOISE_SIGMA = 17;
const RUNS = Number(process.argv[2] ?? 5);
const LIMITS: ImageLimits = {
  maxImageBytes: 20 * 1024 * 1024,
  maxSide: 1280,
  maxDataUriChars: DATA_URI_LIMIT_CHARS,
};

/** Deterministic gradient plus roughly Gaussian noise, so every run measures the same bytes. */
function noisyGradient(width: number, height: number, sigma: number): Buffer {
  const out = Buffer.allocUnsafe(width * height * 3);
  let seed = 0x9e3779b9;
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        const noise =
          (((seed & 0xff) + ((seed >>> 8) & 0xff) + ((seed >>> 16) & 0xff) - 382.5) / 127.9) * sigma;
        const base =
          c === 0 ? (255 * x) / width : c === 1 ? (255 * y) / height : (255 * (x + y)) / (width + height);
        out[i++] = Math.min(255, Math.max(0, Math.round(base + noise)));
      }
    }
  }
  return out;
}

const count = (n: number) => n.toLocaleString('en-US');
const ms = (n: number | undefined) => `${(n ?? 0).toFixed(0)} ms`;

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const photo = await sharp(noisyGradient(WIDTH, HEIGHT, NOISE_SIGMA), {
  raw: { width: WIDTH, height: HEIGHT, channels: 3 },
})
  .jpeg({ quality: 100 })
  .toBuffer();

console.log(
  `input: ${WIDTH}×${HEIGHT} JPEG q100, ${count(photo.length)} bytes (${formatByteSize(photo.length)})`,
);
console.log(
  `sharp: ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, concurrency ${sharp.concurrency()}`,
);

async function measure(
  label: string,
  limits: ImageLimits,
  runs: number,
): Promise<{ last: PreparedImage; medianMs: number }> {
  // One untimed run so the first measurement does not include loading codecs and warming caches.
  await prepareImage({ bytes: photo, name: 'bench.jpg' }, limits);
  const times: number[] = [];
  let last: PreparedImage | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    last = await prepareImage({ bytes: photo, name: 'bench.jpg' }, limits);
    times.push(performance.now() - started);
  }
  if (last === undefined) throw new Error('no runs');
  times.sort((a, b) => a - b);
  console.log(`\n${label} (maxSide ${limits.maxSide}, maxDataUriChars ${count(limits.maxDataUriChars)})`);
  console.log(
    `  output: ${last.mime} ${last.width}×${last.height}, ${count(last.outputBytes)} bytes, ` +
      `data URI ${count(last.dataUri.length)} chars`,
  );
  console.log(
    `  time:   ${runs} runs, min ${ms(times[0])}, median ${ms(median(times))}, max ${ms(times[times.length - 1])}`,
  );
  return { last, medianMs: median(times) };
}

const bot = await measure('bot settings', LIMITS, RUNS);
// No downscale on decode, so the data URI limit is met only by the quality and size ladder: the slow path.
const ladder = await measure('full-size ladder', { ...LIMITS, maxSide: 4000 }, Math.min(RUNS, 3));
console.log(`\nrss: ${formatByteSize(process.memoryUsage().rss)} after the runs`);
await writeFigures({
  inputBytes: photo.length,
  outputBytes: bot.last.outputBytes,
  dataUriChars: bot.last.dataUri.length,
  outputSize: `${bot.last.width}×${bot.last.height} ${bot.last.mime}`,
  medianMs: bot.medianMs,
  ladderMedianMs: ladder.medianMs,
});
