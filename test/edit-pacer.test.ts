import { describe, expect, it } from 'vitest';
import { createEditPacer } from '../src/util/edit-pacer.js';

describe('edit pacer', () => {
  it('keeps the minimum interval for a few jobs and stretches it to share the budget among many', () => {
    const pacer = createEditPacer({ perSecond: 40, minIntervalMs: 1500 });
    const leaves = Array.from({ length: 10 }, () => pacer.join());
    expect(pacer.intervalMs()).toBe(1500);
    leaves.push(...Array.from({ length: 90 }, () => pacer.join()));
    expect(pacer.intervalMs()).toBe(2500); // 100 jobs × 1 edit / 2.5 s = 40 edits/s
    for (const leave of leaves) {
      leave();
      leave(); // leaving twice counts once
    }
    expect(pacer.editors).toBe(0);
    expect(pacer.intervalMs()).toBe(1500);
  });
});
