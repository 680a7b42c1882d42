import type { ImageSource } from './generation/request.js';
import type { Platform } from './quota/quota.js';

/**
 * The port between adapters and commands. Adapters build an Invocation from a platform event and implement
 * Reply on top of their messages; commands and the core see only these types.
 */

export interface UserRef {
  id: string;
  /** False when the adapter could not find this user in the invocation's space. */
  inSpace: boolean;
  displayName?: string;
}

export type OptionValue = string | number | boolean | UserRef;

export interface Invocation {
  platform: Exclude<Platform, 'cli'>;
  /** Discord guild id or `dm:<user id>`; Slack team id. */
  spaceId: string;
  channelId: string;
  userId: string;
  isSpaceAdmin: boolean;
  command: string;
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
  images: ImageSource[];
}

export interface ReplyTextOptions {
  /** Visible only to the invoking user, where the platform allows it. */
  ephemeral?: boolean;
}

export interface Reply {
  /** A plain answer: the whole response for commands that do not generate. */
  text(message: string, options?: ReplyTextOptions): Promise<void>;
  /** A specific, friendly failure; ephemeral where the platform allows it. */
  fail(userMessage: string): Promise<void>;
}
