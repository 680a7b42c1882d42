/**
 * The stored form of a value, kept exactly as keyv (with @keyv/serialize) wrote it, so a SQLite file or Redis
 * keyspace from before the state interface reads the same: `{"value":…,"expires":<epoch ms>}` (no `expires`
 * without a TTL), every string that starts with `:` written with one more `:` in front (keyv's escape, which
 * keeps `:base64:` free for buffers; we store JSON only, so never a buffer).
 */
export interface StoredValue {
  value: unknown;
  expiresAt: number | undefined;
}

export function encodeStored(value: unknown, expiresAt: number | undefined): string {
  const envelope = expiresAt === undefined ? { value } : { value, expires: expiresAt };
  return JSON.stringify(envelope, (_key, item: unknown) =>
    typeof item === 'string' && item.startsWith(':') ? `:${item}` : item,
  );
}

/** Undefined for text that is not a keyv envelope: the key then reads as absent. */
export function decodeStored(raw: string): StoredValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw, (_key, item: unknown) =>
      typeof item === 'string' && item.startsWith(':') ? item.slice(1) : item,
    );
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) return undefined;
  const expires = (parsed as { expires?: unknown }).expires;
  return { value: parsed.value, expiresAt: typeof expires === 'number' ? expires : undefined };
}

export function isLive(stored: StoredValue, now: number): boolean {
  return stored.expiresAt === undefined || stored.expiresAt > now;
}

export function expiresAtFor(ttlMs: number | undefined, now: number): number | undefined {
  return ttlMs === undefined ? undefined : now + ttlMs;
}
