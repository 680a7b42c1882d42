import type { slack as en } from '../en/slack.js';

export const slack: Record<keyof typeof en, string> = {};
