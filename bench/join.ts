import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/log.js';
import { formatByteSize } from '../src/util/format.js';
import { createFfmpeg } from '../src/video/ffmpeg.js';
import { joinClips } from '../src/video/join.js';
import { probeClip } from '../src/video/probe.js';
import { fixed, writeFigures } from './stats.js';

/**
 * What Extend's join costs: 4 clips of 15 s at 720P (1280×720, 24 fps, moving test pattern with noise and a
 * 48 kHz stereo tone, so the encoder has real work) joined into one 60 s MP4 by `joinClips`, the way the bot
 * joins a chain at MAX_EXTENDED_SECONDS=60. Prints the wall time and the peak RSS of the ffmpeg process
 * (its VmHWM from /proc, sampled while it runs; Linux) and of this Node process. Run with
 * `npx tsx bench/join.ts [runs]`.
 */

const RUNS = Number(process.argv[2] ?? 2);
const CLIPS = 4;
const SECONDS = 15;
const logger = createLogger({ level: 'silent' });
const ffmpeg = createFfmpeg({ concurrency: 2, timeoutMs: 600_000, logger });
const dir = await mkdtemp(join(tmpdir(), 'bench-join-'));

/** The peak resident set (VmHWM, bytes) of this process's ffmpeg children while `work` runs. */
async function childPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakBytes: number }> {
  let peak = 0;
  const sample = async () => {
    for (const entry of await readdir('/proc').catch(() => [])) {
      if (!/^\d+$/.test(entry)) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
      if (!/^Name:\s+ffmpeg/m.test(status) || !new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status))
        continue;
      const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    }
  };
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    return { result: await work(), peakBytes: peak };
  } finally {
    running = false;
    await sampler;
  }
}

try {
  const clips: string[] = [];
  const made = performance.now();
  for (let i = 0; i < CLIPS; i++) {
    const out = join(dir, `clip-${i}.mp4`);
    const run = await ffmpeg.run([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=1280x720:r=24:d=${SECONDS},noise=alls=${2 + i}:allf=t`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${330 + i * 110}:sample_rate=48000:duration=${SECONDS}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-ac',
      '2',
      '-shortest',
      '-y',
      out,
    ]);
    if (run.code !== 0) throw new Error(`could not make clip ${i}: ${run.stderr.slice(-300)}`);
    clips.push(out);
  }
  const inputs = await Promise.all(clips.map((clip) => probeClip(ffmpeg, clip)));
  const inputBytes = inputs.reduce((sum, clip) => sum + clip.bytes, 0);
  console.log(
    `input: ${CLIPS} × ${SECONDS} s ${inputs[0]?.width}×${inputs[0]?.height} ${inputs[0]?.fps} fps clips with sound, ` +
      `${formatByteSize(inputBytes)} together (made in ${fixed((performance.now() - made) / 1000, 1)} s)`,
  );
  console.log(`ffmpeg: ${ffmpeg.path}`);

  const times: number[] = [];
  let peakBytes = 0;
  let outBytes = 0;
  let outSeconds = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const { result, peakBytes: peak } = await childPeakRss(() =>
      joinClips(ffmpeg, clips, join(dir, `joined-${run}.mp4`), { workDir: dir, maxBytes: 2 ** 31 }),
    );
    const ms = performance.now() - started;
    times.push(ms);
    peakBytes = Math.max(peakBytes, peak);
    outBytes = result.info.bytes;
    outSeconds = result.info.durationSeconds;
    console.log(
      `run ${run + 1}: ${fixed(ms / 1000, 2)} s, ffmpeg peak RSS ${formatByteSize(peak)}, ` +
        `${fixed(result.info.durationSeconds, 2)} s ${result.info.width}×${result.info.height} ` +
        `${formatByteSize(result.info.bytes)}${result.info.hasAudio ? ' with sound' : ''}`,
    );
  }
  const nodeRss = process.resourceUsage().maxRSS * 1024;
  const best = Math.min(...times);
  console.log(
    `\njoin of ${CLIPS} × ${SECONDS} s 720P: best ${fixed(best / 1000, 2)} s (${fixed((CLIPS * SECONDS * 1000) / best, 1)}× real time), ` +
      `ffmpeg peak RSS ${formatByteSize(peakBytes)}, this Node process peak RSS ${formatByteSize(nodeRss)}`,
  );
  await writeFigures({
    clips: CLIPS,
    clipSeconds: SECONDS,
    inputBytes,
    outputBytes: outBytes,
    outputSeconds: outSeconds,
    bestMs: best,
    ffmpegPeakRssBytes: peakBytes,
    nodePeakRssBytes: nodeRss,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
