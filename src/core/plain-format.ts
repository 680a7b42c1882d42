import type { Formatter } from '../port.js';

/** Plain text, for the operator CLI and tests: no markup, ids as they are, ISO times. */
export const plainFormat: Formatter = {
  words: { space: 'space', spaces: 'servers and workspaces', admins: 'admins' },
  jobLink: () => undefined,
  time: (ms) => new Date(ms).toISOString(),
  user: (id) => id,
  actor: ({ userId, userName }) => userName ?? userId,
  channel: ({ id, name }) => (name ? `#${name}` : id),
  escape: (text) => text,
  usage: (command) => `${command.name}: ${command.description}`,
  notEnabled: () => 'This bot isn’t enabled here.',
};
