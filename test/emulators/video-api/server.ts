/**
 * An in-process emulator of the grok-imagine-video relay (see /work/shared/api/README.md), with switchable
 * faults and per-prompt directives so tests can drive every branch of the client over real HTTP.
 * It is an edge like the real API: bodies are validated with zod and answered with the provider's envelope.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { flattenHeaders, listen, readBody, trackSockets } from '../http-util.js';
import { clipBytes, clipColour, clipSize } from './clips.js';
import { SYNTHETIC_MAX_BYTES, SYNTHETIC_MIN_BYTES, syntheticMp4 } from './synthetic-mp4.js';

export interface VideoApiEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default `0` (a random free port). The foreign file server always takes a random port. */
  port?: number;
  /** Default `emu-dev-key`. */
  apiKey?: string;
  /**
   * The only model name accepted as JSON. Default `grok-imagine-video`. The multipart siblings
   * (`SIBLING_MODELS`) are always served, with their own rules.
   */
  model?: string;
  /** Time from submission to completion unless a prompt says `[emu:ms=N]`. Default 4000. */
  generationMs?: number;
  /** Bodies above this answer 413. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Clock for job timing and `RecordedRequest.at`. Default `Date.now`. */
  now?: () => number;
  /** Called once per request when it has been answered or dropped (never for hung requests). */
  onRequest?: (request: RecordedRequest, server: 'api' | 'foreign') => void;
  faults?: EmulatorFaults;
  /**
   * What a finished job's file is. `sample` (default): the same tiny 2 s MP4 for every job (`mp4`), which
   * tests compare bytes against. `rendered`: a real clip per job, its colour from the prompt (`clipColour`),
   * its length the job's seconds, its size from resolution and aspect ratio, starting on the reference image
   * when there is one (`clips.ts`); rendered with ffmpeg once per distinct clip and cached.
   */
  clips?: 'sample' | 'rendered';
}

export type BurstStatus = 500 | 502 | 503 | 504;
export type EmulatorMethod = 'GET' | 'POST';

export interface RateLimitFault {
  /** 1-based positions in the count of all API requests since start or `reset()` (= `requests.length`). */
  onRequests: number[];
  /** `Retry-After` value: delay seconds (`'1'`) or an HTTP-date. Default `'1'`. */
  retryAfter?: string;
}

export interface ErrorBurstFault {
  status: BurstStatus;
  /** How many of the next matching requests fail; counted from when the fault is set. */
  count: number;
  /** Only these methods are hit (others pass and are not counted). Default: all. */
  methods?: EmulatorMethod[];
  /** `html` answers like a proxy in front of the relay would (text/html). Default `json` (the envelope). */
  body?: 'json' | 'html';
  /** Adds a `Retry-After` header. */
  retryAfter?: string;
}

export interface DropConnectionFault {
  method: EmulatorMethod;
  /** Which matching request (1-based, counted from when the fault is set) is the first dropped. Default 1. */
  nth?: number;
  /** How many consecutive matching requests are dropped from the nth on. Default 1. */
  count?: number;
  /**
   * `before`: the socket dies before anything happens (no job is created).
   * `processing`: the request takes full effect (a POST creates its job), then the socket dies without an
   * answer; on `/content` the headers and half the bytes are sent first (a truncated download).
   */
  after: 'before' | 'processing';
}

export interface EmulatorFaults {
  rateLimit?: RateLimitFault;
  errorBurst?: ErrorBurstFault;
  dropConnection?: DropConnectionFault;
  /** Throttles `/content` and the foreign file server. */
  downloadBytesPerSecond?: number;
  /** Accept API requests (and read their bodies) but never answer. */
  hang?: boolean;
  /** Add fields the contract does not name (`usage`, `completed_at`, `x_relay`, ...) to every job JSON. */
  extraFields?: boolean;
  /** `/content` and the foreign file server answer 404 for every job, finished ones too: the files are gone. */
  filesGone?: boolean;
  /**
   * A finished job's `/content` answers `302 Location: <this>` instead of the file (`{id}` becomes the job
   * id): a relay that hands downloads to another host, or one pointing the bot inside its network.
   */
  contentRedirect?: string;
  /** A completed job's `video_url` is this (`{id}` becomes the job id) instead of the emulator's own URL. */
  videoUrl?: string;
  /** `/content` and the foreign file server send these bytes (still as `video/mp4`) instead of the sample. */
  fileBody?: Buffer;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  /** Lowercased names; repeated headers joined with `, `. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON, a `RecordedForm` for multipart, or undefined when there was no body or it was neither. */
  body: unknown;
  at: number;
  /** What we answered, or 0 if the connection was dropped (or is still hanging). */
  status: number;
}

/** A multipart/form-data body as received: text fields, and file parts with their bytes. */
export interface RecordedForm {
  kind: 'multipart';
  fields: Record<string, string>;
  files: Record<string, { filename: string; type: string; bytes: Buffer }>;
}

/** The relay's models that take multipart/form-data instead of JSON. */
export const SIBLING_MODELS = ['grok-video-1.5', 'grok-video-3'] as const;
const SIBLING_SIZES = ['480P', '540P', '720P', '1080P'];
const SIBLING_SECONDS = ['10', '15'];

/** What the `[emu:...]` tokens in a prompt asked for. */
export interface JobDirectives {
  outcome: 'completed' | 'failed' | 'cancelled';
  /** `error.message` of a failed job. */
  failureMessage: string;
  /** Reported instead of `processing` while running. */
  runningStatus: string;
  /** Reported instead of the real progress while not terminal. */
  progressOverride: number | undefined;
  omitProgress: boolean;
  /** `video_url` points at the foreign file server. */
  foreign: boolean;
  /** `/content` answers 404, as on relays that only give a `video_url`. */
  noContent: boolean;
  stuck: boolean;
  /** Serve a generated MP4 of this many bytes (`syntheticMp4`) instead of the sample. */
  bytes: number | undefined;
}

/**
 * A job as the emulator holds it. Status is derived from the clock on every read, so tests may mutate
 * `completesAt` (e.g. set it to `Date.now()` to finish a job at once).
 */
export interface EmulatedJob {
  id: string;
  model: string;
  prompt: string;
  seconds: string;
  size: string;
  createdAt: number;
  /** Epoch ms at which it (will) reach its final status; Infinity if stuck. */
  completesAt: number;
  /** Nominal generation time; drives the queued/processing split and progress. */
  generationMs: number;
  body: unknown;
  /** GET /v1/videos/{id} calls. */
  polls: number;
  /** Successful starts of a download, on either server. */
  downloads: number;
  directives: JobDirectives;
  /** With `clips: 'rendered'`: the job's own clip (rendering starts when the job is created). */
  clip?: Promise<Buffer>;
}

export interface VideoApiEmulator {
  /** `http://host:port/v1`: what the bot uses as VIDEO_API_BASE_URL. */
  baseUrl: string;
  origin: string;
  /** Another port standing in for another host: serves completed MP4s at `/files/{id}.mp4` without auth. */
  foreignOrigin: string;
  apiKey: string;
  mp4: Buffer;
  requests: RecordedRequest[];
  foreignRequests: RecordedRequest[];
  jobs: Map<string, EmulatedJob>;
  /** The bytes a finished job's file has (its rendered clip, or the sample). */
  videoFor(jobId: string): Promise<Buffer>;
  /** Merges into the current faults; pass a key as `undefined` (or `hang: false`) to clear it. */
  configure(faults: Partial<EmulatorFaults>): void;
  /** Clears requests, foreign requests, jobs, request counters and faults. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_MODEL = 'grok-imagine-video';
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const QUEUED_SHARE = 0.1;
const THROTTLE_TICK_MS = 50;
const ASPECT_PRESETS = new Set([
  '1:1',
  '16:9',
  '9:16',
  '4:3',
  '3:4',
  '3:2',
  '2:3',
  '2:1',
  '1:2',
  '19.5:9',
  '9:19.5',
  '20:9',
  '9:20',
]);
const CUSTOM_RATIO = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/;
const DATA_URI = /^data:image\/(?:png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+={0,2}$/;
const DIRECTIVE = /\[emu:([a-z_-]+)(?:=([^\]]*))?\]/gi;

let samplePromise: Promise<Buffer> | undefined;
function loadSample(): Promise<Buffer> {
  samplePromise ??= readFile(new URL('./sample.mp4', import.meta.url));
  return samplePromise;
}

/** Messages are the relay's style; `param` comes from the issue path, so field order is check order. */
function createBodySchema(model: string) {
  const requiredString = (field: string) =>
    z.string({
      error: (i) => (i.input === undefined ? `${field} is required` : `${field} must be a string`),
    });
  const optionalString = (field: string) => z.string({ error: `${field} must be a string` }).optional();
  const dataUri = (field: string) =>
    z
      .string({ error: `${field} must be a string` })
      .regex(DATA_URI, { error: `${field} must be a data URI like data:image/png;base64,...` });

  return z
    .object(
      {
        model: requiredString('model').refine((m) => m === model, {
          error: (i) => `model ${JSON.stringify(i.input)} is not supported; use ${model}`,
        }),
        // zod's own min/max count code points; the provider limit is taken as UTF-16 units (`.length`).
        prompt: requiredString('prompt')
          .refine((p) => p.length > 0, { error: 'prompt is required' })
          .refine((p) => p.length <= 4096, { error: 'prompt must be at most 4096 characters' }),
        seconds: optionalString('seconds')
          .refine((s) => s === undefined || /^\d+$/.test(s), { error: 'seconds must be an integer string' })
          .refine((s) => s === undefined || !/^\d+$/.test(s) || (Number(s) >= 1 && Number(s) <= 15), {
            error: 'seconds must be between 1 and 15',
          }),
        aspect_ratio: optionalString('aspect_ratio').refine((a) => a === undefined || isAspectRatio(a), {
          error: 'aspect_ratio must be a preset such as 16:9 or a custom number:number',
        }),
        resolution: optionalString('resolution').refine(
          (r) => r === undefined || ['480P', '720P', '480', '720'].includes(r),
          { error: 'resolution must be one of 480P, 720P' },
        ),
        image: dataUri('image').optional(),
        images: z
          .array(dataUri('images item'), { error: 'images must be an array of data URIs' })
          .min(1, { error: 'images must not be empty' })
          .optional(),
      },
      { error: 'request body must be a JSON object' },
    )
    .superRefine((body, ctx) => {
      if (body.image !== undefined && body.images !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['images'],
          message: 'image and images cannot be used together',
        });
      }
      if (body.images !== undefined && body.images.length > 1 && body.seconds !== undefined) {
        if (Number(body.seconds) > 10) {
          ctx.addIssue({
            code: 'custom',
            path: ['seconds'],
            message: 'seconds must be between 1 and 10 with several reference images',
          });
        }
      }
    });
}

/** A submission as the job table needs it, whichever wire it came on. */
interface Submission {
  model: string;
  prompt: string;
  seconds: string | undefined;
  size: string | undefined;
  aspectRatio?: string | undefined;
  /** The (first) reference image's bytes. */
  reference?: Buffer | undefined;
}

/**
 * The siblings' multipart rules, checked in field order so the first broken field is the one named. The
 * JSON model's fields are refused by name: a client mixing the two formats must fail loudly here.
 */
function checkSiblingForm(
  form: RecordedForm,
  jsonModel: string,
): { error: string; param: string } | Submission {
  const f = form.fields;
  const model = f.model;
  if (model === undefined || model === '') return { error: 'model is required', param: 'model' };
  if (model === jsonModel) {
    return { error: `model ${model} takes application/json, not multipart/form-data`, param: 'model' };
  }
  if (!(SIBLING_MODELS as readonly string[]).includes(model)) {
    return {
      error: `model ${JSON.stringify(model)} is not supported; use ${SIBLING_MODELS.join(' or ')}`,
      param: 'model',
    };
  }
  const prompt = f.prompt;
  if (prompt === undefined || prompt === '') return { error: 'prompt is required', param: 'prompt' };
  if (prompt.length > 4096) return { error: 'prompt must be at most 4096 characters', param: 'prompt' };
  if (f.seconds !== undefined && !SIBLING_SECONDS.includes(f.seconds)) {
    return { error: 'seconds must be 10 (Pro) or 15 (Max)', param: 'seconds' };
  }
  if (f.aspect_ratio !== undefined && !isAspectRatio(f.aspect_ratio)) {
    return {
      error: 'aspect_ratio must be a preset such as 16:9 or a custom number:number',
      param: 'aspect_ratio',
    };
  }
  if (f.size !== undefined && !SIBLING_SIZES.includes(f.size)) {
    return { error: `size must be one of ${SIBLING_SIZES.join(', ')}`, param: 'size' };
  }
  for (const field of ['resolution', 'image', 'images']) {
    if (field in f || field in form.files) {
      const instead = field === 'resolution' ? 'size' : 'a file part input_reference';
      return { error: `${field} is not a field of ${model}; use ${instead}`, param: field };
    }
  }
  if ('input_reference' in f) return { error: 'input_reference must be a file', param: 'input_reference' };
  const reference = form.files.input_reference;
  if (reference !== undefined && !/^image\/(png|jpeg|webp|gif)$/.test(reference.type)) {
    return { error: 'input_reference must be a PNG, JPEG, WebP or GIF image', param: 'input_reference' };
  }
  if (reference !== undefined && reference.bytes.length === 0) {
    return { error: 'input_reference is empty', param: 'input_reference' };
  }
  return {
    model,
    prompt,
    seconds: f.seconds,
    size: f.size,
    aspectRatio: f.aspect_ratio,
    reference: reference?.bytes,
  };
}

/** Parses a multipart body the way a server framework would; undefined when it is not one. */
async function readForm(contentType: string, data: Buffer): Promise<RecordedForm | undefined> {
  if (!/^multipart\/form-data\b/i.test(contentType)) return undefined;
  try {
    const parsed = await new Response(data, { headers: { 'content-type': contentType } }).formData();
    const form: RecordedForm = { kind: 'multipart', fields: {}, files: {} };
    for (const [name, value] of parsed) {
      if (typeof value === 'string') form.fields[name] = value;
      else
        form.files[name] = {
          filename: value.name,
          type: value.type,
          bytes: Buffer.from(await value.arrayBuffer()),
        };
    }
    return form;
  } catch {
    return undefined;
  }
}

function isAspectRatio(value: string): boolean {
  if (ASPECT_PRESETS.has(value)) return true;
  const match = CUSTOM_RATIO.exec(value);
  return match !== null && Number(match[1]) > 0 && Number(match[2]) > 0;
}

/** The bytes of a `data:image/...;base64,` URI (already checked by the schema). */
function dataUriBytes(uri: string | undefined): Buffer | undefined {
  if (uri === undefined) return undefined;
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}

class DirectiveError extends Error {}

function parseDirectives(prompt: string): { directives: JobDirectives; ms: number | undefined } {
  const directives: JobDirectives = {
    outcome: 'completed',
    failureMessage: 'Video generation failed',
    runningStatus: 'processing',
    progressOverride: undefined,
    omitProgress: false,
    foreign: false,
    noContent: false,
    stuck: false,
    bytes: undefined,
  };
  let ms: number | undefined;
  for (const match of prompt.matchAll(DIRECTIVE)) {
    const name = (match[1] ?? '').toLowerCase();
    const value = match[2];
    const need = (): string => {
      if (value === undefined || value === '') throw new DirectiveError(`[emu:${name}] needs a value`);
      return value;
    };
    switch (name) {
      case 'ms': {
        const v = need();
        if (!/^\d+$/.test(v)) throw new DirectiveError(`[emu:ms=${v}] is not a whole number of ms`);
        ms = Number(v);
        break;
      }
      case 'fail':
        directives.outcome = 'failed';
        if (value !== undefined && value !== '') directives.failureMessage = value;
        break;
      case 'cancel':
        directives.outcome = 'cancelled';
        break;
      case 'stuck':
        directives.stuck = true;
        break;
      case 'status':
        directives.runningStatus = need();
        break;
      case 'in_progress':
        directives.runningStatus = 'in_progress';
        break;
      case 'foreign':
        directives.foreign = true;
        break;
      case 'no-content':
        directives.noContent = true;
        break;
      case 'bytes': {
        const v = need();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < SYNTHETIC_MIN_BYTES || n > SYNTHETIC_MAX_BYTES) {
          throw new DirectiveError(
            `[emu:bytes=${v}] must be a whole number from ${SYNTHETIC_MIN_BYTES} to ${SYNTHETIC_MAX_BYTES}`,
          );
        }
        directives.bytes = n;
        break;
      }
      case 'no-progress':
        directives.omitProgress = true;
        break;
      case 'progress': {
        const v = Number(need());
        if (!Number.isFinite(v)) throw new DirectiveError(`[emu:progress=${value}] is not a number`);
        directives.progressOverride = v;
        break;
      }
      default:
        // A typo in a test prompt would otherwise silently run the happy path.
        throw new DirectiveError(`unknown emulator directive ${match[0]}`);
    }
  }
  return { directives, ms };
}

interface JobView {
  status: string;
  progress: number;
  terminal: boolean;
}

function viewJob(job: EmulatedJob, now: number): JobView {
  if (now >= job.completesAt) return { status: job.directives.outcome, progress: 100, terminal: true };
  const elapsed = now - job.createdAt;
  const queuedMs = job.generationMs * QUEUED_SHARE;
  if (elapsed < queuedMs) return { status: 'queued', progress: 0, terminal: false };
  const runMs = job.generationMs - queuedMs;
  // A stuck job keeps its nominal pace and then sits at 99.
  const progress = runMs <= 0 ? 99 : Math.min(99, Math.floor(((elapsed - queuedMs) / runMs) * 100));
  return { status: job.directives.runningStatus, progress, terminal: false };
}

function envelope(message: string, code: string, param: string | null = null) {
  return { error: { message, type: 'new_api_error', param, code } };
}

type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'html'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'video'; job: EmulatedJob };

export async function startVideoApiEmulator(
  options: VideoApiEmulatorOptions = {},
): Promise<VideoApiEmulator> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? 'emu-dev-key';
  const model = options.model ?? DEFAULT_MODEL;
  const defaultGenerationMs = options.generationMs ?? 4000;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const bodySchema = createBodySchema(model);
  const mp4 = await loadSample();
  const clips = options.clips ?? 'sample';

  const requests: RecordedRequest[] = [];
  const foreignRequests: RecordedRequest[] = [];
  const jobs = new Map<string, EmulatedJob>();
  let faults: EmulatorFaults = {};
  // Burst and drop counters start when their fault is set, so a test need not know earlier traffic.
  let burstRemaining = 0;
  let dropSeen = 0;
  const sockets = new Set<Socket>();
  const stopping = new AbortController();
  let closing: Promise<void> | undefined;

  function configure(next: Partial<EmulatorFaults>): void {
    faults = { ...faults, ...next };
    if ('errorBurst' in next) burstRemaining = next.errorBurst?.count ?? 0;
    if ('dropConnection' in next) dropSeen = 0;
  }
  configure(options.faults ?? {});

  let origin = '';
  let foreignOrigin = '';

  function jobJson(job: EmulatedJob, forceQueued = false): Record<string, unknown> {
    const t = now();
    const view = forceQueued ? { status: 'queued', progress: 0, terminal: false } : viewJob(job, t);
    const d = job.directives;
    const completed = view.terminal && d.outcome === 'completed';
    const out: Record<string, unknown> = {
      id: job.id,
      object: 'video',
      model: job.model,
      status: view.status,
    };
    if (!d.omitProgress)
      out.progress = !view.terminal && d.progressOverride !== undefined ? d.progressOverride : view.progress;
    out.created_at = Math.floor(job.createdAt / 1000);
    out.seconds = job.seconds;
    out.size = job.size;
    out.video_url = completed
      ? faults.videoUrl !== undefined
        ? faults.videoUrl.replaceAll('{id}', job.id)
        : d.foreign
          ? `${foreignOrigin}/files/${job.id}.mp4`
          : `${origin}/v1/videos/${job.id}/content`
      : '';
    if (view.terminal && d.outcome === 'failed') {
      out.error = { message: d.failureMessage, code: 'generation_failed' };
    }
    if (faults.extraFields) {
      out.completed_at = view.terminal ? Math.floor(job.completesAt / 1000) : null;
      out.expires_at = Math.floor(job.createdAt / 1000) + 86_400;
      out.usage = { video_seconds: Number(job.seconds), quota: 12_500 };
      out.x_relay = 'emu-relay/1.0';
      out.metadata = { region: 'emu-1', attempt: 1 };
    }
    return out;
  }

  function createJob(body: Submission, raw: unknown): Reply {
    let parsed: ReturnType<typeof parseDirectives>;
    try {
      parsed = parseDirectives(body.prompt);
    } catch (error) {
      if (error instanceof DirectiveError) {
        return { kind: 'json', status: 400, body: envelope(error.message, 'invalid_request', 'prompt') };
      }
      throw error;
    }
    const createdAt = now();
    const generationMs = parsed.ms ?? defaultGenerationMs;
    const resolution = body.size ?? '720P';
    const job: EmulatedJob = {
      id: `video_${randomBytes(12).toString('hex')}`,
      model: body.model,
      prompt: body.prompt,
      seconds: body.seconds ?? '6',
      size: resolution.endsWith('P') ? resolution : `${resolution}P`,
      createdAt,
      completesAt: parsed.directives.stuck ? Infinity : createdAt + generationMs,
      generationMs,
      body: raw,
      polls: 0,
      downloads: 0,
      directives: parsed.directives,
    };
    if (clips === 'rendered' && job.directives.bytes === undefined) {
      job.clip = clipBytes({
        colour: clipColour(job.prompt),
        seconds: Number(job.seconds),
        ...clipSize(job.size, body.aspectRatio),
        ...(body.reference ? { reference: body.reference } : {}),
      });
      // Awaited when served; a failure here must not be an unhandled rejection meanwhile.
      job.clip.catch(() => undefined);
    }
    jobs.set(job.id, job);
    // The provider always acknowledges a submission as queued, however short the job.
    return { kind: 'json', status: 200, body: jobJson(job, true) };
  }

  function route(req: IncomingMessage, rawBody: Buffer, form: RecordedForm | undefined): Reply {
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://emulator').pathname;
    const notFound: Reply = {
      kind: 'json',
      status: 404,
      body: envelope(`Invalid URL (${method} ${pathname})`, 'not_found'),
    };

    if (pathname === '/v1/videos') {
      if (method !== 'POST') return notFound;
      const contentType = req.headers['content-type'] ?? '';
      if (/^multipart\/form-data\b/i.test(contentType)) {
        if (form === undefined) {
          return {
            kind: 'json',
            status: 400,
            body: envelope('request body is not valid multipart/form-data', 'invalid_request'),
          };
        }
        const checked = checkSiblingForm(form, model);
        if ('error' in checked) {
          return {
            kind: 'json',
            status: 400,
            body: envelope(checked.error, 'invalid_request', checked.param),
          };
        }
        return createJob(checked, form);
      }
      if (!/^application\/json\b/i.test(contentType)) {
        return {
          kind: 'json',
          status: 400,
          body: envelope('Content-Type must be application/json or multipart/form-data', 'invalid_request'),
        };
      }
      let raw: unknown;
      try {
        raw = JSON.parse(rawBody.toString('utf8'));
      } catch {
        return {
          kind: 'json',
          status: 400,
          body: envelope('request body is not valid JSON', 'invalid_request'),
        };
      }
      const named = typeof raw === 'object' && raw !== null && 'model' in raw ? raw.model : undefined;
      if (typeof named === 'string' && (SIBLING_MODELS as readonly string[]).includes(named)) {
        return {
          kind: 'json',
          status: 400,
          body: envelope(`model ${named} takes multipart/form-data, not JSON`, 'invalid_request', 'model'),
        };
      }
      const result = bodySchema.safeParse(raw);
      if (!result.success) {
        const issue = result.error.issues[0];
        const first = issue?.path[0];
        const param = typeof first === 'string' ? first : null;
        return {
          kind: 'json',
          status: 400,
          body: envelope(issue?.message ?? 'invalid request', 'invalid_request', param),
        };
      }
      return createJob(
        {
          model: result.data.model,
          prompt: result.data.prompt,
          seconds: result.data.seconds,
          size: result.data.resolution,
          aspectRatio: result.data.aspect_ratio,
          reference: dataUriBytes(result.data.image ?? result.data.images?.[0]),
        },
        raw,
      );
    }

    const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(pathname);
    if (match === null || method !== 'GET') return notFound;
    const id = decodeURIComponent(match[1] ?? '');
    const job = jobs.get(id);
    if (job === undefined) {
      return { kind: 'json', status: 404, body: envelope(`video ${id} not found`, 'not_found', 'id') };
    }
    if (match[2] === undefined) {
      job.polls += 1;
      return { kind: 'json', status: 200, body: jobJson(job) };
    }
    if (faults.filesGone) {
      return { kind: 'json', status: 404, body: envelope(`video ${id} content not found`, 'not_found') };
    }
    if (job.directives.noContent) {
      return {
        kind: 'json',
        status: 404,
        body: envelope('Invalid URL (GET /v1/videos/{id}/content)', 'not_found'),
      };
    }
    const view = viewJob(job, now());
    if (!view.terminal || job.directives.outcome !== 'completed') {
      const message = view.terminal ? `video is not available (${view.status})` : 'video is not ready';
      return { kind: 'json', status: 400, body: envelope(message, 'video_not_ready', 'id') };
    }
    if (faults.contentRedirect !== undefined) {
      const location = faults.contentRedirect.replaceAll('{id}', job.id);
      return { kind: 'json', status: 302, headers: { Location: location }, body: { location } };
    }
    return { kind: 'video', job };
  }

  /** Faults a relay or proxy would produce before the request reaches the handler. */
  function preflight(method: string, position: number, tooLarge: boolean): Reply | undefined {
    const limit = faults.rateLimit;
    if (limit !== undefined && limit.onRequests.includes(position)) {
      const retryAfter = limit.retryAfter ?? '1';
      return {
        kind: 'json',
        status: 429,
        headers: { 'Retry-After': retryAfter },
        body: envelope('Too many requests, please retry later', 'rate_limit_exceeded'),
      };
    }
    const burst = faults.errorBurst;
    if (burst !== undefined && burstRemaining > 0) {
      const hit = burst.methods === undefined || (burst.methods as string[]).includes(method);
      if (hit) {
        burstRemaining -= 1;
        const headers = burst.retryAfter === undefined ? undefined : { 'Retry-After': burst.retryAfter };
        if (burst.body === 'html') {
          const body = `<html><head><title>${burst.status}</title></head><body><center><h1>${burst.status}</h1></center><hr><center>nginx</center></body></html>\n`;
          return { kind: 'html', status: burst.status, body, ...(headers ? { headers } : {}) };
        }
        return {
          kind: 'json',
          status: burst.status,
          body: envelope(`upstream error (${burst.status})`, 'upstream_error'),
          ...(headers ? { headers } : {}),
        };
      }
    }
    if (tooLarge) {
      return {
        kind: 'json',
        status: 413,
        body: envelope(`request body exceeds ${maxBodyBytes} bytes`, 'request_too_large'),
      };
    }
    return undefined;
  }

  function authorized(req: IncomingMessage): Reply | undefined {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match?.[1] === apiKey) return undefined;
    const message = header === undefined ? 'No API key provided' : 'Invalid API key';
    return { kind: 'json', status: 401, body: envelope(message, 'invalid_api_key') };
  }

  function sendSimple(res: ServerResponse, status: number, type: string, text: string, extra = {}): void {
    const data = Buffer.from(text, 'utf8');
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(data.length), ...extra });
    res.end(data);
  }

  async function streamVideo(res: ServerResponse, job: EmulatedJob, truncate: boolean): Promise<void> {
    job.downloads += 1;
    if (job.directives.bytes !== undefined) {
      await streamSynthetic(res, job.directives.bytes, truncate);
      return;
    }
    const file = faults.fileBody ?? (job.clip ? await job.clip : mp4);
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(file.length) });
    const end = truncate ? Math.floor(file.length / 2) : file.length;
    const bps = faults.downloadBytesPerSecond;
    if (bps === undefined || bps <= 0) {
      if (truncate) {
        res.write(file.subarray(0, end), () => res.destroy());
      } else {
        res.end(file);
      }
      return;
    }
    const perTick = Math.max(1, Math.floor((bps * THROTTLE_TICK_MS) / 1000));
    for (let offset = 0; offset < end; offset += perTick) {
      if (res.destroyed) return;
      res.write(file.subarray(offset, Math.min(end, offset + perTick)));
      try {
        await sleep(THROTTLE_TICK_MS, undefined, { signal: stopping.signal });
      } catch {
        return;
      }
    }
    if (truncate) res.destroy();
    else res.end();
  }

  /** A generated MP4, written with backpressure so its size never sits in the emulator's memory. */
  async function streamSynthetic(res: ServerResponse, bytes: number, truncate: boolean): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(bytes) });
    const end = truncate ? Math.floor(bytes / 2) : bytes;
    const bps = faults.downloadBytesPerSecond;
    async function* upTo(): AsyncGenerator<Buffer> {
      let sent = 0;
      for (const chunk of syntheticMp4(bytes)) {
        if (sent >= end) return;
        const part = chunk.subarray(0, Math.min(chunk.length, end - sent));
        sent += part.length;
        yield part;
        if (bps !== undefined && bps > 0) {
          await sleep((part.length / bps) * 1000, undefined, { signal: stopping.signal });
        }
      }
    }
    // The client going away (or close()) ends the pipeline early; that is not the emulator's failure.
    await pipeline(Readable.from(upTo()), res, { end: !truncate }).catch(() => undefined);
    if (truncate) res.destroy();
  }

  function finish(record: RecordedRequest, server: 'api' | 'foreign', status: number): void {
    record.status = status;
    options.onRequest?.(record, server);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: req.url ?? '/',
      headers: flattenHeaders(req),
      body: undefined,
      at: now(),
      status: 0,
    };
    const position = requests.push(record);
    const received = await readBody(req, maxBodyBytes);
    if (received === undefined) return;
    const { data, tooLarge } = received;
    const form = tooLarge ? undefined : await readForm(req.headers['content-type'] ?? '', data);
    if (form !== undefined) {
      record.body = form;
    } else if (data.length > 0) {
      try {
        record.body = JSON.parse(data.toString('utf8'));
      } catch {
        record.body = undefined;
      }
    }

    if (faults.hang) return;

    let dropAfter = false;
    const drop = faults.dropConnection;
    if (drop !== undefined && drop.method === method) {
      dropSeen += 1;
      const first = drop.nth ?? 1;
      if (dropSeen >= first && dropSeen < first + (drop.count ?? 1)) {
        if (drop.after === 'before') {
          finish(record, 'api', 0);
          req.socket.destroy();
          return;
        }
        dropAfter = true;
      }
    }

    const reply = preflight(method, position, tooLarge) ?? authorized(req) ?? route(req, data, form);

    if (reply.kind === 'video') {
      finish(record, 'api', dropAfter ? 0 : 200);
      await streamVideo(res, reply.job, dropAfter);
      return;
    }
    if (dropAfter) {
      finish(record, 'api', 0);
      req.socket.destroy();
      return;
    }
    finish(record, 'api', reply.status);
    if (reply.kind === 'html') {
      sendSimple(res, reply.status, 'text/html; charset=utf-8', reply.body, reply.headers);
    } else {
      sendSimple(res, reply.status, 'application/json', JSON.stringify(reply.body), reply.headers);
    }
  }

  async function handleForeign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: flattenHeaders(req),
      body: undefined,
      at: now(),
      status: 0,
    };
    foreignRequests.push(record);
    if ((await readBody(req, maxBodyBytes)) === undefined) return;
    const pathname = new URL(req.url ?? '/', 'http://foreign').pathname;
    const match = /^\/files\/([^/]+)\.mp4$/.exec(pathname);
    const job = match === null ? undefined : jobs.get(decodeURIComponent(match[1] ?? ''));
    const ready =
      req.method === 'GET' &&
      job !== undefined &&
      job.directives.outcome === 'completed' &&
      viewJob(job, now()).terminal;
    if (!ready || job === undefined || faults.filesGone === true) {
      finish(record, 'foreign', 404);
      sendSimple(res, 404, 'text/plain; charset=utf-8', 'Not Found\n');
      return;
    }
    finish(record, 'foreign', 200);
    await streamVideo(res, job, false);
  }

  const crash = (res: ServerResponse) => (error: unknown) => {
    // An emulator bug must surface in the test, not turn into a hang.
    console.error('video-api emulator: handler failed', error);
    if (!res.headersSent)
      sendSimple(res, 500, 'application/json', JSON.stringify(envelope('emulator bug', 'emulator_bug')));
    else res.destroy();
  };

  const api = createServer((req, res) => void handleApi(req, res).catch(crash(res)));
  const foreign = createServer((req, res) => void handleForeign(req, res).catch(crash(res)));
  trackSockets(api, sockets);
  trackSockets(foreign, sockets);

  origin = await listen(api, options.port ?? 0, host);
  try {
    foreignOrigin = await listen(foreign, 0, host);
  } catch (error) {
    api.close();
    throw error;
  }

  return {
    baseUrl: `${origin}/v1`,
    origin,
    foreignOrigin,
    apiKey,
    mp4,
    requests,
    foreignRequests,
    jobs,
    async videoFor(jobId) {
      const job = jobs.get(jobId);
      if (job === undefined) throw new Error(`no emulated job ${jobId}`);
      return job.clip ? await job.clip : mp4;
    },
    configure,
    reset() {
      // In place, so arrays and maps a test already holds stay live.
      requests.length = 0;
      foreignRequests.length = 0;
      jobs.clear();
      faults = {};
      burstRemaining = 0;
      dropSeen = 0;
    },
    close() {
      closing ??= (async () => {
        stopping.abort();
        const closed = [api, foreign].map(
          (server) =>
            new Promise<void>((resolve, reject) =>
              server.close((error) => (error === undefined ? resolve() : reject(error))),
            ),
        );
        // Hung and keep-alive sockets would otherwise hold close() open forever.
        for (const socket of sockets) socket.destroy();
        await Promise.all(closed);
      })();
      return closing;
    },
  };
}
