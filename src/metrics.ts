import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorKind } from './errors.js';
import { writeHealth, type HealthCheck } from './health.js';
import type { JobObserver } from './jobs/types.js';
import type { Logger } from './log.js';

/**
 * GET /metrics in Prometheus text format (METRICS_PORT): jobs accepted, refused (by reason; quota refusals
 * among them, by the limit that refused), the bot's budget used and its limit, finished (by status), cancelled after submission (still paid for upstream), in flight, their
 * duration, upstream errors by kind, and the process's own figures (RSS, heap, event-loop lag). prom-client
 * loads only when the endpoint is on. The same port serves GET /healthz when given the health check.
 */

/** Failures that come from the video service rather than from the user or the platform. */
const UPSTREAM_KINDS: ReadonlySet<ErrorKind> = new Set([
  'transient',
  'rate_limited',
  'upstream_invalid',
  'job_failed',
  'job_timeout',
  'misconfigured',
]);

/** The bot's budget as the gauges show it: read from the shared ledger at every scrape. */
export type BudgetReader = () => Promise<{ used: number; limit: number | undefined }>;

export interface MetricsServer {
  observe: JobObserver;
  /** Where gvb_budget_used and gvb_budget_limit come from (the app opens after the server starts). */
  watchBudget(read: BudgetReader): void;
  port: number;
  /** The address it is bound to, as the socket reports it. */
  address: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: {
  port: number;
  /** Loopback unless told otherwise: the endpoint has no authentication. */
  host?: string;
  logger: Logger;
  /** Served as GET /healthz (src/health.ts). */
  health?: HealthCheck;
}): Promise<MetricsServer> {
  const { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } = await import('prom-client');
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'gvb_' });
  const accepted = new Counter({
    name: 'gvb_jobs_accepted_total',
    help: 'Jobs accepted (validated, quota reserved, recorded).',
    labelNames: ['platform'],
    registers: [register],
  });
  const refused = new Counter({
    name: 'gvb_jobs_refused_total',
    help: 'Requests refused before anything was reserved, by reason (quota_exceeded, too_many_jobs, invalid_input, ...).',
    labelNames: ['platform', 'reason'],
    registers: [register],
  });
  const quotaRefusals = new Counter({
    name: 'gvb_quota_refusals_total',
    help: 'Requests refused by a quota, by the limit that refused: space (the user here), global (the user everywhere), budget (the whole bot).',
    labelNames: ['platform', 'limit'],
    registers: [register],
  });
  let readBudget: BudgetReader | undefined;
  /** One read per scrape and gauge; a failed read leaves the gauge as it was and says so in the log. */
  const budgetGauge = (name: string, help: string, pick: (b: Awaited<ReturnType<BudgetReader>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [register],
      async collect() {
        if (readBudget === undefined) return;
        try {
          this.set(pick(await readBudget()));
        } catch (error) {
          options.logger.warn({ err: error, metric: name }, 'metrics: could not read the budget');
        }
      },
    });
  budgetGauge('gvb_budget_used', 'The whole bot’s usage this quota period, in QUOTA_UNIT.', (b) => b.used);
  budgetGauge(
    'gvb_budget_limit',
    'BUDGET_PER_PERIOD, in QUOTA_UNIT; +Inf when it is not set.',
    (b) => b.limit ?? Number.POSITIVE_INFINITY,
  );
  const finished = new Counter({
    name: 'gvb_jobs_finished_total',
    help: 'Jobs settled, by final status (completed, failed, cancelled, timeout).',
    labelNames: ['platform', 'status'],
    registers: [register],
  });
  const cancelledAfterSubmit = new Counter({
    name: 'gvb_jobs_cancelled_after_submit_total',
    help: 'Jobs cancelled after the video service had them: still generated upstream, so charged to the user.',
    labelNames: ['platform'],
    registers: [register],
  });
  const upstreamErrors = new Counter({
    name: 'gvb_upstream_errors_total',
    help: 'Jobs that ended on a video-service error, by kind.',
    labelNames: ['kind'],
    registers: [register],
  });
  const inFlight = new Gauge({
    name: 'gvb_jobs_in_flight',
    help: 'Jobs this process is driving (submitted or polling) right now.',
    registers: [register],
  });
  const duration = new Histogram({
    name: 'gvb_job_duration_seconds',
    help: 'From the request to the posted video, waiting in line included.',
    labelNames: ['platform'],
    buckets: [10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900],
    registers: [register],
  });

  const observe: JobObserver = (o) => {
    switch (o.type) {
      case 'accepted':
        accepted.inc({ platform: o.platform });
        return;
      case 'refused':
        refused.inc({ platform: o.platform, reason: o.kind });
        if (o.kind === 'quota_exceeded')
          quotaRefusals.inc({ platform: o.platform, limit: o.quotaLimit ?? 'space' });
        return;
      case 'driving':
        inFlight.inc(o.delta);
        return;
      case 'cancelled':
        if (o.charged) cancelledAfterSubmit.inc({ platform: o.platform });
        return;
      case 'settled':
        finished.inc({ platform: o.platform, status: o.status });
        if (o.kind && UPSTREAM_KINDS.has(o.kind)) upstreamErrors.inc({ kind: o.kind });
        if (o.status === 'completed') duration.observe({ platform: o.platform }, o.durationMs / 1000);
        return;
    }
  };

  const server: Server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/healthz' && options.health) {
      void writeHealth(res, options.health);
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      (error: unknown) => {
        options.logger.warn({ err: error }, 'metrics could not be collected');
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  options.logger.info({ host: address, port }, 'metrics on GET /metrics');
  return {
    observe,
    watchBudget(read) {
      readBudget = read;
    },
    port,
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
