import { describe, expect, it } from 'vitest';
import { createSemaphore } from '../src/util/semaphore.js';

/** A task that stays running until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('createSemaphore', () => {
  it('runs at most `limit` tasks at once and starts the next in the order they came', async () => {
    const slots = createSemaphore(2);
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const done = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        await g.opened;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(slots.waiting()).toBe(2);
    gates[1]?.open();
    await done[1];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
    expect(slots.running()).toBe(0);
    expect(slots.waiting()).toBe(0);
  });

  it('frees the slot when a task throws, and passes the error on', async () => {
    const slots = createSemaphore(1);
    await expect(slots.run(() => Promise.reject(new Error('broken image')))).rejects.toThrow('broken image');
    expect(await slots.run(() => Promise.resolve('next'))).toBe('next');
    expect(slots.running()).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => createSemaphore(0)).toThrow(/positive integer/);
    expect(() => createSemaphore(1.5)).toThrow(/positive integer/);
  });
});
