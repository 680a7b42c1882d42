import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createAckFirst } from '../../adapters/slack/ack-first.js';

/** A response that says when it is written, like node:http's ServerResponse. */
const response = () => new EventEmitter();

/** Whether `promise` has settled after the event loop has had a few turns. */
async function settledSoon(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return done;
}

describe('Slack ack-first: work after an ack waits for the other requests’ acks', () => {
  it('goes on at once when no request waits for its answer', async () => {
    const gate = createAckFirst({ quietMs: 5, maxWaitMs: 10_000 });
    expect(await settledSoon(gate.afterAcks(), 20)).toBe(true);
  });

  it('waits while a request is unanswered, and goes on once its response is written', async () => {
    const gate = createAckFirst({ quietMs: 5, maxWaitMs: 10_000 });
    const res = response();
    gate.track(res);
    const waiting = gate.afterAcks();
    expect(await settledSoon(waiting)).toBe(false);
    res.emit('finish');
    expect(await settledSoon(waiting)).toBe(true);
  });

  it('counts a request whose connection closed unanswered as done, once', async () => {
    const gate = createAckFirst({ quietMs: 5, maxWaitMs: 10_000 });
    const [a, b] = [response(), response()];
    gate.track(a);
    gate.track(b);
    a.emit('finish');
    a.emit('close');
    const waiting = gate.afterAcks();
    expect(await settledSoon(waiting)).toBe(false);
    b.emit('close');
    expect(await settledSoon(waiting)).toBe(true);
  });

  it('lets requests that keep arriving go first, until they pause', async () => {
    const gate = createAckFirst({ quietMs: 40, maxWaitMs: 10_000 });
    const first = response();
    gate.track(first);
    first.emit('finish');
    const waiting = gate.afterAcks();
    // Still inside the quiet time after an arrival: more of the burst may be on its way.
    expect(await settledSoon(waiting, 10)).toBe(false);
    expect(await settledSoon(waiting, 80)).toBe(true);
  });

  it('never holds work longer than maxWaitMs, however busy the receiver', async () => {
    const gate = createAckFirst({ quietMs: 5, maxWaitMs: 50 });
    gate.track(response());
    const waiting = gate.afterAcks();
    expect(await settledSoon(waiting, 10)).toBe(false);
    expect(await settledSoon(waiting, 100)).toBe(true);
  });
});
