/**
 * What stops one running job, with one AbortController a job and no listener on a shared signal (each job in
 * flight holds what it allocates for minutes): `stop` (shutdown, a caller's signal) aborts the call in
 * progress at once and leaves the job to its runner; `cancel` (the user) settles it as cancelled, but never
 * interrupts the POST: an aborted POST may still have created the job upstream, and a job cancelled then
 * would be refunded while the provider generates it. A cancel during the POST takes effect at its answer,
 * the upstream id recorded, so the job counts.
 */
export class JobControl {
  readonly #upstream = new AbortController();
  #cancelled = false;
  #cancelReason: unknown;
  #posting = false;

  /** Passed to every call the job makes upstream. */
  get signal(): AbortSignal {
    return this.#upstream.signal;
  }

  /** Whether `cancel` was called; the job then settles with `cancelReason`, whatever the interrupted call threw. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  get cancelReason(): unknown {
    return this.#cancelReason;
  }

  stop(reason: unknown): void {
    this.#upstream.abort(reason);
  }

  cancel(reason: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#cancelReason = reason;
    if (!this.#posting) this.#upstream.abort(reason);
  }

  /** Marks the POST out (cancel waits for its answer) or answered. */
  posting(out: boolean): void {
    this.#posting = out;
  }
}

/**
 * A runner's jobs in progress, by id, and its shutdown: `stopAll` stops every job open now, and a job opened
 * afterwards starts stopped. Both runners keep their jobs this way.
 */
export function createJobControls() {
  const controls = new Map<string, JobControl>();
  let stopped: { reason: string } | undefined;
  return {
    open(id: string): JobControl {
      const control = new JobControl();
      if (stopped) control.stop(stopped.reason);
      controls.set(id, control);
      return control;
    },
    close(id: string): void {
      controls.delete(id);
    },
    get: (id: string): JobControl | undefined => controls.get(id),
    ids: (): IterableIterator<string> => controls.keys(),
    /** True once `stopAll` was called: jobs are left unsettled for another attempt. */
    stopping: (): boolean => stopped !== undefined,
    /** Stops every job, returning the reason they were given. */
    stopAll(): string {
      stopped ??= { reason: 'shutting down' };
      for (const control of controls.values()) control.stop(stopped.reason);
      return stopped.reason;
    },
  };
}
