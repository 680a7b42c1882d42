import { openAsBlob } from 'node:fs';
import type { App } from '@slack/bolt';
import { z } from 'zod';
import { sleep } from '../../src/util/sleep.js';

/**
 * Slack's external upload (what `files.uploadV2` does) without holding the file in memory. The web client's
 * `files.uploadV2` reads a file path or drains a stream into one Buffer and copies it into a Blob, so a 200 MB
 * video would sit in memory twice. Here the same two Web API calls go through the client
 * (`files.getUploadURLExternal`, `files.completeUploadExternal`), and the bytes between them are POSTed to the
 * upload URL from the file on disk (`fs.openAsBlob`, read while it is sent), as the same multipart body the
 * web client sends.
 */

type WebClient = App['client'];

export interface StreamedUpload {
  path: string;
  /** The file's size, which Slack wants before the bytes. */
  bytes: number;
  filename: string;
  contentType: string;
  title: string;
  channel: string;
  threadTs: string;
}

/** Attempts at the upload URL: a failed POST is retried like the web client's own calls. */
const UPLOAD_ATTEMPTS = 3;
/** Generous enough for MAX_VIDEO_BYTES on a slow uplink; a stalled connection must still end. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const MAX_RETRY_WAIT_MS = 30_000;

const uploadUrlSchema = z.object({ upload_url: z.string(), file_id: z.string() });

/** Uploads the file into the thread and answers its Slack file id. */
export async function uploadFromDisk(client: WebClient, upload: StreamedUpload): Promise<string> {
  const target = uploadUrlSchema.parse(
    await client.files.getUploadURLExternal({ filename: upload.filename, length: upload.bytes }),
  );
  await postBytes(client, target.upload_url, upload);
  await client.files.completeUploadExternal({
    files: [{ id: target.file_id, title: upload.title }],
    channel_id: upload.channel,
    thread_ts: upload.threadTs,
  });
  return target.file_id;
}

async function postBytes(client: WebClient, url: string, upload: StreamedUpload): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await postOnce(client, url, upload);
    if (outcome.ok) return;
    if (!outcome.retryable || attempt >= UPLOAD_ATTEMPTS) {
      throw new Error(`Slack file upload failed after ${attempt} attempt(s): ${outcome.reason}`);
    }
    await sleep(Math.min(outcome.retryAfterMs ?? 1000 * 2 ** (attempt - 1), MAX_RETRY_WAIT_MS));
  }
}

type PostOutcome = { ok: true } | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

async function postOnce(client: WebClient, url: string, upload: StreamedUpload): Promise<PostOutcome> {
  const form = new FormData();
  // The field the web client uses for the bytes; Slack takes the file's name from getUploadURLExternal.
  form.append('body', await openAsBlob(upload.path, { type: upload.contentType }), upload.filename);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body: form,
      // The upload URL is Slack's own; the web client sends the bot token there as well.
      headers: client.token ? { Authorization: `Bearer ${client.token}` } : {},
      redirect: 'error',
      signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
    });
  } catch (error) {
    // A connection that failed is tried again; one that outlasted the timeout would only do so again.
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return {
      ok: false,
      retryable: !timedOut,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.status === 200) return { ok: true };
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  return {
    ok: false,
    retryable: response.status === 429 || response.status >= 500,
    reason: `the upload URL answered ${response.status}`,
    retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
  };
}
