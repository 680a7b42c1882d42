import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * Streams a download to `path`, never past `maxBytes`: the copy stops as soon as the count passes the cap,
 * whatever the server declared, and `tooLarge(size)` says what to throw. Only a chunk at a time is in memory.
 * Resolves with the byte count; on failure the caller removes what was written.
 */
export async function writeCapped(
  body: ReadableStream<Uint8Array>,
  path: string,
  maxBytes: number,
  tooLarge: (size: number) => Error,
): Promise<number> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(tooLarge(size));
      else callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), counter, createWriteStream(path));
  return size;
}
