/**
 * The emulated workspace's conversations: public and private channels, DMs and group DMs, each with its
 * members and whether the bot user is one of them. Slack refuses a bot most things in a conversation it is
 * not a member of, and the error says what kind of conversation it was (see README.md, "Channels and
 * membership", for the documentation behind each answer).
 */

export type ConversationKind = 'public' | 'private' | 'im' | 'mpim';

export interface SlackConversationInput {
  id: string;
  /** Default by the id: `D…` a DM, `G…` a private channel (the old id form), anything else public. */
  kind?: ConversationKind;
  name?: string;
  /** Whether the bot user is a member. Default true. */
  bot?: boolean;
  /**
   * The people in it besides the bot. Omitted: anyone (chat.postEphemeral then accepts any user). For a DM,
   * the person or two people in it.
   */
  members?: string[];
}

export interface SlackConversation {
  id: string;
  kind: ConversationKind;
  name: string;
  /** Changed by conversations.join; tests may set it to stage a bot removed from a channel. */
  botMember: boolean;
  /** Undefined: anyone. */
  members: Set<string> | undefined;
  /** Declared by the test (restored on reset) rather than met for the first time in a call. */
  declared: boolean;
  createdAt: number;
}

/** A Slack error code, or undefined when the bot may go on. */
export type AccessError = 'channel_not_found' | 'not_in_channel' | undefined;

function kindOf(id: string): ConversationKind {
  if (id.startsWith('D')) return 'im';
  if (id.startsWith('G')) return 'private';
  return 'public';
}

export class Conversations {
  readonly all = new Map<string, SlackConversation>();
  private imCount = 0;

  constructor(
    private readonly seed: readonly SlackConversationInput[],
    /** Undeclared ids answer `channel_not_found` (the `channels` option); else they exist, the bot in them. */
    private readonly strict: boolean,
    private readonly now: () => number,
  ) {
    this.reset();
  }

  /** Back to the declared conversations as seeded: joins, opened DMs and implicit channels forgotten. */
  reset(): void {
    this.all.clear();
    this.imCount = 0;
    for (const input of this.seed) this.add(input);
  }

  add(input: SlackConversationInput, declared = true): SlackConversation {
    const kind = input.kind ?? kindOf(input.id);
    const conversation: SlackConversation = {
      id: input.id,
      kind,
      name: input.name ?? (kind === 'im' ? 'directmessage' : input.id.toLowerCase()),
      botMember: input.bot ?? true,
      members: input.members === undefined ? undefined : new Set(input.members),
      declared,
      createdAt: this.now(),
    };
    this.all.set(conversation.id, conversation);
    return conversation;
  }

  /** The conversation, met for the first time when undeclared ids exist (public, or a DM with the bot). */
  get(id: string): SlackConversation | undefined {
    const known = this.all.get(id);
    if (known !== undefined || this.strict || id === '') return known;
    return this.add({ id }, false);
  }

  /**
   * What Slack answers a bot acting in `id` (posting, updating, uploading, reading history): a public
   * channel it has not joined says `not_in_channel`; a private channel or DM it is not part of does not
   * exist as far as the bot can tell.
   */
  botAccess(id: string): AccessError {
    const conversation = this.get(id);
    if (conversation === undefined) return 'channel_not_found';
    if (conversation.botMember) return undefined;
    return conversation.kind === 'public' ? 'not_in_channel' : 'channel_not_found';
  }

  /** Whether `user` is in the conversation (undeclared members: anyone is). */
  hasMember(id: string, user: string): boolean {
    const members = this.get(id)?.members;
    return members === undefined || members.has(user);
  }

  /** The bot's DM with `user` (App Home's Messages tab), opened on first use. */
  openIm(user: string): { conversation: SlackConversation; alreadyOpen: boolean } {
    const existing = [...this.all.values()].find(
      (c) => c.kind === 'im' && c.botMember && c.members?.size === 1 && c.members.has(user),
    );
    if (existing !== undefined) return { conversation: existing, alreadyOpen: true };
    this.imCount += 1;
    const id = `D0IM${user.replace(/^[UW]0*/, '')}${this.imCount.toString(36).toUpperCase()}`;
    return {
      conversation: this.add({ id, kind: 'im', bot: true, members: [user] }, false),
      alreadyOpen: false,
    };
  }

  /** A group DM of the bot and these people. */
  openMpim(users: readonly string[]): SlackConversation {
    const wanted = new Set(users);
    const existing = [...this.all.values()].find(
      (c) =>
        c.kind === 'mpim' &&
        c.botMember &&
        c.members?.size === wanted.size &&
        [...wanted].every((u) => c.members?.has(u)),
    );
    if (existing !== undefined) return existing;
    this.imCount += 1;
    return this.add(
      {
        id: `G0MP${this.imCount.toString(36).toUpperCase()}`,
        kind: 'mpim',
        name: `mpdm-${users.join('--')}-1`,
        bot: true,
        members: [...users],
      },
      false,
    );
  }

  /** Slack's conversation object, as conversations.join / open answer it. */
  json(conversation: SlackConversation): Record<string, unknown> {
    const channelLike = conversation.kind === 'public' || conversation.kind === 'private';
    const base: Record<string, unknown> = {
      id: conversation.id,
      created: Math.floor(conversation.createdAt / 1000),
      is_archived: false,
      is_channel: conversation.kind === 'public',
      is_group: conversation.kind === 'private',
      is_im: conversation.kind === 'im',
      is_mpim: conversation.kind === 'mpim',
      is_private: conversation.kind !== 'public',
      is_member: conversation.botMember,
    };
    if (channelLike || conversation.kind === 'mpim') {
      base.name = conversation.name;
      base.name_normalized = conversation.name;
    }
    if (conversation.kind === 'im') base.user = [...(conversation.members ?? [])][0];
    return base;
  }
}
