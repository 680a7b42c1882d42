/**
 * At most `limit` tasks run at once; the rest wait in the order they came. A slot is handed straight from a
 * finishing task to the next waiter, so a task arriving in between cannot jump the line.
 */
export interface Semaphore {
  run<T>(task: () => Promise<T>): Promise<T>;
  running(): number;
  waiting(): number;
}

export function createSemaphore(limit: number): Semaphore {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`a semaphore limit must be a positive integer (got ${limit})`);
  }
  let active = 0;
  const queue: Array<() => void> = [];

  function acquire(): Promise<void> {
    if (active < limit) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  function release(): void {
    const next = queue.shift();
    if (next) next();
    else active--;
  }

  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    running: () => active,
    waiting: () => queue.length,
  };
}
