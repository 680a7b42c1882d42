import { text } from '../i18n/text.js';
import type { Language } from '../i18n/languages.js';
import { BotError, InvalidInputError } from '../errors.js';
import type { ChainTools } from '../generation/chain.js';
import type { GenerationRequest, ImageSource, RequestSummary } from '../generation/request.js';
import { UNFINISHED_STATUSES, type JobChain, type JobRecord, type JobStore } from '../jobs/job-store.js';
import type { JobRunner } from '../jobs/types.js';
import type { GenerationReply, Invocation } from '../port.js';
import type { ChannelNamer, SpaceSettingsService } from '../settings/space-settings.js';
import { optionText } from './generate.js';

/**
 * Extend: a new job whose reference image is the last frame of a video, and whose result is that video with
 * the new clip joined on. The video is a job of this bot (the Extend button: `options.job`) or any MP4 the user
 * replied to (`invocation.video`). Each clip is its own job and its own charge; the runner does the rest (the
 * join happens when the new clip is ready, so a restart resumes it from the record's `chain`).
 *
 * Order, cheapest refusal first: the video must be known, the total length must fit MAX_EXTENDED_SECONDS
 * (for the bot's own videos before anything is fetched), the space's rules, then the runner (per-user cap,
 * quota), and only then the last frame (a download and one ffmpeg run), as the job's image: a refusal before
 * it gives back the place and the reservation. A video the bot did not make is read before the runner instead
 * (its length and shape are needed first); a file that is no video is refused there, free.
 */

export interface ExtendDeps {
  runner: JobRunner;
  jobs: Pick<JobStore, 'get'>;
  settings: Pick<SpaceSettingsService, 'apply'>;
  chain: ChainTools;
  validate(request: GenerationRequest): RequestSummary;
  maxExtendedSeconds: number;
  /** Takes the job's run once it is accepted (see `StartOptions.detach`); the command then returns. */
  track?: (running: Promise<unknown>) => void;
}

export type Extend = (
  invocation: Invocation,
  reply: GenerationReply,
  names?: ChannelNamer,
  language?: Language,
  /** The user's language, for a refusal the runner says before the job has a record. */
  privateLanguage?: Language,
) => Promise<void>;

/** The new job's image source that stands for the continued video's last frame, taken when the job is built. */
const LAST_FRAME = 'extend:last-frame';
const LAST_FRAME_LABEL = text('core.images.lastFrame');

const GONE = text('core.extend.gone');
const NO_VIDEO = text('core.extend.noVideo');

export function chainSeconds(chain: JobChain): number {
  return chain.clips.reduce((sum, clip) => sum + clip.seconds, 0);
}

function tooLong(previous: number, added: number, max: number): InvalidInputError {
  const round = (n: number) => Math.round(n * 10) / 10;
  return new InvalidInputError(
    'seconds',
    text('core.extend.tooLong', { total: round(previous + added), max, now: round(previous) }),
    { previous, added, max },
  );
}

/** The aspect ratio of a frame size, as `w:h` in lowest terms. */
function ratioOf(width: number, height: number): string {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height) || 1;
  return `${width / d}:${height / d}`;
}

/** The chain a new clip continues: the parent job's clips and the parent itself. */
export function chainAfter(parent: JobRecord, source: JobChain['source']): JobChain {
  return {
    parentId: parent.id,
    clips: [
      ...(parent.chain?.clips ?? []),
      {
        jobId: parent.id,
        ...(parent.upstreamId === undefined ? {} : { upstreamId: parent.upstreamId }),
        seconds: parent.request.seconds,
      },
    ],
    // The platform's copy of the parent's own (joined) video, when the adapter could point at it.
    ...(source ? { source } : {}),
  };
}

/**
 * The parent job's record once it has settled: its video is posted a moment before its record says
 * completed, and the Extend button under it can be pressed in between.
 */
async function settledParent(jobs: Pick<JobStore, 'get'>, id: string): Promise<JobRecord | undefined> {
  for (let attempt = 0; ; attempt++) {
    const record = await jobs.get(id);
    if (!record || !UNFINISHED_STATUSES.has(record.status) || attempt >= 20) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function createExtend(deps: ExtendDeps): Extend {
  return async function extend(invocation, reply, names, language, privateLanguage) {
    const parentId = optionText(invocation.options.job);
    const video = invocation.video;
    const source = video?.url
      ? { url: video.url, name: video.name, ...(video.size === undefined ? {} : { size: video.size }) }
      : undefined;
    let parent: JobRecord | undefined;
    let chain: JobChain;
    if (parentId) {
      parent = await settledParent(deps.jobs, parentId);
      if (!parent || parent.spaceId !== invocation.spaceId || parent.status !== 'completed') {
        throw new BotError('invalid_input', 'extend: parent job not found or not finished', {
          userMessage: GONE,
        });
      }
      chain = chainAfter(parent, source);
    } else if (source) {
      // A video the bot did not make (or cannot tell it made): one clip, its length known once probed.
      chain = { clips: [{ seconds: 0 }], source };
    } else {
      throw new InvalidInputError('video', NO_VIDEO);
    }

    const prompt = optionText(invocation.options.prompt) ?? parent?.request.prompt ?? '';
    const requested = optionText(invocation.options.seconds) ?? parent?.request.seconds;
    const model = optionText(invocation.options.model) ?? parent?.request.model;
    // The request's own checks (prompt, seconds) before the length limit, so the limit is on a valid length.
    const early = deps.validate({
      prompt,
      seconds: requested,
      aspectRatio: parent?.request.aspectRatio,
      resolution: parent?.request.resolution,
      ...(model === undefined ? {} : { model }),
    });
    if (parent && chainSeconds(chain) + early.seconds > deps.maxExtendedSeconds) {
      throw tooLong(chainSeconds(chain), early.seconds, deps.maxExtendedSeconds);
    }

    const applied = await deps.settings.apply(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        userId: invocation.userId,
        channelId: invocation.channelId,
        parentChannelId: invocation.parentChannelId,
        prompt,
        // The reference image is the bot's own frame of the video, not an image the user sent.
        imageCount: 0,
        seconds: requested === undefined ? undefined : String(requested),
        aspectRatio: parent?.request.aspectRatio,
        resolution: parent?.request.resolution,
        // The space's model rules, as for /imagine: one disallowed since is refused, defaults fit the model.
        model,
      },
      names,
    );

    const added = deps.validate({
      prompt,
      seconds: applied.seconds,
      resolution: applied.resolution,
      model: applied.model,
    }).seconds;
    const sink = reply.forJob?.() ?? reply;
    const fetchFile = sink.fetchFile?.bind(sink);
    // A video the bot did not make is read now, free: its length (the limit) and shape (the new clip's) are
    // needed before the request. For the bot's own videos the frame is taken as the job's image, once the
    // per-user cap and the quota have accepted it, so a refused press fetches nothing and runs no ffmpeg.
    let image: ImageSource;
    let aspectRatio = parent?.request.aspectRatio;
    if (parent) {
      image = { url: LAST_FRAME, name: 'last-frame.png', label: LAST_FRAME_LABEL, contentType: 'image/png' };
    } else {
      const frame = await deps.chain.lastFrame(chain, fetchFile);
      const seconds = Math.round(frame.info.durationSeconds * 100) / 100;
      chain = { clips: [{ seconds }], ...(chain.source ? { source: chain.source } : {}) };
      if (seconds + added > deps.maxExtendedSeconds) throw tooLong(seconds, added, deps.maxExtendedSeconds);
      aspectRatio = ratioOf(frame.info.width, frame.info.height);
      image = { bytes: frame.png, name: 'last-frame.png', label: LAST_FRAME_LABEL, contentType: 'image/png' };
    }
    const lastFrameOf = chain;
    const fetchImage = async (source: ImageSource, maxBytes: number): Promise<Uint8Array> => {
      if (source.url === LAST_FRAME) return (await deps.chain.lastFrame(lastFrameOf, fetchFile)).png;
      if (!sink.fetchImage) throw new BotError('internal', 'this reply cannot fetch images');
      return sink.fetchImage(source, maxBytes);
    };

    await deps.runner.start(
      {
        platform: invocation.platform,
        spaceId: invocation.spaceId,
        channelId: invocation.channelId,
        userId: invocation.userId,
        messageRef: sink.ref,
        imageRefs: [],
        chain,
        language,
        ...(privateLanguage ? { privateLanguage } : {}),
      },
      {
        prompt,
        seconds: applied.seconds,
        aspectRatio,
        resolution: applied.resolution,
        model: applied.model,
        images: [image],
      },
      sink,
      { fetchImage, ...(deps.track ? { detach: deps.track } : {}) },
    );
  };
}
