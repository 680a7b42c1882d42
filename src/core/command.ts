import type { Language } from '../i18n/languages.js';
import type { Translator } from '../i18n/translate.js';
import type { Logger } from '../log.js';
import type { JobStore } from '../jobs/job-store.js';
import type { JobRunner } from '../jobs/types.js';
import type { Formatter, GenerationReply, Invocation, Reply, Visibility } from '../port.js';
import type { QuotaService } from '../quota/quota.js';
import type { UsageService } from '../quota/usage.js';
import type { SpaceSettingsService } from '../settings/space-settings.js';

/**
 * What a command is: data (its options, for each adapter to derive its own surface from) plus a handler the
 * core calls once its checks passed. The registry of every command is commands/index.ts; the core receives it
 * from the composition root, so src/ never imports commands/.
 */

export type OptionType = 'string' | 'integer' | 'boolean' | 'user' | 'channel' | 'attachment';

export interface OptionSpec {
  name: string;
  type: OptionType;
  description: string;
  required?: boolean;
  choices?: ReadonlyArray<{ name: string; value: string | number }>;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
  /** Short names for text surfaces (Slack flags: `--ar` for aspect_ratio). */
  aliases?: readonly string[];
  /** The choices are suggestions, not a closed list: surfaces must still accept any value. */
  openChoices?: boolean;
  /** On text surfaces, the free text that is not a flag fills this option (the prompt, a ban pattern). */
  freeText?: boolean;
}

export interface SubcommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
}

/** Subcommands under one more word (`/quota global set`): Discord's subcommand group, Slack's second word. */
export interface SubcommandGroupSpec {
  name: string;
  description: string;
  subcommands: readonly SubcommandSpec[];
}

/** What every handler may use: the core's services and the invoking platform's formatter. */
export interface CommandContext {
  quota: QuotaService;
  settings: SpaceSettingsService;
  jobs: JobStore;
  usage: UsageService;
  /** Absent where nothing generates (the operator CLI). */
  runner: JobRunner | undefined;
  format: Formatter;
  /** For answers only the invoking user sees: their language (docs/i18n.md). */
  tr: Translator;
  /** For public messages (what everyone in the channel reads): the space's language. */
  spaceTr: Translator;
  /** DEFAULT_LANGUAGE (`/settings language clear` says what a space falls back to). */
  defaultLanguage: Language;
  logger: Logger;
  /**
   * The generating steps, in this order for every way a video starts: the space's rules (channel, bans,
   * defaults), then the runner's per-user cap, quota reservation, image fetch and decode, record, and the
   * upstream job, reported through `reply`.
   */
  generate(invocation: Invocation, reply: GenerationReply): Promise<void>;
  /**
   * Extend: continue a video (the job in `options.job`, or `invocation.video`) with a new clip made from its
   * last frame; the result is the joined video. Checks the length limit, the space's rules, then runs as a job.
   */
  extend(invocation: Invocation, reply: GenerationReply): Promise<void>;
  /**
   * The checks of a generation request that need no I/O but one read of the space's settings: the model
   * (allowed here? the space's default when none is named), then prompt, seconds, aspect ratio, resolution,
   * the images' count and what their metadata declares, by that model's rules, on the invocation's own
   * options; rejects with the refusal. `generate` runs them again with the space's defaults filled in: this
   * is only the early half, for `precheck`.
   */
  checkRequest(invocation: Invocation): Promise<void>;
}

export interface CommandDefinition {
  name: string;
  description: string;
  /**
   * `slash`: registered as a command on every platform. `action`: pressed or submitted on a message the bot
   * posted (buttons, forms); adapters render and decode it, no platform registers it.
   */
  surface: 'slash' | 'action';
  /** How the platform acknowledges it (see Visibility); `job` commands receive a GenerationReply. */
  visibility: Visibility;
  options?: readonly OptionSpec[];
  subcommands?: readonly SubcommandSpec[];
  /** Beside `subcommands`, never instead of them; a group's name must not be a subcommand's. */
  subcommandGroups?: readonly SubcommandGroupSpec[];
  /** The subcommand a bare command runs (`/quota` = `/quota show`). */
  defaultSubcommand?: string;
  /** A one-line example of the text form (Slack's usage hint), derived into the Slack manifest. */
  usageHint?: string;
  /**
   * Refuses (throws) input that fails without any I/O, before the platform is acknowledged: the refusal then
   * reaches the user privately and at once, instead of after a public "thinking…" (Discord) that is taken
   * back. Keep it to cheap reads (the space's settings, a job record): the platform waits for the
   * acknowledgement (3 s on Discord and Slack); quota, images' bytes and the upstream belong to `handle`.
   */
  precheck?(invocation: Invocation, context: CommandContext): void | Promise<void>;
  handle(invocation: Invocation, reply: Reply | GenerationReply, context: CommandContext): Promise<void>;
}

/** The commands by name, as the core looks them up. */
export type CommandRegistry = ReadonlyMap<string, CommandDefinition>;

export function isGenerationReply(reply: Reply | GenerationReply): reply is GenerationReply {
  return 'progress' in reply && 'deliver' in reply;
}
