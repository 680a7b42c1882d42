/** What an image is, from its first bytes: never from its name or the type a platform claims. */

export type SniffedImageType = 'png' | 'jpeg' | 'webp' | 'gif';

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;
const RIFF = [0x52, 0x49, 0x46, 0x46] as const; // "RIFF"
const WEBP = [0x57, 0x45, 0x42, 0x50] as const; // "WEBP"
const GIF87A = [0x47, 0x49, 0x46, 0x38, 0x37, 0x61] as const; // "GIF87a"
const GIF89A = [0x47, 0x49, 0x46, 0x38, 0x39, 0x61] as const; // "GIF89a"

/** Identifies the image type from its magic bytes alone; `undefined` for anything we do not accept. */
export function sniffImageType(bytes: Uint8Array): SniffedImageType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  // "RIFF" alone would also match WAV and AVI; the form type at offset 8 is what makes it WebP.
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, GIF87A) || startsWith(bytes, GIF89A)) return 'gif';
  return undefined;
}

/** Media types of the images we take, as platforms declare them. */
const ACCEPTED_MEDIA_TYPES = new Set([
  'image/png',
  'image/x-png',
  'image/jpeg',
  'image/jpg',
  'image/pjpeg',
  'image/webp',
  'image/gif',
]);
/** Declarations that say nothing about the content. */
const UNSPECIFIC_MEDIA_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream']);
const ACCEPTED_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'jpe', 'jfif', 'webp', 'gif']);
/** Names people attach by mistake that are certainly no image we take (documents, video, sound, archives). */
const OTHER_EXTENSIONS = new Set(
  [
    'pdf doc docx odt rtf txt md csv xls xlsx ppt pptx key pages json html zip rar 7z gz tar',
    'mp4 mov webm mkv avi m4v mp3 wav ogg m4a flac heic heif avif bmp tif tiff svg psd',
  ]
    .join(' ')
    .split(' '),
);

/**
 * What a file's metadata says it is, before any byte is read: the platform's declared media type, else the
 * extension of its name. `other` lets a request be refused before anything is reserved or downloaded; it
 * never admits anything, since an `image` is still judged by its bytes (`sniffImageType`) once fetched.
 */
export function declaredImageKind(file: {
  name: string;
  contentType?: string;
}): 'image' | 'other' | 'unknown' {
  const mediaType = (file.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!UNSPECIFIC_MEDIA_TYPES.has(mediaType)) return ACCEPTED_MEDIA_TYPES.has(mediaType) ? 'image' : 'other';
  const extension = /\.([a-z0-9]{1,5})$/i.exec(file.name.trim())?.[1]?.toLowerCase();
  if (extension === undefined) return 'unknown';
  if (ACCEPTED_EXTENSIONS.has(extension)) return 'image';
  return OTHER_EXTENSIONS.has(extension) ? 'other' : 'unknown';
}
