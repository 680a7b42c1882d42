import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * One GET to the video API at start, so a wrong VIDEO_API_BASE_URL or key shows in the first log lines rather
 * than on the first user's job. It asks for a job id that cannot exist: the API has no free status endpoint
 * (see the API contract), and any HTTP answer to that proves the host is there, while 401/403 says the key
 * is not. Never a reason to refuse to start: the provider may be down for a minute, and jobs retry anyway.
 */

const PROBE_PATH = '/videos/gvb-start-check';
const TIMEOUT_MS = 5000;

export type ProbeOutcome = 'reachable' | 'key_refused' | 'unreachable';

export async function probeVideoApi(options: {
  baseUrl: string;
  apiKey: string;
  logger: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Promise<ProbeOutcome> {
  const { baseUrl, logger } = options;
  const fetchImpl = options.fetch ?? fetch;
  let status: number;
  try {
    const response = await fetchImpl(`${baseUrl}${PROBE_PATH}`, {
      headers: { Authorization: `Bearer ${options.apiKey}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
    });
    status = response.status;
    await response.body?.cancel().catch(() => undefined);
  } catch (error) {
    logger.warn(
      { url: baseUrl, reason: errorMessage(error) },
      'video API not reachable; starting anyway (is VIDEO_API_BASE_URL right?)',
    );
    return 'unreachable';
  }
  if (status === 401 || status === 403) {
    logger.warn(
      { url: baseUrl, status },
      'video API refused VIDEO_API_KEY; starting anyway, but jobs will fail',
    );
    return 'key_refused';
  }
  logger.info({ url: baseUrl, status }, 'video API reachable');
  return 'reachable';
}
