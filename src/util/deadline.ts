/**
 * An abort signal for one call: it aborts when `ms` pass or when `outer` aborts, and `dispose` releases it
 * as soon as the call is over. `AbortSignal.timeout` keeps its timer (and everything the signal reaches)
 * alive for the whole `ms` however fast the call was, and `AbortSignal.any` leaves an entry on the outer
 * signal for each call: with a thousand jobs polling, both pile up by the thousand.
 */
export function callDeadline(ms: number, outer?: AbortSignal) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }, ms);
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut(): boolean {
      return timedOut;
    },
    dispose(): void {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}
