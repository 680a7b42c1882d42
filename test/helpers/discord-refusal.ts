import { expect } from 'vitest';
import type { DiscordEmulator, InteractionHandle } from '../emulators/discord/server.js';

/**
 * The private answer of a refused Discord command: its one ephemeral callback (refused before the
 * acknowledgement), or its ephemeral follow-up (refused after a deferral). Either must be ephemeral.
 */
export async function refusalOf(discord: DiscordEmulator, handle: InteractionHandle): Promise<string> {
  await discord.waitFor(
    () => handle.followups().length > 0 || handle.callbacks.some((c) => c.type === 4),
    5000,
  );
  const followup = handle.followups()[0];
  if (followup) {
    expect(followup.ephemeral).toBe(true);
    return followup.content;
  }
  const callback = handle.callbacks.find((c) => c.type === 4);
  expect(callback?.ephemeral).toBe(true);
  return (callback?.body as { data?: { content?: string } }).data?.content ?? '';
}
