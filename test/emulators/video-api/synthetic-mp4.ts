import { createHash } from 'node:crypto';

/**
 * An MP4 of any size that looks like one to a type sniffer (an `ftyp` box, then one `mdat` box filling the
 * rest), produced one chunk at a time so a test can serve or check hundreds of megabytes without holding them.
 * The bytes depend only on the size, so a test recomputes the digest of what the emulator served.
 */

export const SYNTHETIC_CHUNK_BYTES = 64 * 1024;
/** The `ftyp` box and the `mdat` header. */
export const SYNTHETIC_MIN_BYTES = 40;
/** `mdat` with a 32-bit size; bigger files would need the 64-bit form, and no test needs them. */
export const SYNTHETIC_MAX_BYTES = 2 ** 32 - 1;

const FTYP = Buffer.concat([
  Buffer.from([0, 0, 0, 32]),
  Buffer.from('ftypisom', 'latin1'),
  Buffer.from([0, 0, 2, 0]),
  Buffer.from('isomiso2avc1mp41', 'latin1'),
]);

/** Deterministic noise (xorshift32): no run of repeats a compressing layer could shrink. */
const NOISE = (() => {
  const block = Buffer.alloc(SYNTHETIC_CHUNK_BYTES);
  let x = 0x9e3779b9;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  return block;
})();

/** The file's chunks in order; each is a fresh buffer, so a consumer may keep or drop it. */
export function* syntheticMp4(bytes: number): Generator<Buffer> {
  if (!Number.isInteger(bytes) || bytes < SYNTHETIC_MIN_BYTES || bytes > SYNTHETIC_MAX_BYTES) {
    throw new RangeError(
      `a synthetic MP4 is ${SYNTHETIC_MIN_BYTES}..${SYNTHETIC_MAX_BYTES} bytes, not ${bytes}`,
    );
  }
  for (let offset = 0, index = 0; offset < bytes; offset += SYNTHETIC_CHUNK_BYTES, index++) {
    const chunk = Buffer.from(NOISE.subarray(0, Math.min(SYNTHETIC_CHUNK_BYTES, bytes - offset)));
    // Each chunk carries its index, so a chunk lost, repeated or reordered changes the digest.
    if (chunk.length >= 4) chunk.writeUInt32BE(index, 0);
    if (index === 0) {
      FTYP.copy(chunk, 0);
      chunk.writeUInt32BE(bytes - FTYP.length, FTYP.length);
      chunk.write('mdat', FTYP.length + 4, 'latin1');
    }
    yield chunk;
  }
}

/** The SHA-256 (hex) of `syntheticMp4(bytes)`. */
export function syntheticMp4Sha256(bytes: number): string {
  const hash = createHash('sha256');
  for (const chunk of syntheticMp4(bytes)) hash.update(chunk);
  return hash.digest('hex');
}
