import { describe, expect, it } from 'vitest';
import { createCoalescingThrottle } from '../src/util/coalescing-throttle.js';

describe('coalescing throttle', () => {
  it('sends the first value at once, then only the latest per interval', async () => {
    const sent: Array<{ value: number; at: number }> = [];
    const start = Date.now();
    const throttle = createCoalescingThrottle<number>(100, async (value) => {
      sent.push({ value, at: Date.now() - start });
    });
    for (let i = 1; i <= 10; i++) {
      throttle.push(i);
      await new Promise((r) => setTimeout(r, 25));
    }
    await new Promise((r) => setTimeout(r, 150));
    await throttle.close();
    expect(sent[0]?.value).toBe(1);
    expect(sent.at(-1)?.value).toBe(10);
    expect(sent.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < sent.length; i++)
      expect((sent[i]?.at ?? 0) - (sent[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it('never overlaps sends and drops what is pending on close', async () => {
    let active = 0;
    let maxActive = 0;
    const sent: number[] = [];
    const throttle = createCoalescingThrottle<number>(10, async (value) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 50));
      sent.push(value);
      active--;
    });
    throttle.push(1);
    throttle.push(2);
    await new Promise((r) => setTimeout(r, 5));
    throttle.push(3);
    await throttle.close();
    throttle.push(4);
    await new Promise((r) => setTimeout(r, 80));
    expect(maxActive).toBe(1);
    expect(sent).toEqual([2]);
  });
});
