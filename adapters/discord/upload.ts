import { openAsBlob } from 'node:fs';
import { DefaultRestOptions, type RESTOptions, type RequestData } from 'discord.js';

/**
 * A message body with a file, sent without holding the file in memory. @discordjs/rest's own `files` option
 * takes the bytes and copies them into a Blob, so a 200 MB video would sit in memory twice per upload. Instead
 * the multipart body is built here with the file part from `fs.openAsBlob` (read from disk while it is sent;
 * undici streams FormData Blob parts) and handed to REST as is (`passThroughBody`), with the same fields
 * discord.js would send: `payload_json` and `files[0]`.
 */

/**
 * The timeout of a request that carries a file. discord.js's (`timeout`, 15 s by default) runs until the
 * answer arrives, so it covers sending the whole body: a video of up to MAX_VIDEO_BYTES outlasts it on an
 * ordinary uplink, and each retry would send the video again.
 */
export const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/**
 * discord.js's request strategy, with UPLOAD_TIMEOUT_MS for requests whose body is a form (they carry a file)
 * instead of the REST client's timeout, which reaches the strategy as `init.signal`. Uploads stay on the same
 * REST clients as every other call, so they share their rate-limit buckets (a separate client for uploads
 * would run into the 429s of the job's own progress edits).
 */
export const makeRequestWithUploadTimeout: RESTOptions['makeRequest'] = (url, init) =>
  DefaultRestOptions.makeRequest(
    url,
    init.body instanceof FormData ? { ...init, signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS) } : init,
  );

/** A file on disk to attach, as `files[0]`. */
export interface FileUpload {
  path: string;
  name: string;
  contentType: string;
}

export type MessageBody = Record<string, unknown>;

/** The request data for a create or edit of a message with `body`, and `upload` attached when given. */
export async function messageRequest(
  body: MessageBody,
  upload: FileUpload | undefined,
): Promise<Pick<RequestData, 'body' | 'passThroughBody'>> {
  if (!upload) return { body };
  const form = new FormData();
  form.append('payload_json', JSON.stringify(body));
  // A Blob over the file: its size is known (so Content-Length is set), its bytes are read as they are sent,
  // and a retried request reads them again.
  form.append('files[0]', await openAsBlob(upload.path, { type: upload.contentType }), upload.name);
  return { body: form, passThroughBody: true };
}
