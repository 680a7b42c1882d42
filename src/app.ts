import type { Config } from './config.js';
import type { Language } from './i18n/languages.js';
import { startupStep } from './errors.js';
import {
  createGenerationService,
  type GenerationService,
  type GenerationServiceOverrides,
} from './generation/service.js';
import type { JobObserver } from './jobs/types.js';
import { createJobRunner } from './jobs/job-runner.js';
import type { JobRunner, JobRunnerDeps } from './jobs/types.js';
import { createJobStore, type JobStore } from './jobs/job-store.js';
import type { Logger } from './log.js';
import { createQuotaLedger, type QuotaLedger } from './quota/ledger.js';
import { createQuotaService, type QuotaService } from './quota/quota.js';
import { createUsageService, type UsageService } from './quota/usage.js';
import { createSpaceAllowlist, type SpaceAllowlist } from './settings/allowed-spaces.js';
import { createSpaceSettings, type SpaceSettingsService } from './settings/space-settings.js';
import { stateFirstSeen, type FirstSeen } from './store/first-seen.js';
import { openState } from './store/open-state.js';
import { stateNamespace, type StateNamespace } from './store/state.js';
import { describeStore, parseStoreUrl } from './store/store-url.js';

/**
 * Everything with state, opened once from the config: the state store, the quota ledger, the job records,
 * and the runner that ties them to the generation core. The bot and the operator CLI open the same thing.
 */
export interface App {
  quota: QuotaService;
  ledger: QuotaLedger;
  jobs: JobStore;
  /** Who used how much this quota period, from the job records (/usage, `npm run cli -- usage`). */
  usage: UsageService;
  /** Absent when no video API key is configured (operator CLI commands that only read the store). */
  runner: JobRunner | undefined;
  service: GenerationService | undefined;
  /**
   * Short-lived state adapters keep between two user actions (what a modal was opened for), always written
   * with a TTL and validated when read back. In the shared store, so it survives a restart.
   */
  pending: StateNamespace;
  /** True once per key within the TTL, across every bot process sharing the store: platform retry dedup. */
  firstSeen: FirstSeen;
  /** Rules admins set with /settings (ban list, channels, defaults, images) and users' notify opt-outs. */
  settings: SpaceSettingsService;
  /** The servers and workspaces the bot works in (ALLOWED_SPACES); the core refuses the others. */
  spaces: SpaceAllowlist;
  /** DEFAULT_LANGUAGE: public messages' language where neither the space nor its platform says one. */
  defaultLanguage: Language;
  /** True when the store answers now (GET /healthz). */
  storeAnswers(): Promise<boolean>;
  /** Removes finished job records older than JOB_RETENTION_DAYS; the bot runs it at start and daily. */
  prune(): Promise<number>;
  close(): Promise<void>;
}

/** Test knobs for the BullMQ runner (a Redis store): key prefix and how often it refreshes and sweeps. */
export interface JobQueueOverrides {
  prefix?: string;
  refreshMs?: number;
  sweepMs?: number;
}

export async function openApp(
  config: Config,
  logger: Logger,
  options: {
    now?: () => number;
    generation?: GenerationServiceOverrides;
    needsGeneration?: boolean;
    jobQueue?: JobQueueOverrides;
    /** Told of every job's acceptance, refusal and settlement (the metrics endpoint). */
    observe?: JobObserver;
  } = {},
): Promise<App> {
  // The process's connections are listed in src/store/open-state.ts.
  const opened = await openState(config.storeUrl, logger);
  const { state, redis } = opened;
  const store = describeStore(parseStoreUrl(config.storeUrl.trim()));
  const ledger = await startupStep(store.service, store.where, () =>
    createQuotaLedger(config.storeUrl, { logger, redis }),
  ).catch(async (error: unknown) => {
    await opened.close().catch(() => undefined);
    throw error;
  });
  const jobs = createJobStore(state, logger, options.now);
  const quota = createQuotaService({
    ledger,
    state,
    config: config.quota,
    ownerIds: config.ownerIds,
    logger,
    now: options.now,
  });
  const usage = createUsageService({
    jobs,
    config: config.quota,
    ownerIds: config.ownerIds,
    logger,
    now: options.now,
  });
  const spaceSettings = createSpaceSettings({
    state,
    logger,
    limits: config.limits,
    models: { defaultModel: config.videoApi.model, offered: config.videoApi.models },
    isAdmin: quota.isAdmin,
    now: options.now,
  });
  const service =
    options.needsGeneration === false
      ? undefined
      : createGenerationService(config, logger, options.generation);
  const prefix = options.jobQueue?.prefix ?? 'gvb';
  const runnerDeps = (generation: GenerationService): JobRunnerDeps => ({
    service: generation,
    quota,
    ledger,
    jobs,
    logger,
    now: options.now,
    limits: config.jobLimits,
    notifyAfterMs: config.notifyAfterMs,
    observe: options.observe,
    notifyEnabled: (record) =>
      record.platform === 'cli'
        ? Promise.resolve(false)
        : spaceSettings.notifyEnabled(record.platform, record.spaceId, record.userId),
  });
  let runner: JobRunner | undefined;
  if (service && redis) {
    const { createBullmqRunner } = await import('./jobs/bullmq/runner.js');
    runner = await createBullmqRunner(runnerDeps(service), {
      redis,
      prefix,
      workerConcurrency: config.worker.concurrency,
      lockMs: config.worker.lockMs,
      refreshMs: options.jobQueue?.refreshMs,
      sweepMs: options.jobQueue?.sweepMs,
    });
  } else if (service) {
    runner = createJobRunner(runnerDeps(service));
  }
  return {
    quota,
    ledger,
    jobs,
    usage,
    runner,
    service,
    pending: stateNamespace(state, 'pending'),
    firstSeen: stateFirstSeen(state, logger),
    settings: spaceSettings,
    spaces: createSpaceAllowlist(config.allowedSpaces),
    defaultLanguage: config.defaultLanguage,
    storeAnswers: () => opened.answers(),
    prune: () => jobs.prune(config.jobRetentionMs),
    async close() {
      // Running jobs stop first, so none writes to a store that is closing; their records resume next start.
      await runner?.shutdown();
      await ledger.close().catch(() => undefined);
      await opened.close().catch(() => undefined);
    },
  };
}
