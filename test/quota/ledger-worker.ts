/**
 * A second (or third) process for the ledger's cross-process tests:
 *
 *   node --import tsx test/quota/ledger-worker.ts <storeUrl> <n> [--prefix P] [--scope S] [--window W]
 *                                                 [--limit L] [--refund id,id,...]
 *
 * It opens the ledger, prints `ready`, waits for `go <epoch ms>` on stdin and for that instant (so every
 * process starts together),
 * then either fires <n> concurrent reserves of cost 1 on the scope, or refunds the listed ids all at once,
 * and prints one JSON line: { "ok": [ids reserved] } or { "refunded": [ids this process refunded] }.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createQuotaLedger } from '../../src/quota/ledger.js';

/** Sleeps until `at` (epoch ms), spinning through the last few ms so several processes start within ~0.1 ms. */
async function waitUntil(at: number): Promise<void> {
  const coarse = at - Date.now() - 15;
  if (coarse > 0) await new Promise((resolve) => setTimeout(resolve, coarse));
  while (performance.timeOrigin + performance.now() < at) {
    // spin
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    prefix: { type: 'string' },
    scope: { type: 'string', default: 'worker-scope' },
    window: { type: 'string', default: 'day' },
    limit: { type: 'string', default: '5' },
    refund: { type: 'string' },
  },
});

const [storeUrl, countText] = positionals;
if (storeUrl === undefined || countText === undefined) {
  console.error('usage: ledger-worker.ts <storeUrl> <n> [--prefix P] [--scope S] [--limit L] [--refund ids]');
  process.exit(2);
}

const ledger = await createQuotaLedger(
  storeUrl,
  values.prefix === undefined ? {} : { redisPrefix: values.prefix },
);

process.stdout.write('ready\n');
const startAt = await new Promise<number>((resolve) => {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', (line) => {
    lines.close();
    process.stdin.destroy();
    resolve(Number(line.split(' ')[1] ?? 0));
  });
});
// `go <epoch ms>`: every process starts at the same instant, not when its stdin happens to be read.
await waitUntil(startAt);

let result: Record<string, string[]>;
if (values.refund !== undefined) {
  const ids = values.refund.split(',').filter(Boolean);
  const outcomes = await Promise.all(ids.map((id) => ledger.refund(id)));
  result = { refunded: ids.filter((_, i) => outcomes[i]) };
} else {
  const tag = `${process.pid}-${Date.now()}`;
  const ids = Array.from({ length: Number(countText) }, (_, i) => `w-${tag}-${i}`);
  const expiresAt = Date.now() + 3_600_000;
  const outcomes = await Promise.all(
    ids.map((reservationId) =>
      ledger.reserve({
        reservationId,
        scope: values.scope,
        window: values.window,
        cost: 1,
        limit: Number(values.limit),
        expiresAt,
      }),
    ),
  );
  result = { ok: ids.filter((_, i) => outcomes[i]?.ok === true) };
}

await ledger.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
