/**
 * Another process on the same state store, for the cross-process contract tests:
 *
 *   node --import tsx test/store/state-worker.ts <storeUrl> <namespace> <n>
 *
 * It opens the store, prints `ready`, waits for `go <epoch ms>` on stdin and, at that instant, races for <n>
 * set-if-absent keys (`<namespace>:race:<i>`) and <n> locks (`<namespace>:lock:<i>`) all at once, then prints
 * one JSON line { "values": [i won], "locks": [i won] }.
 */
import { silentLogger } from '../../src/log.js';
import { openState } from '../../src/store/open-state.js';
import { readyThenWaitForGo } from '../helpers/worker.js';

const [storeUrl, namespace, countText] = process.argv.slice(2);
if (storeUrl === undefined || namespace === undefined || countText === undefined) {
  console.error('usage: state-worker.ts <storeUrl> <namespace> <n>');
  process.exit(2);
}

const opened = await openState(storeUrl, silentLogger());
await readyThenWaitForGo();

const indexes = Array.from({ length: Number(countText) }, (_, i) => i);
const [values, locks] = await Promise.all([
  Promise.all(indexes.map((i) => opened.state.setIfAbsent(`${namespace}:race:${i}`, process.pid, 60_000))),
  Promise.all(indexes.map((i) => opened.state.acquireLock(`${namespace}:lock:${i}`, 60_000))),
]);
await opened.close();
process.stdout.write(
  `${JSON.stringify({ values: indexes.filter((i) => values[i]), locks: indexes.filter((i) => locks[i] !== null) })}\n`,
);
