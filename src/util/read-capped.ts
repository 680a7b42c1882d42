/**
 * Reads a download into memory, but never more than `maxBytes`: the stream is cancelled as soon as the count
 * passes the cap, whatever the server declared, and `tooLarge(size)` says what to throw.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: (size: number) => Error,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await body.cancel().catch(() => undefined);
      throw tooLarge(size);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
