/**
 * Shares a platform's edit budget among the jobs editing at the same time. Each job's own throttle keeps
 * one edit per `minIntervalMs`; with many jobs the interval stretches so that all of them together stay
 * under `perSecond` — discord.js holds every REST call to 50 a second, Slack's chat.update allows about 50 a
 * minute per workspace — and a job's final upload never waits behind a queue of progress edits.
 */
export function createEditPacer(options: { perSecond: number; minIntervalMs: number }) {
  let editors = 0;
  return {
    /** Call when a job starts showing progress; the returned function ends its share. */
    join(): () => void {
      editors++;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        editors--;
      };
    },
    /** The interval each job keeps between its edits right now. */
    intervalMs(): number {
      return Math.max(options.minIntervalMs, Math.ceil((editors * 1000) / options.perSecond));
    },
    get editors(): number {
      return editors;
    },
  };
}
export type EditPacer = ReturnType<typeof createEditPacer>;
