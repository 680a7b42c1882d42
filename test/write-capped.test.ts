import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCapped } from '../src/util/write-capped.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'write-capped-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A body of `chunks` chunks of `size` bytes; counts how many were pulled. */
function body(chunks: number, size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  return {
    stream: new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === chunks) controller.close();
        else controller.enqueue(new Uint8Array(size).fill(sent++ % 256));
      },
    }),
    pulled: () => sent,
  };
}

describe('writeCapped', () => {
  it('streams a body to a file and returns its size', async () => {
    const path = join(dir, 'ok.bin');
    const { stream } = body(4, 1000);
    expect(await writeCapped(stream, path, 4000, () => new Error('too large'))).toBe(4000);
    const written = await readFile(path);
    expect(written.length).toBe(4000);
    expect(written[3999]).toBe(3);
  });

  it('stops as soon as the count passes the cap, without reading the rest', async () => {
    const { stream, pulled } = body(1000, 1000);
    await expect(
      writeCapped(stream, join(dir, 'big.bin'), 2500, (size) => new Error(`too large: ${size}`)),
    ).rejects.toThrow('too large: 3000');
    expect(pulled()).toBeLessThan(20);
  });
});
