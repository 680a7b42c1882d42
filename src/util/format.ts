/**
 * Numbers, sizes and times as people read them, in every message the bot writes (one place, so every
 * platform and the CLI say "4,310" and "25.3 MB" the same way).
 */

/** Numbers as people read them: 4310 → "4,310". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Byte sizes as people read them: 26_528_000 → "25.3 MB". Binary units, as the rest of the bot uses, so
 * a limit configured as 20 × 1024 × 1024 reads "20 MB".
 */
export function formatByteSize(bytes: number): string {
  const units = ['KB', 'MB', 'GB'] as const;
  if (bytes < 1024) return `${formatCount(bytes)} bytes`;
  let value = bytes / 1024;
  let unit: (typeof units)[number] = 'KB';
  for (const next of units.slice(1)) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  const rounded = value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${unit}`;
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** "2026-11-26 00:00 UTC" — unambiguous for users in any time zone. */
export function formatResetTime(resetsAt: number | undefined): string {
  if (resetsAt === undefined) return 'never (a lifetime allowance)';
  return `${new Date(resetsAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
