import { describe, expect, it } from 'vitest';
import { createFairQueue } from '../../src/jobs/fair-queue.js';

const job = (userKey: string, n: number) => ({ id: `${userKey}${n}`, userKey });

describe('fair queue', () => {
  it('serves users in turn, each user in order', () => {
    const queue = createFairQueue();
    for (let i = 2; i <= 6; i++) queue.push(job('a', i));
    queue.push(job('b', 1));
    queue.push(job('c', 1));
    queue.push(job('b', 2));
    const started: string[] = [];
    for (let e = queue.shift(); e; e = queue.shift()) started.push(e.id);
    expect(started).toEqual(['a2', 'b1', 'c1', 'a3', 'b2', 'a4', 'a5', 'a6']);
  });

  it('reports each job’s position exactly as shift will serve it', () => {
    const queue = createFairQueue();
    for (let i = 1; i <= 4; i++) queue.push(job('a', i));
    queue.shift();
    queue.push(job('b', 1));
    queue.push(job('b', 2));
    const positions = queue.positions();
    const order = queue.ordered().map((e) => e.id);
    expect(order).toEqual(
      ['b1', 'a2', 'b2', 'a3', 'a4'].sort((x, y) => positions.get(x)! - positions.get(y)!),
    );
    const served: string[] = [];
    for (let e = queue.shift(); e; e = queue.shift()) served.push(e.id);
    expect(served).toEqual(order);
  });

  it('removes a job from anywhere and keeps the turn order', () => {
    const queue = createFairQueue();
    queue.push(job('a', 1));
    queue.push(job('b', 1));
    queue.push(job('c', 1));
    expect(queue.remove('b1')?.id).toBe('b1');
    expect(queue.remove('zz')).toBeUndefined();
    expect(queue.size).toBe(2);
    expect([queue.shift()?.id, queue.shift()?.id, queue.shift()]).toEqual(['a1', 'c1', undefined]);
  });

  it('serves the user served least recently first: a newcomer goes before the next of a user who just started one', () => {
    const queue = createFairQueue();
    // a1 took the free slot at once, without waiting in line.
    queue.served('a');
    for (let i = 2; i <= 5; i++) queue.push(job('a', i));
    queue.push(job('b', 1));
    expect(queue.ordered().map((e) => e.id)).toEqual(['b1', 'a2', 'a3', 'a4', 'a5']);
    const started: string[] = [];
    for (let e = queue.shift(); e; e = queue.shift()) started.push(e.id);
    expect(started).toEqual(['b1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('picks nobody as next before a slot frees: who joins meanwhile is weighed when it does', () => {
    const queue = createFairQueue();
    queue.push(job('a', 1));
    queue.push(job('b', 1));
    expect(queue.shift()?.id).toBe('a1');
    queue.push(job('a', 2));
    queue.push(job('c', 1));
    // b and c were never served (b came first); a was served last.
    expect(queue.positions()).toEqual(
      new Map([
        ['b1', 0],
        ['c1', 1],
        ['a2', 2],
      ]),
    );
    expect([queue.shift()?.id, queue.shift()?.id, queue.shift()?.id]).toEqual(['b1', 'c1', 'a2']);
  });

  it('counts a forgotten user (nothing left in progress) as never served', () => {
    const queue = createFairQueue();
    queue.served('a');
    queue.served('b');
    queue.forget('b');
    queue.push(job('a', 2));
    queue.push(job('b', 2));
    expect([queue.shift()?.id, queue.shift()?.id]).toEqual(['b2', 'a2']);
  });

  it('counts per user', () => {
    const queue = createFairQueue();
    queue.push(job('a', 1));
    queue.push(job('a', 2));
    expect(queue.countFor('a')).toBe(2);
    expect(queue.countFor('b')).toBe(0);
  });
});
