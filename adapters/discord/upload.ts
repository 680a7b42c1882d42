import { openAsBlob } from 'node:fs';
import type { RequestData } from 'discord.js';

/**
 * A message body with a file, sent without holding the file in memory. @discordjs/rest's own `files` option
 * takes the bytes and copies them into a Blob, so a 200 MB video would sit in memory twice per upload. Instead
 * the multipart body is built here with the file part from `fs.openAsBlob` (read from disk while it is sent;
 * undici streams FormData Blob parts) and handed to REST as is (`passThroughBody`), with the same fields
 * discord.js would send: `payload_json` and `files[0]`.
 */

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
