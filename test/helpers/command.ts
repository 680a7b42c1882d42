import { translator } from '../../src/i18n/translate.js';
import type { CommandContext, CommandDefinition } from '../../src/core/command.js';
import { createDispatcher } from '../../src/core/dispatch.js';
import { plainFormat } from '../../src/core/plain-format.js';
import { stateFirstSeen } from '../../src/store/first-seen.js';
import { createMemoryState } from '../../src/store/state-memory.js';
import type { Formatter, Invocation, Reply } from '../../src/port.js';
import type { QuotaActor } from '../../src/quota/quota.js';
import { capturedLogger } from './core.js';

/** The parts of the core a command test supplies; the rest fail loudly if a command reaches for them. */
export interface CommandTestDeps {
  quota?: Partial<CommandContext['quota']>;
  settings?: Partial<CommandContext['settings']>;
  jobs?: Partial<CommandContext['jobs']>;
  usage?: Partial<CommandContext['usage']>;
  isAdmin?: (actor: QuotaActor) => boolean;
  format?: Partial<Formatter>;
}

/** Runs one command through the core's dispatcher (so thrown refusals become `reply.fail`), as adapters do. */
export async function runCommand(
  command: CommandDefinition,
  invocation: Invocation,
  reply: Reply,
  deps: CommandTestDeps,
): Promise<void> {
  const logger = capturedLogger().logger;
  const quota = { ...deps.quota, ...(deps.isAdmin ? { isAdmin: deps.isAdmin } : {}) };
  // One cast, here: a test hands over only the services its command uses.
  const context = {
    quota,
    settings: deps.settings,
    jobs: deps.jobs,
    usage: deps.usage,
    runner: undefined,
    format: { ...plainFormat, ...deps.format },
    tr: translator('en'),
    spaceTr: translator('en'),
    defaultLanguage: 'en',
    logger,
    generate: () => Promise.reject(new Error('this command test does not generate')),
    checkRequest: () => {
      throw new Error('this command test does not generate');
    },
  } as unknown as CommandContext;
  const handle = createDispatcher({
    registry: new Map([[command.name, command]]),
    firstSeen: stateFirstSeen(createMemoryState(), logger),
    draining: () => false,
    contextFor: () => context,
    logger,
  });
  await handle(invocation, reply);
}
