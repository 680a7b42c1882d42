import { REGISTRY } from '../../commands/index.js';
import type { App } from '../../src/app.js';
import { createBot, type Bot } from '../../src/core/bot.js';
import { plainFormat } from '../../src/core/plain-format.js';
import type { Logger } from '../../src/log.js';
import type { Adapter, GenerationReply, JobRecord } from '../../src/port.js';

/** An adapter started with a bot of its own on `app`, as the composition root would, for one test. */
export type Started<A extends Adapter> = A & {
  bot: Bot;
  /** Stops taking commands (newcomers hear "restarting"), waits up to `graceMs`, disconnects. */
  stop(graceMs?: number): Promise<void>;
  replyFor(record: JobRecord): GenerationReply | undefined;
};

export async function startWithBot<A extends Adapter>(
  app: App,
  adapter: A,
  logger: Logger,
): Promise<Started<A>> {
  const bot = createBot({ app, registry: REGISTRY, logger });
  bot.add(adapter);
  await bot.start();
  // A copy, not the adapter itself: the bot still calls the adapter's own stop and replyFor. Copied after
  // start, so values the adapter learns there (Slack's port) are in it.
  return {
    ...adapter,
    bot,
    stop: (graceMs?: number) => bot.stop(graceMs),
    replyFor: (record: JobRecord) => bot.replyFor(record),
  };
}

/** An adapter with no platform behind it, for tests that drive `bot.core.handle` with replies of their own. */
export function silentAdapter(platform: Adapter['platform'] = 'discord'): Adapter {
  return {
    platform,
    format: plainFormat,
    start: () => Promise.resolve(),
    connected: () => true,
    stop: () => Promise.resolve(),
    replyFor: () => undefined,
  };
}
