import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/demo.js';

/** `npm run demo` as CI sees it: every scripted step happens, in under a minute, and the MP4s are written. */

const outDir = await mkdtemp(join(tmpdir(), 'demo-test-'));
afterAll(() => rm(outDir, { recursive: true, force: true }));

describe('npm run demo', () => {
  it('plays every step and writes the videos users received', async () => {
    const result = await runDemo({ outDir, generationMs: 1500 });
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.steps).toHaveLength(12);
    expect(result.elapsedMs).toBeLessThan(60_000);
    const sample = await readFile(new URL('../emulators/video-api/sample.mp4', import.meta.url));
    expect(result.videos).toHaveLength(8);
    // Every video is the provider's sample, but the extension: the sample with a new clip joined on.
    const extended = result.videos.filter((path) => path.includes('step6'));
    expect(extended).toHaveLength(1);
    for (const path of result.videos) {
      if (path.includes('step6')) expect(await readFile(path)).not.toEqual(sample);
      else expect(await readFile(path)).toEqual(sample);
    }
    const text = result.transcript.join('\n');
    expect(text).toContain('You have used 1 of your 1 video today');
    expect(text).toContain('alice’s limit is now 3 videos.');
    expect(text).toContain('The video could not be generated: Content policy violation');
    expect(text).toContain('[ephemeral');
    expect(text).toContain('the bot joined #lobby');
    expect(text).toContain('Invite me with `/invite @emulated-bot` and try again.');
    expect(text).toContain('It did not count against your quota.');
    expect(text).toContain('dana presses [Try again]');
    expect(text).toContain('alice presses [Extend]');
    expect(text).toMatch(/the joined video: 4\.\d\d s = both 2 s clips/);
  }, 90_000);
});
