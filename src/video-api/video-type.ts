/**
 * Whether a file is an MP4/QuickTime video, from its first bytes: what a download claims to be (its
 * Content-Type, its URL) is whatever the server says, and a non-video must never be posted as the video.
 */

/** Bytes needed to decide: the first box's 4-byte size, then its 4-byte type. */
export const VIDEO_HEAD_BYTES = 8;

/**
 * Box types an ISO BMFF (MP4) or QuickTime file starts with: `ftyp` in MP4, and in older QuickTime files the
 * movie, media data or padding atoms.
 */
const FIRST_BOX_TYPES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

export function looksLikeMp4(head: Uint8Array): boolean {
  if (head.length < VIDEO_HEAD_BYTES) return false;
  return FIRST_BOX_TYPES.has(Buffer.from(head.subarray(4, 8)).toString('latin1'));
}
