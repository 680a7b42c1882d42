import { formatCount } from '../util/format.js';
import { ALL_SIZES, describeModel } from '../video-api/models.js';

/**
 * What a request costs in credits (QUOTA_UNIT=credits, and the operator's usage report whatever the unit):
 * one table from one setting, PRICES, a comma list of entries
 *
 *   target ":" amount [ "/s" | "/video" ]        target = (model | "*") [ "@" SIZE ]
 *
 * e.g. `grok-imagine-video:1/s,grok-video-3:3/s,grok-video-3@1080P:40/video,*:2/s`.
 * - `N/s` is N credits per second of video; `N` or `N/video` is N credits per video, whatever its length.
 * - Amounts are whole numbers from 1 to 1,000,000 (the ledger counts whole units).
 * - `@SIZE` (480P, 540P, 720P, 1080P, any case) narrows an entry to one size; `*` is any model.
 * - The most specific entry wins: model@SIZE, then model, then *@SIZE, then *.
 * - An entry is split at its last colon (model names may contain colons); each target may appear once.
 */

export interface Price {
  amount: number;
  per: 'second' | 'video';
}

export interface PriceTable {
  /** Keyed by target as written, the size upper-cased: `grok-video-3@1080P`, `*`. */
  entries: ReadonlyMap<string, Price>;
}

/** What a price depends on: the request's model, length and size. */
export interface PricedRequest {
  model: string;
  seconds: number;
  resolution: string;
}

/** Every model of models.ts priced in every size, so QUOTA_UNIT=credits works without PRICES. */
export const DEFAULT_PRICES =
  'grok-imagine-video:1/s,grok-video-1.5:2/s,grok-video-3:3/s,grok-video-3@1080P:4/s,*:1/s';

export const MAX_PRICE = 1_000_000;

const TARGET = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]*)(?:@([A-Za-z0-9]+))?$/;

export type ParsedPrices = { ok: true; table: PriceTable } | { ok: false; problems: string[] };

export function parsePrices(text: string): ParsedPrices {
  const problems: string[] = [];
  const entries = new Map<string, Price>();
  const written = new Map<string, string>();
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0)
    return { ok: false, problems: ['PRICES is empty: leave it unset for the default prices'] };
  for (const item of items) {
    const colon = item.lastIndexOf(':');
    const target = TARGET.exec(colon < 0 ? '' : item.slice(0, colon).trim());
    if (target === null) {
      problems.push(`PRICES entry "${item}" must look like model:N/s, model:N (per video) or model@SIZE:N/s`);
      continue;
    }
    const [, model = '', rawSize] = target;
    const size = rawSize?.toUpperCase();
    if (size !== undefined && !(ALL_SIZES as readonly string[]).includes(size)) {
      problems.push(`PRICES entry "${item}": the size must be one of ${ALL_SIZES.join(', ')}`);
      continue;
    }
    const [amountText = '', per, ...extra] = item
      .slice(colon + 1)
      .trim()
      .split('/');
    if (extra.length > 0 || (per !== undefined && per !== 's' && per !== 'video')) {
      problems.push(
        `PRICES entry "${item}": the price must end in /s (per second), /video or nothing (per video)`,
      );
      continue;
    }
    const n = Number(amountText);
    if (!/^\d+$/.test(amountText) || !Number.isSafeInteger(n) || n < 1 || n > MAX_PRICE) {
      problems.push(
        `PRICES entry "${item}": the price must be a whole number of credits from 1 to ${formatCount(MAX_PRICE)}`,
      );
      continue;
    }
    const key = size === undefined ? model : `${model}@${size}`;
    const earlier = written.get(key);
    if (earlier !== undefined) {
      problems.push(`PRICES prices ${key} twice ("${earlier}" and "${item}")`);
      continue;
    }
    written.set(key, item);
    entries.set(key, { amount: n, per: per === 's' ? 'second' : 'video' });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, table: { entries } };
}

/** The entry that prices a request (most specific first), or undefined when none does. */
export function priceEntry(table: PriceTable, request: Omit<PricedRequest, 'seconds'>): Price | undefined {
  const size = request.resolution.toUpperCase();
  for (const key of [`${request.model}@${size}`, request.model, `*@${size}`, '*']) {
    const price = table.entries.get(key);
    if (price !== undefined) return price;
  }
  return undefined;
}

/** A request's price in credits; undefined when no entry covers it (the config refuses such a table). */
export function priceOf(table: PriceTable, request: PricedRequest): number | undefined {
  const price = priceEntry(table, request);
  if (price === undefined) return undefined;
  return price.per === 'second' ? price.amount * Math.max(1, Math.ceil(request.seconds)) : price.amount;
}

/** "grok-video-3 (at 480P, 720P)": the offered models and sizes no entry prices; empty when all are. */
export function unpricedModels(table: PriceTable, models: readonly string[]): string[] {
  return models.flatMap((model) => {
    const sizes = describeModel(model).sizes.filter(
      (resolution) => priceEntry(table, { model, resolution }) === undefined,
    );
    if (sizes.length === 0) return [];
    return [sizes.length === describeModel(model).sizes.length ? model : `${model} (at ${sizes.join(', ')})`];
  });
}

/** One line per entry, "grok-video-3@1080P: 4 credits a second", for operators. */
export function describePrices(table: PriceTable): string {
  return [...table.entries]
    .map(([key, price]) => {
      const credits = `${formatCount(price.amount)} credit${price.amount === 1 ? '' : 's'}`;
      return `${key}: ${credits} ${price.per === 'second' ? 'a second' : 'a video'}`;
    })
    .join('\n');
}
