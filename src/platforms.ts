import { z } from 'zod';

/** Every front end a job or a quota can belong to: the chat platforms and the operator CLI. */
export const PLATFORMS = ['discord', 'slack', 'cli'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const platformSchema = z.enum(PLATFORMS);

/** The platforms people chat with the bot on (an adapter each); the CLI is the operator's. */
export const CHAT_PLATFORMS = ['discord', 'slack'] as const satisfies readonly Platform[];
export type ChatPlatform = (typeof CHAT_PLATFORMS)[number];
export const chatPlatformSchema = z.enum(CHAT_PLATFORMS);
