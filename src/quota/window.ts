import type { QuotaPeriod } from '../config.js';

/**
 * Calendar windows in UTC. A window is a label (the ledger's key) plus the moment it ends, which is what users
 * are told ("resets at ..."). ISO weeks start on Monday.
 */
export interface QuotaWindow {
  label: string;
  /** Epoch ms when this window started; 0 for a lifetime allowance. */
  startsAt: number;
  /** Epoch ms when the next window starts; undefined for a lifetime allowance. */
  resetsAt: number | undefined;
}

const DAY = 86_400_000;

export function quotaWindow(period: QuotaPeriod, now: number): QuotaWindow {
  const date = new Date(now);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  switch (period) {
    case 'none':
      return { label: 'lifetime', startsAt: 0, resetsAt: undefined };
    case 'day':
      return {
        label: isoDate(Date.UTC(y, m, d)),
        startsAt: Date.UTC(y, m, d),
        resetsAt: Date.UTC(y, m, d + 1),
      };
    case 'month':
      return { label: `${y}-${pad(m + 1)}`, startsAt: Date.UTC(y, m, 1), resetsAt: Date.UTC(y, m + 1, 1) };
    case 'week': {
      const weekday = (date.getUTCDay() + 6) % 7; // Monday = 0
      const monday = Date.UTC(y, m, d - weekday);
      const { year, week } = isoWeek(monday);
      return { label: `${year}-W${pad(week)}`, startsAt: monday, resetsAt: monday + 7 * DAY };
    }
  }
}

/** ISO 8601 week number: the week with the year's first Thursday is week 1. */
function isoWeek(mondayMs: number): { year: number; week: number } {
  const thursday = new Date(mondayMs + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const firstThursdayWeekMonday = (() => {
    const jan4 = new Date(Date.UTC(year, 0, 4));
    return Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
  })();
  return { year, week: Math.round((mondayMs - firstThursdayWeekMonday) / (7 * DAY)) + 1 };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
