import type { Invocation, Reply } from '../src/port.js';

/**
 * A command is data (its options, for each adapter to render as its own surface) plus a handler.
 * Adding an option is one edit here; adapters read the data.
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
  /** On text surfaces, the free text that is not a flag fills this option (the prompt). */
  freeText?: boolean;
}

export interface SubcommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
}

export interface CommandDefinition<Deps, R extends Reply = Reply> {
  name: string;
  description: string;
  options?: readonly OptionSpec[];
  subcommands?: readonly SubcommandSpec[];
  handle(invocation: Invocation, reply: R, deps: Deps): Promise<void>;
}
