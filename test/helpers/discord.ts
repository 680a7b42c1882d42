import { createDiscordAdapter, type DiscordAdapter } from '../../adapters/discord/index.js';
import type { DiscordReplyDeps } from '../../adapters/discord/reply.js';
import type { App } from '../../src/app.js';
import type { Logger } from '../../src/log.js';
import type { DiscordEmulator } from '../emulators/discord/server.js';
import { startWithBot, type Started } from './bot.js';
import { capturedLogger } from './core.js';

/** The Discord adapter on real discord.js, pointed at the Discord emulator, with test-speed edits. */
export function startDiscordBot(
  discord: DiscordEmulator,
  app: App,
  options: {
    messageContent?: boolean;
    logger?: Logger;
    reply?: Pick<DiscordReplyDeps, 'editIntervalMs' | 'tokenLifetimeMs'>;
  } = {},
): Promise<Started<DiscordAdapter>> {
  const logger = options.logger ?? capturedLogger().logger;
  const adapter = createDiscordAdapter({
    config: {
      token: 'emulated-token',
      appId: undefined,
      apiBaseUrl: discord.apiBase,
      guildId: undefined,
      messageContent: options.messageContent ?? false,
    },
    logger,
    reply: { editIntervalMs: 300, ...options.reply },
  });
  return startWithBot(app, adapter, logger);
}
