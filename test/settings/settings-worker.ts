/**
 * A bot process for the two-process /settings test:
 *
 *   node --import tsx test/settings/settings-worker.ts <storeUrl> <spaceId> <label> <n>
 *
 * It opens the app on the store, prints `ready`, waits for `go <epoch ms>` on stdin and, at that instant, adds
 * <n> ban words (`<label>w<i>`) to the space all at once, then prints one JSON line { "added": n, "failed": [] }.
 */
import { openApp } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { readyThenWaitForGo } from '../helpers/worker.js';

const [storeUrl, spaceId, label, countText] = process.argv.slice(2);
if (storeUrl === undefined || spaceId === undefined || label === undefined || countText === undefined) {
  console.error('usage: settings-worker.ts <storeUrl> <spaceId> <label> <n>');
  process.exit(2);
}

const app = await openApp(parseConfig({ STORE_URL: storeUrl }), silentLogger(), { needsGeneration: false });
await readyThenWaitForGo();

const admin = { platform: 'discord' as const, spaceId, userId: `admin-${label}`, isSpaceAdmin: true };
const outcomes = await Promise.allSettled(
  Array.from({ length: Number(countText) }, (_, i) => app.settings.addBan(admin, `${label}w${i}`)),
);
const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
await app.close();
process.stdout.write(`${JSON.stringify({ added: outcomes.length - failed.length, failed })}\n`);
