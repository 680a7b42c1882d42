import { describe, expect, it } from 'vitest';
import type { CommandContext, CommandDefinition } from '../src/core/command.js';
import { createAckGate } from '../src/core/ack-gate.js';
import { createDispatcher } from '../src/core/dispatch.js';
import { plainFormat } from '../src/core/plain-format.js';
import { BotError } from '../src/errors.js';
import { translator } from '../src/i18n/translate.js';
import type { Invocation, Reply } from '../src/port.js';
import { stateFirstSeen } from '../src/store/first-seen.js';
import { createMemoryState } from '../src/store/state-memory.js';
import { capturedLogger } from './helpers/core.js';

/**
 * The dispatcher holds a command's work after its acknowledgement while other invocations are still on their
 * way to theirs: during a burst the acknowledgements come first, the work after.
 */

const events: string[] = [];

const work: CommandDefinition = {
  name: 'work',
  description: 'Records when its work runs',
  surface: 'slash',
  visibility: 'job',
  precheck(invocation) {
    if (invocation.options.refuse === true)
      throw new BotError('invalid_input', 'refused', { userMessage: 'no' });
  },
  async handle(invocation) {
    events.push(`work ${invocation.userId}`);
  },
};

function dispatcher() {
  const logger = capturedLogger().logger;
  return createDispatcher({
    registry: new Map([[work.name, work]]),
    firstSeen: stateFirstSeen(createMemoryState(), logger),
    draining: () => false,
    contextFor: (_invocation, languages) =>
      ({ format: plainFormat, tr: translator(languages.private) }) as unknown as CommandContext,
    ackGate: createAckGate({ maxWaitMs: 60_000 }),
    logger,
  });
}

/** A reply whose acknowledgement (or refusal) completes when the test says so. */
function heldReply(userId: string) {
  let complete = () => undefined as void;
  const done = new Promise<void>((resolve) => (complete = resolve));
  const reply: Reply = {
    async acknowledge() {
      await done;
      events.push(`ack ${userId}`);
    },
    text: () => Promise.resolve(),
    async fail() {
      await done;
      events.push(`refused ${userId}`);
    },
  };
  return { reply, complete };
}

const invocation = (userId: string, options: Invocation['options'] = {}): Invocation => ({
  platform: 'discord',
  spaceId: 'g1',
  channelId: 'c1',
  userId,
  isSpaceAdmin: false,
  command: 'work',
  options,
  images: [],
});

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('work after the acknowledgements', () => {
  it('waits until every invocation in a burst is acknowledged', async () => {
    events.length = 0;
    const handle = dispatcher();
    const a = heldReply('a');
    const b = heldReply('b');
    const handled = [handle(invocation('a'), a.reply), handle(invocation('b'), b.reply)];
    a.complete();
    await turns();
    expect(events).toEqual(['ack a']);
    b.complete();
    await Promise.all(handled);
    expect(events).toEqual(['ack a', 'ack b', 'work a', 'work b']);
  });

  it('waits for a refusal being answered, and a refusal does not wait for anything', async () => {
    events.length = 0;
    const handle = dispatcher();
    const a = heldReply('a');
    const b = heldReply('b');
    const c = heldReply('c');
    const handled = [
      handle(invocation('a'), a.reply),
      handle(invocation('b', { refuse: true }), b.reply),
      handle(invocation('c'), c.reply),
    ];
    a.complete();
    c.complete();
    await turns();
    expect(events).toEqual(['ack a', 'ack c']);
    b.complete();
    await Promise.all(handled);
    expect(events).toEqual(['ack a', 'ack c', 'refused b', 'work a', 'work c']);
  });
});
