import type { BotError } from './errors.js';
import type { JobEvent } from './jobs/events.js';
import type { ImageSource } from './generation/request.js';
import type { JobRecord } from './jobs/job-store.js';
import type { CommandDefinition } from './core/command.js';
import type { DownloadedVideo } from './video-api/download.js';

/**
 * The port: the only door between platform adapters and the core. An adapter decodes a platform event into
 * an Invocation, hands it to `AdapterCore.handle` with a Reply built on its messages, and renders what the
 * core tells that Reply. Everything an adapter needs of the core is exported from here (types, errors, view
 * helpers); the lint forbids adapters any other import from src/ but src/util and src/log.
 */

import type { ChatPlatform } from './platforms.js';
import type { Language } from './i18n/languages.js';

export { PLATFORMS, CHAT_PLATFORMS, type Platform, type ChatPlatform } from './platforms.js';
export type { JobEvent, JobRecord, DownloadedVideo, ImageSource };
export { imageNameIn } from './generation/request.js';
export { text } from './i18n/text.js';
export type {
  CommandDefinition,
  OptionSpec,
  OptionType,
  SubcommandGroupSpec,
  SubcommandSpec,
} from './core/command.js';
export type { DiscordConfig, SlackConfig } from './config.js';
export {
  BotError,
  InvalidInputError,
  StartupError,
  errorMessage,
  startupStep,
  toBotError,
} from './errors.js';
export { formatByteSize, formatCount } from './util/format.js';
export {
  endView,
  progressLine,
  progressView,
  quotePrompt,
  recordTranslator,
  settingsLine,
  stateLine,
  stateWord,
  textBar,
  type EndView,
  type JobState,
  type ProgressView,
} from './generation/progress-view.js';
export { translator, type Translator } from './i18n/translate.js';
export { pickLanguage, type Language } from './i18n/languages.js';
export { writeHealth, type HealthCheck, type HealthReport } from './health.js';

export interface UserRef {
  id: string;
  /** False when the adapter could not find this user in the invocation's space. */
  inSpace: boolean;
  displayName?: string;
}

/** A channel picked as an option value (`/settings channel-add`). */
export interface ChannelRef {
  kind: 'channel';
  id: string;
  name?: string;
}

export type OptionValue = string | number | boolean | UserRef | ChannelRef;

/** How the core recognises a platform's second delivery of the same event (a retry, another process). */
export interface Delivery {
  /** Unique per platform event: Slack trigger/event/view id, Discord interaction or message id. */
  id: string;
  /** How long a repeat can still arrive. */
  ttlMs: number;
  /**
   * False for an event that cannot come back once this process is gone (a Discord interaction): the embedded
   * stores then keep the mark in memory only. Redis marks are shared either way.
   */
  acrossRestarts: boolean;
  /**
   * Mark only once the platform accepted our acknowledgement. Discord accepts one acknowledgement per
   * interaction, so a second process is stopped there; a mark taken before a failed acknowledgement would
   * leave the interaction unanswered by every process.
   */
  afterAcknowledge?: boolean;
}

export interface Invocation {
  platform: ChatPlatform;
  /** Discord guild id or `dm:<user id>`; Slack team id. */
  spaceId: string;
  channelId: string;
  /** The parent channel when `channelId` is a thread, where the platform has such a thing (Discord). */
  parentChannelId?: string;
  userId: string;
  /** The user's name as the platform shows it, when the event carries one (for "cancelled by …"). */
  userName?: string;
  /**
   * The user's locale as the platform says it (Discord's interaction `locale`, Slack's users.info `locale`):
   * the language of answers only they see, when the bot speaks it (docs/i18n.md).
   */
  locale?: string;
  /** The space's locale (Discord's `guild_locale`; Slack has none): public messages' language when unset. */
  spaceLocale?: string;
  isSpaceAdmin: boolean;
  /** A command or action name from the registry (commands/index.ts). */
  command: string;
  /** The group `subcommand` belongs to, for commands with groups (`global` in `/quota global set`). */
  subcommandGroup?: string;
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
  /** Images the user attached or pointed at, with a reference string each so "Again" can fetch them again. */
  images: Array<ImageSource & { ref: string }>;
  /**
   * A video the user pointed at (a reply to a message with an MP4) or the job message's own video (Extend):
   * the adapter's fetcher (`GenerationReply.fetchImage`) downloads it by `url`, with its host allowlist.
   */
  video?: ImageSource & { ref: string };
  /** Absent for events the platform never repeats. */
  delivery?: Delivery;
  /** The user asked how to use the command (Slack's bare `/imagine`): the core answers with its usage. */
  help?: boolean;
  /** The adapter could not read the user's input: the core answers with this, after its own checks. */
  refusal?: BotError;
}

export interface ReplyTextOptions {
  /** Visible only to the invoking user, where the platform allows it. */
  ephemeral?: boolean;
  /** Already in the platform's markup, built with its Formatter: the reply must not escape it again. */
  formatted?: boolean;
}

/**
 * How the core's answer is acknowledged on the platform, as the command's registry entry declares:
 * `job` (a public message that will show a job), `private` (an answer only the user sees), `update` (a
 * button press on an existing message: nothing new unless refused).
 */
export type Visibility = 'job' | 'private' | 'update';

export interface Reply {
  /**
   * Called once the core knows which command runs (after dedup and the draining check), before any slow
   * step: the platform's acknowledgement (Discord's deferral) belongs here. `language` is the space's, for
   * a public placeholder posted now.
   */
  acknowledge?(visibility: Visibility, language: Language): Promise<void>;
  /** A plain answer: the whole response for commands that do not generate. */
  text(message: string, options?: ReplyTextOptions): Promise<void>;
  /**
   * A specific, friendly failure with the error's user message: a refusal before a job exists (`record`
   * undefined, ephemeral where the platform allows), or the end of a job that was accepted.
   */
  fail(error: BotError, record?: JobRecord): Promise<void>;
  /** Removes a finished job's message (and any uploaded file): the Delete button. */
  remove?(record: JobRecord): Promise<void>;
}

/** What a generating command needs beyond Reply: live progress, the final video, and a way back after a restart. */
export interface GenerationReply extends Reply {
  /**
   * Serialisable: stored in the job record so a restarted bot (or another process) finds this conversation
   * again. When it changes (the job's message was posted), the adapter calls `AdapterCore.refChanged`.
   */
  readonly ref: unknown;
  /**
   * The job is about to go upstream: its message must exist now (post it if the platform has none yet).
   * Throws when the job cannot be shown to the user — a BotError of kind `unreachable` when the bot may not
   * post where the job was asked — and the job is then refunded before anything is paid; `fail` follows with
   * that error, so the adapter tells the user where it still can (privately) what to do.
   */
  ready?(record: JobRecord): Promise<void>;
  progress(event: JobEvent, record: JobRecord): Promise<void> | void;
  deliver(video: DownloadedVideo, record: JobRecord): Promise<void>;
  /** Fetches an image the adapter referenced by URL (platform auth and host allowlist are the adapter's). */
  fetchImage?(source: ImageSource, maxBytes: number): Promise<Uint8Array>;
  /**
   * The same fetcher (its host allowlist and credentials) streaming a file to `path` under `maxBytes`: the
   * platform's copy of a video Extend continues. Resolves with its size.
   */
  fetchFile?(source: ImageSource, maxBytes: number, path: string): Promise<number>;
  /** Mentions the requester once, in a new message, that a long job's result is posted. */
  notify?(record: JobRecord): Promise<void>;
  /**
   * Once acknowledged, the reply a started job keeps for its whole run, when it can be lighter than this one:
   * what only the acknowledgement needed (Discord's interaction) is not in it. This reply when absent.
   */
  forJob?(): GenerationReply;
}

/**
 * What a platform calls the things the core's shared sentences name, so no sentence in src/ or commands/
 * says "server" on Slack or "workspace" on Discord (test/platform-words.test.ts keeps it so).
 */
export interface SpaceWords {
  /** The place the bot was added to: "server" (Discord), "workspace" (Slack). */
  space: string;
  /** The places a limit across all of them spans: "servers", "workspaces". */
  spaces: string;
  /** Who may change its rules, as the platform names them: "server admins with Manage Server". */
  admins: string;
}

/** How one platform writes the parts of the core's messages; user text goes through `escape`. */
export interface Formatter {
  /** The platform's names for its space and its admins. */
  words: SpaceWords;
  /** A link to the job's message (or its channel), in the platform's markup; undefined when there is none. */
  jobLink(record: JobRecord): string | undefined;
  /** A time as the platform shows it to each reader (Discord `<t:…:R>`, Slack `<!date^…>`). */
  time(ms: number): string;
  /** A user, shown without notifying them. */
  user(id: string): string;
  /** The person who pressed a button, in a job's message ("Cancelled by …"); never a ping. */
  actor(invocation: Pick<Invocation, 'userId' | 'userName'>): string;
  /** A channel as the platform links it. */
  channel(channel: { id: string; name?: string }): string;
  /** Makes user text inert (markup, mentions). */
  escape(text: string): string;
  /** The platform's message length limit (Discord: 2,000 characters); longer answers are cut by the command. */
  maxChars?: number;
  /** How to use a command on this platform's surface (Slack: its text and flags). */
  usage(command: CommandDefinition): string;
  /** The whole answer in a space ALLOWED_SPACES does not list, in the platform's words (server, workspace). */
  notEnabled(spaceId: string): string;
  /**
   * The same Formatter speaking `language` (its words, `usage` and `notEnabled`); the core asks for the
   * language of each answer. Absent on a Formatter that speaks one language only (the operator CLI's).
   */
  inLanguage?(language: Language): Formatter;
}

/** The narrow core an adapter is started with: everything it may ask of the bot. */
export interface AdapterCore {
  /** Runs one invocation through the core's pipeline; answers (and failures) go to `reply`. */
  handle(invocation: Invocation, reply: Reply | GenerationReply): Promise<void>;
  /**
   * Whether the bot works in this space (ALLOWED_SPACES). `handle` refuses the others by itself; an adapter
   * asks only before work of its own that no invocation covers (opening a form, reading a thread's images).
   */
  allows(space: Pick<Invocation, 'platform' | 'spaceId'>): boolean;
  /** The adapter moved a job's conversation (its message was posted, a file uploaded): the core persists it. */
  refChanged(jobId: string, ref: unknown): Promise<void>;
  /**
   * The models a space may use (VIDEO_MODELS narrowed by `/settings models`) and its default one, for a
   * form's model picker (Animate); the request is checked against them again when it runs.
   */
  modelsFor(
    space: Pick<Invocation, 'platform' | 'spaceId'>,
  ): Promise<{ models: string[]; defaultModel: string }>;
  /** What a job asked for, for a form that starts from it (Vary); undefined when the record is gone. */
  recall(jobId: string): Promise<JobRecord | undefined>;
  /** Short-lived state between two user actions (what a form was opened for), always with a TTL. */
  pending: {
    get(key: string): Promise<unknown>;
    set(key: string, value: unknown, ttlMs: number): Promise<unknown>;
    delete(key: string): Promise<unknown>;
  };
}

/**
 * A platform adapter, small like Bolt's Receiver: it connects to its platform, turns events into Invocations
 * for `core.handle`, and renders Replies. Adding a platform is a folder implementing this plus one line in
 * the composition root.
 */
export interface Adapter {
  readonly platform: ChatPlatform;
  readonly format: Formatter;
  start(core: AdapterCore): Promise<void>;
  /** Whether it is connected to its platform right now (GET /healthz): false before start and after stop. */
  connected(): boolean;
  /**
   * Disconnects. The core has stopped handing it work and waited up to `graceMs` for running handlers
   * already; the adapter may use what is left of it for its own transport.
   */
  stop(graceMs: number): Promise<void>;
  /** The reply for a job this process did not start (resumed after a restart, taken from another process). */
  replyFor(record: JobRecord): GenerationReply | undefined;
}
