import { describe, expect, it } from 'vitest';
import { callDeadline } from '../src/util/deadline.js';

describe('callDeadline', () => {
  it('aborts when the time is up and says so', async () => {
    const deadline = callDeadline(20);
    await new Promise((r) => setTimeout(r, 40));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the outer signal’s reason, not as a timeout', () => {
    const outer = new AbortController();
    const deadline = callDeadline(10_000, outer.signal);
    outer.abort(new Error('cancelled'));
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timedOut).toBe(false);
    expect((deadline.signal.reason as Error).message).toBe('cancelled');
    deadline.dispose();
  });

  it('lets go after dispose: no timeout later, and the outer signal no longer reaches it', async () => {
    const outer = new AbortController();
    const deadline = callDeadline(20, outer.signal);
    deadline.dispose();
    await new Promise((r) => setTimeout(r, 40));
    outer.abort();
    expect(deadline.signal.aborted).toBe(false);
  });
});
