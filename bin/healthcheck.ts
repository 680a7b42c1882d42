import { loadConfig } from '../src/config.js';
import { healthUrl } from '../src/health.js';
import { runMain } from './run-main.js';

/**
 * The Docker image's HEALTHCHECK (`node dist/bin/healthcheck.js`; slim images have no curl): asks the running
 * bot's GET /healthz on the port this configuration serves it on, and exits 0 when it answers 200. Without
 * any HTTP port (Discord only, or Slack over Socket Mode, and no METRICS_PORT) there is nothing to ask: it
 * says so and exits 0, so such a container is not reported unhealthy for it.
 */

const TIMEOUT_MS = 4000;

async function main(): Promise<number> {
  const url = healthUrl(loadConfig());
  if (url === undefined) {
    console.warn('no /healthz to ask: set METRICS_PORT (or run Slack in HTTP mode) for a real health check');
    return 0;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = await response.text();
    console.warn(`${url}: ${response.status} ${body}`);
    return response.status === 200 ? 0 : 1;
  } catch (error) {
    console.error(`${url}: no answer (${error instanceof Error ? error.message : String(error)})`);
    return 1;
  }
}

runMain(main);
