import type { discord as en } from '../en/discord.js';

export const discord: Record<keyof typeof en, string> = {};
