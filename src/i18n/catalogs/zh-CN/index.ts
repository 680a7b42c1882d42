import type { MessageKey } from '../en/index.js';
import { commands } from './commands.js';
import { core } from './core.js';
import { discord } from './discord.js';
import { progress } from './progress.js';
import { slack } from './slack.js';

/** Simplified Chinese, written for readers in mainland China (not word for word from the English). */
export const zhCN: Record<MessageKey, string> = { ...core, ...progress, ...commands, ...discord, ...slack };
