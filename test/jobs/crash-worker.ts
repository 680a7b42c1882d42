import { parseConfig } from '../../src/config.js';
import { openApp } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { FAST_POLL } from '../helpers/core.js';

/**
 * Child process for the crash test: starts N jobs on a shared store and never finishes on its own; the test
 * kills it with SIGKILL mid-poll. Prints "submitted <id>" for each job once its upstream id is recorded.
 */
const [baseUrl, apiKey, storeUrl, count] = process.argv.slice(2);
const config = parseConfig({
  VIDEO_API_BASE_URL: baseUrl,
  VIDEO_API_KEY: apiKey,
  STORE_URL: storeUrl,
  QUOTA_DEFAULT: '50',
  MAX_JOBS_PER_USER: '10',
});
const app = await openApp(config, createLogger({ level: 'silent' }), {
  generation: { runner: { pollPolicy: FAST_POLL } },
});
const n = Number(count ?? 1);
for (let i = 0; i < n; i++) {
  void app.runner?.start(
    {
      platform: 'discord',
      spaceId: 'guild1',
      channelId: 'chan1',
      userId: 'alice',
      messageRef: { n: i },
      imageRefs: [],
    },
    { prompt: `[emu:ms=2500] crash test ${i}` },
    {
      ref: { n: i },
      async text() {},
      progress(event, record) {
        if (event.type === 'progress' && record.upstreamId) process.stdout.write(`submitted ${record.id}\n`);
      },
      async deliver() {
        process.stdout.write('delivered-by-worker\n');
      },
      async fail(error) {
        process.stdout.write(`failed ${error.message}\n`);
      },
    },
  );
}
