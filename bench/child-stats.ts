import type { ChildProcess } from 'node:child_process';
import { z } from 'zod';

/**
 * CPU time and memory of a bench child process (the Slack bot, the bare server), asked over its IPC channel:
 * the parent cannot read another process's `process.cpuUsage()`, and /proc would tie the bench to Linux. With
 * `gc`, a child started with --expose-gc collects first, so heap figures compare live objects, not garbage
 * waiting for the next collection. CPU is read before that collection, so it never counts in a window.
 */

const statsSchema = z.object({
  type: z.literal('stats'),
  cpuMs: z.number(),
  rssMb: z.number(),
  heapUsedMb: z.number(),
});
export type ChildStats = z.infer<typeof statsSchema>;

const requestSchema = z.object({ cmd: z.literal('stats'), gc: z.boolean().optional() });

/** In the child: answers the parent's `{ cmd: 'stats' }` messages. */
export function answerStats(): void {
  if (!process.send) return;
  process.on('message', (message: unknown) => {
    const request = requestSchema.safeParse(message);
    if (!request.success) return;
    const cpu = process.cpuUsage();
    const collect: unknown = Reflect.get(globalThis, 'gc');
    if (request.data.gc && typeof collect === 'function') collect();
    const memory = process.memoryUsage();
    const mb = (bytes: number) => bytes / (1024 * 1024);
    const stats: ChildStats = {
      type: 'stats',
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssMb: mb(memory.rss),
      heapUsedMb: mb(memory.heapUsed),
    };
    process.send?.(stats);
  });
  // The IPC channel must not keep the child alive once it has decided to stop.
  process.channel?.unref();
}

/** In the parent: the child's figures now. */
export function childStats(child: ChildProcess, options: { gc?: boolean } = {}): Promise<ChildStats> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      const stats = statsSchema.safeParse(message);
      if (!stats.success) return;
      child.off('message', onMessage);
      resolve(stats.data);
    };
    child.on('message', onMessage);
    child.send({ cmd: 'stats', gc: options.gc ?? false });
  });
}
