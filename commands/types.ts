import type { Invocation, Reply } from '../src/port.js';

/**
 * A command is data (its options, for each adapter to render as its own surface) plus a handler.
 * Adding an option is one edit here; adapters read the data.
 */
export type OptionType = 'string' | 'integer' | 'boolean' | 'user' | 'attachment';

export interface OptionSpec {
  name: string;
  type: OptionType;
  description: string;
  required?: boolean;
  choices?: ReadonlyArray<{ name: string; value: string | number }>;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
}

export interface SubcommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
}

export interface CommandDefinition<Deps> {
  name: string;
  description: string;
  options?: readonly OptionSpec[];
  subcommands?: readonly SubcommandSpec[];
  handle(invocation: Invocation, reply: Reply, deps: Deps): Promise<void>;
}
