/** Per-route rate-limit buckets with Discord's headers, and route matching for faults. */
import type { BucketLimit, BucketName, RouteMatcher } from './types.js';
import { shortHash } from './util.js';

/**
 * Defaults in the spirit of Discord's real buckets: 5 messages per 5 s per channel, 5 webhook calls per 2 s
 * per interaction token. A client that honours the headers never meets a 429 from these; it waits instead.
 */
export const DEFAULT_BUCKETS: Record<BucketName, BucketLimit> = {
  channelMessages: { limit: 5, windowMs: 5000 },
  webhook: { limit: 5, windowMs: 2000 },
  interactionCallback: { limit: 5, windowMs: 1000 },
  commands: { limit: 10, windowMs: 20_000 },
  other: { limit: 50, windowMs: 1000 },
};

interface BucketState {
  remaining: number;
  resetAt: number;
}

export type TakeResult =
  | { limited: false; headers: Record<string, string> }
  | { limited: true; headers: Record<string, string>; retryAfterMs: number };

export class RateLimiter {
  private readonly states = new Map<string, BucketState>();

  constructor(
    private readonly limits: Record<BucketName, BucketLimit> | false,
    private readonly now: () => number,
  ) {}

  static hash(bucket: BucketName): string {
    return shortHash(`bucket:${bucket}`);
  }

  /** Headers a 429 from a fault carries: the bucket as exhausted until `retryAfterMs` from now. */
  faultHeaders(bucket: BucketName, retryAfterMs: number): Record<string, string> {
    const limit = this.limits === false ? 1 : this.limits[bucket].limit;
    const now = this.now();
    return {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': ((now + retryAfterMs) / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (retryAfterMs / 1000).toFixed(3),
      'X-RateLimit-Bucket': RateLimiter.hash(bucket),
    };
  }

  /** Counts one request against `bucket` for `major` (channel id, webhook id/token, ...). */
  take(bucket: BucketName, major: string): TakeResult {
    if (this.limits === false) return { limited: false, headers: {} };
    const { limit, windowMs } = this.limits[bucket];
    const now = this.now();
    const key = `${bucket}:${major}`;
    let state = this.states.get(key);
    if (state === undefined || now >= state.resetAt) {
      state = { remaining: limit, resetAt: now + windowMs };
      this.states.set(key, state);
    }
    const resetAfterMs = Math.max(0, state.resetAt - now);
    const headers = (remaining: number): Record<string, string> => ({
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(remaining),
      'X-RateLimit-Reset': (state.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
      'X-RateLimit-Bucket': RateLimiter.hash(bucket),
    });
    if (state.remaining <= 0) return { limited: true, headers: headers(0), retryAfterMs: resetAfterMs };
    state.remaining -= 1;
    return { limited: false, headers: headers(state.remaining) };
  }

  clear(): void {
    this.states.clear();
  }
}

/** See `RouteMatcher`. `template` is `METHOD /path/:param`, `concrete` is `METHOD /decoded/path`. */
export function routeMatches(matcher: RouteMatcher, template: string, concrete: string): boolean {
  if (typeof matcher === 'string') {
    const bare = template.slice(template.indexOf(' ') + 1);
    return matcher === template || matcher === bare;
  }
  matcher.lastIndex = 0;
  if (matcher.test(template)) return true;
  matcher.lastIndex = 0;
  return matcher.test(concrete);
}
