/**
 * A second (or third) process for the ledger's cross-process tests:
 *
 *   node --import tsx test/quota/ledger-worker.ts <storeUrl> <n> [--prefix P] [--scope S] [--window W]
 *                                                 [--limit L] [--charge S,L ...] [--cost N] [--refund id,id,...]
 *
 * It opens the ledger, prints `ready`, waits for `go <epoch ms>` on stdin and for that instant (so every
 * process starts together),
 * then either fires <n> concurrent reserves of cost 1 on the scope (or, with one `--charge scope,limit` per
 * counter, on all those counters at once), or refunds the listed ids all at once,
 * and prints one JSON line: { "ok": [ids reserved] } or { "refunded": [ids this process refunded] }.
 */
import { parseArgs } from 'node:util';
import { createQuotaLedger } from '../../src/quota/ledger.js';
import { readyThenWaitForGo } from '../helpers/worker.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    prefix: { type: 'string' },
    scope: { type: 'string', default: 'worker-scope' },
    window: { type: 'string', default: 'day' },
    limit: { type: 'string', default: '5' },
    refund: { type: 'string' },
    charge: { type: 'string', multiple: true },
    cost: { type: 'string', default: '1' },
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

await readyThenWaitForGo();

let result: Record<string, string[]>;
if (values.refund !== undefined) {
  const ids = values.refund.split(',').filter(Boolean);
  const outcomes = await Promise.all(ids.map((id) => ledger.refund(id)));
  result = { refunded: ids.filter((_, i) => outcomes[i]) };
} else {
  const tag = `${process.pid}-${Date.now()}`;
  const ids = Array.from({ length: Number(countText) }, (_, i) => `w-${tag}-${i}`);
  const expiresAt = Date.now() + 3_600_000;
  const charges = (values.charge ?? [`${values.scope},${values.limit}`]).map((text) => {
    const comma = text.lastIndexOf(',');
    return { scope: text.slice(0, comma), window: values.window, limit: Number(text.slice(comma + 1)) };
  });
  const outcomes = await Promise.all(
    ids.map((reservationId) =>
      ledger.reserve({
        reservationId,
        charges,
        cost: Number(values.cost),
        expiresAt,
      }),
    ),
  );
  result = { ok: ids.filter((_, i) => outcomes[i]?.ok === true) };
}

await ledger.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
