import { describe, expect, it } from 'vitest';
import { createAckGate } from '../src/core/ack-gate.js';

/** Work after an acknowledgement waits for the other invocations' acknowledgements, but not for ever. */

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Whether `promise` has settled by the time the event loop has turned `turns` times. */
async function settledWithin(promise: Promise<unknown>, turns = 2): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < turns; i++) await turn();
  return settled;
}

describe('the after-the-acks gate', () => {
  it('lets work through at once when no invocation is on its way to its acknowledgement', async () => {
    const gate = createAckGate();
    expect(await settledWithin(gate.afterAcks())).toBe(true);
  });

  it('holds work while an invocation is on its way, and lets it all through once none is', async () => {
    const gate = createAckGate({ maxWaitMs: 60_000 });
    const first = gate.arrive();
    const second = gate.arrive();
    const held = [gate.afterAcks(), gate.afterAcks()];
    first();
    expect(await settledWithin(Promise.race(held))).toBe(false);
    second();
    expect(await settledWithin(Promise.all(held))).toBe(true);
    expect(gate.pending).toBe(0);
  });

  it('counts an invocation that arrives in the same turn as the last acknowledgement', async () => {
    const gate = createAckGate({ maxWaitMs: 60_000 });
    const first = gate.arrive();
    const held = gate.afterAcks();
    first();
    const next = gate.arrive();
    expect(await settledWithin(held)).toBe(false);
    next();
    expect(await settledWithin(held)).toBe(true);
  });

  it('lets work through after maxWaitMs even while invocations keep coming', async () => {
    const gate = createAckGate({ maxWaitMs: 30 });
    gate.arrive();
    const started = Date.now();
    await gate.afterAcks();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(gate.pending).toBe(1);
  });

  it('counts each invocation once, however often it says it is done', async () => {
    const gate = createAckGate({ maxWaitMs: 60_000 });
    const first = gate.arrive();
    const second = gate.arrive();
    first();
    first();
    expect(gate.pending).toBe(1);
    const held = gate.afterAcks();
    expect(await settledWithin(held)).toBe(false);
    second();
    expect(await settledWithin(held)).toBe(true);
  });

  it('lets held work through a few at a time, and stops when an invocation arrives in between', async () => {
    const gate = createAckGate({ maxWaitMs: 60_000 });
    const first = gate.arrive();
    const released: number[] = [];
    const held = Array.from({ length: 40 }, (_, i) => gate.afterAcks().then(() => released.push(i)));
    first();
    await turn();
    await turn();
    expect(released.length).toBeGreaterThan(0);
    expect(released.length).toBeLessThan(40);
    const next = gate.arrive();
    const before = released.length;
    await settledWithin(Promise.resolve(), 3);
    expect(released.length).toBe(before);
    next();
    await Promise.all(held);
    expect(released).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('lets work whose wait ran out through a few at a time too', async () => {
    const gate = createAckGate({ maxWaitMs: 20 });
    gate.arrive();
    const released: number[] = [];
    const held = Array.from({ length: 40 }, (_, i) => gate.afterAcks().then(() => released.push(i)));
    // Right after the first release, in the same turn of the loop.
    await held[0];
    expect(released.length).toBeGreaterThan(0);
    expect(released.length).toBeLessThan(40);
    await Promise.all(held);
    expect(released).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
