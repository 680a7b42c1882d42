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
  /** The thread the job lives in; none: the file is shared in the channel itself. */
  threadTs?: string;
  /** The share message's text (mrkdwn): the file and its caption are one message. */
  initialComment: string;
}

/** Attempts at the upload URL: a failed POST is retried like the web client's own calls. */
const UPLOAD_ATTEMPTS = 3;
/** Generous enough for MAX_VIDEO_BYTES on a slow uplink; a stalled connection must still end. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;
const MAX_RETRY_WAIT_MS = 30_000;

const uploadUrlSchema = z.object({ upload_url: z.string(), file_id: z.string() });

/** Uploads the file and shares it where the job lives (channel or thread); answers its Slack file id. */
export async function uploadFromDisk(client: WebClient, upload: StreamedUpload): Promise<string> {
  const target = uploadUrlSchema.parse(
    await client.files.getUploadURLExternal({ filename: upload.filename, length: upload.bytes }),
  );
  await postBytes(client, target.upload_url, upload);
  await client.files.completeUploadExternal({
    files: [{ id: target.file_id, title: upload.title }],
    channel_id: upload.channel,
    initial_comment: upload.initialComment,
    ...(upload.threadTs === undefined ? {} : { thread_ts: upload.threadTs }),
  });
  return target.file_id;
}

/** How often and how long to look for the share message: Slack shares an upload shortly after completing it. */
const SHARE_LOOKS = 8;
const SHARE_LOOK_INTERVAL_MS = 750;

const shareSchema = z.object({ ts: z.string(), thread_ts: z.string().optional() });
const fileSharesSchema = z.object({
  file: z.object({
    shares: z
      .object({
        public: z.record(z.string(), z.array(shareSchema)).optional(),
        private: z.record(z.string(), z.array(shareSchema)).optional(),
      })
      .optional(),
  }),
});

/**
 * The ts of the message that shares the file in `channel` (in `threadTs` when given), once Slack shows it.
 * files.completeUploadExternal answers before the share exists, so anything posted "after the video" waits
 * for it here, and Delete can remove the message as well as the file. Undefined when it did not show in time.
 */
export async function findShareTs(
  client: WebClient,
  where: { fileId: string; channel: string; threadTs?: string },
  intervalMs = SHARE_LOOK_INTERVAL_MS,
): Promise<string | undefined> {
  for (let look = 1; look <= SHARE_LOOKS; look++) {
    const info = fileSharesSchema.safeParse(await client.files.info({ file: where.fileId }));
    const shares = info.data?.file.shares;
    const inChannel = [
      ...(shares?.public?.[where.channel] ?? []),
      ...(shares?.private?.[where.channel] ?? []),
    ];
    // A top-level share has no thread_ts (or its own, once it has replies); a reply has its parent's.
    const share = inChannel.find((s) =>
      where.threadTs === undefined
        ? s.thread_ts === undefined || s.thread_ts === s.ts
        : s.thread_ts === where.threadTs && s.ts !== where.threadTs,
    );
    if (share) return share.ts;
    if (look < SHARE_LOOKS) await sleep(intervalMs);
  }
  return undefined;
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
