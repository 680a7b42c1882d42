import type { App } from '../app.js';
import { BotError } from '../errors.js';
import type { InvocationLanguages } from '../i18n/languages.js';
import { translator } from '../i18n/translate.js';
import { createInFlightTracker } from '../jobs/in-flight.js';
import type { JobRecord } from '../jobs/job-store.js';
import type { ResumeOptions } from '../jobs/types.js';
import type { Logger } from '../log.js';
import type { Adapter, AdapterCore, ChatPlatform, GenerationReply, Invocation } from '../port.js';
import type { SpaceSettings } from '../settings/space-settings.js';
import type { CommandContext, CommandRegistry } from './command.js';
import { createAckGate } from './ack-gate.js';
import { createDispatcher } from './dispatch.js';
import { createExtend } from './extend.js';
import { createGenerate, createRequestCheck } from './generate.js';

/**
 * The bot: the core's pipeline with the platform adapters plugged in, keyed by platform. Composition roots
 * (bin/) create one, add the adapters their config asks for, start it, and stop it on SIGTERM: it stops
 * taking commands (newcomers are told it is restarting), waits a little for running handlers, then
 * disconnects the adapters. Jobs still running keep their records and resume on the next start.
 */
export interface BotOptions {
  app: Pick<
    App,
    | 'quota'
    | 'settings'
    | 'jobs'
    | 'usage'
    | 'runner'
    | 'service'
    | 'pending'
    | 'firstSeen'
    | 'spaces'
    | 'defaultLanguage'
  >;
  registry: CommandRegistry;
  logger: Logger;
}

export interface Bot {
  /** What adapters are started with. */
  readonly core: AdapterCore;
  add(adapter: Adapter): void;
  /** Connects every added adapter. */
  start(): Promise<void>;
  /** Each added platform, connected right now or not (GET /healthz). */
  connected(): Partial<Record<ChatPlatform, boolean>>;
  /**
   * Starts the job workers for the added platforms: jobs earlier processes left unfinished, and (with
   * Redis) jobs any process accepted. Resolves with the jobs resumed here once they are settled or queued.
   */
  startWorkers(options?: Omit<ResumeOptions, 'platforms'>): Promise<JobRecord[]>;
  /** The reply of a job this process did not start: a lookup of the job's platform adapter. */
  replyFor(record: JobRecord): GenerationReply | undefined;
  stop(graceMs?: number): Promise<void>;
}

const sameSpace = (
  a: Pick<Invocation, 'platform' | 'spaceId'>,
  b: Pick<Invocation, 'platform' | 'spaceId'>,
) => a.platform === b.platform && a.spaceId === b.spaceId;

export function createBot(options: BotOptions): Bot {
  const { app, logger } = options;
  const { runner, service } = app;
  if (!runner || !service) throw new Error('the bot needs the generation runner (VIDEO_API_KEY)');
  const adapters = new Map<ChatPlatform, Adapter>();
  const inFlight = createInFlightTracker(logger);
  let draining = false;
  // A job's run is tracked for shutdown by itself, so the platform event that started it ends once it is accepted.
  const generate = createGenerate({ runner, settings: app.settings, track: inFlight.track });
  const checkRequest = createRequestCheck(service.validate, app.settings);
  const extend = createExtend({
    runner,
    jobs: app.jobs,
    settings: app.settings,
    chain: service.chain,
    validate: service.validate,
    maxExtendedSeconds: service.limits.maxExtendedSeconds,
    track: inFlight.track,
  });

  const contextFor = (
    origin: Pick<Invocation, 'platform' | 'spaceId'>,
    languages: InvocationLanguages,
    space?: SpaceSettings,
  ): CommandContext => {
    const { platform } = origin;
    const adapter = adapters.get(platform);
    if (!adapter) throw new BotError('internal', `no adapter for ${platform}`);
    return {
      quota: app.quota,
      settings: app.settings,
      jobs: app.jobs,
      usage: app.usage,
      runner,
      // Its words and refusals in the language of the user's answers (docs/i18n.md).
      format: adapter.format.inLanguage?.(languages.private) ?? adapter.format,
      tr: translator(languages.private),
      spaceTr: translator(languages.space),
      defaultLanguage: app.defaultLanguage,
      logger,
      generate: (invocation, reply) =>
        generate(invocation, reply, adapter.format, languages.space, languages.private),
      extend: (invocation, reply) =>
        extend(invocation, reply, adapter.format, languages.space, languages.private),
      // The dispatcher's read of this space's settings, for requests about the same space (all of them today).
      checkRequest: (invocation) =>
        checkRequest(invocation, sameSpace(invocation, origin) ? space : undefined),
    };
  };
  const dispatch = createDispatcher({
    registry: options.registry,
    firstSeen: app.firstSeen,
    draining: () => draining,
    allows: (space) => app.spaces.allows(space),
    contextFor,
    readSpace: (space) => app.settings.get(space),
    ackGate: createAckGate(),
    defaultLanguage: app.defaultLanguage,
    logger,
  });

  const core: AdapterCore = {
    handle(invocation, reply) {
      const handled = dispatch(invocation, reply);
      inFlight.track(handled);
      return handled;
    },
    async refChanged(jobId, ref) {
      await app.jobs.update(jobId, { messageRef: ref });
    },
    recall: (jobId) => app.jobs.get(jobId),
    modelsFor: (space) => app.settings.modelsFor(space),
    allows: (space) => app.spaces.allows(space),
    pending: app.pending,
  };

  const replyFor = (record: JobRecord) =>
    record.platform === 'cli' ? undefined : adapters.get(record.platform)?.replyFor(record);

  return {
    core,
    add(adapter) {
      adapters.set(adapter.platform, adapter);
    },
    async start() {
      for (const adapter of adapters.values()) await adapter.start(core);
    },
    connected: () =>
      Object.fromEntries([...adapters].map(([platform, adapter]) => [platform, adapter.connected()])),
    startWorkers: (resume = {}) =>
      runner.startWorkers(replyFor, { ...resume, platforms: [...adapters.keys()] }),
    replyFor,
    async stop(graceMs = 10_000) {
      draining = true;
      await inFlight.drain(graceMs);
      await Promise.all([...adapters.values()].map((adapter) => adapter.stop(graceMs)));
    },
  };
}
