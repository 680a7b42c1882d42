import type { Invocation, Reply } from '../../src/port.js';

/** Our own Reply port, recording what the user would be shown (not a mock of any platform library). */
export function recordingReply() {
  const said: Array<{ text: string; ephemeral: boolean; failure: boolean }> = [];
  const reply: Reply = {
    async text(message, options) {
      said.push({ text: message, ephemeral: options?.ephemeral ?? false, failure: false });
    },
    async fail(error) {
      said.push({ text: error.userMessage, ephemeral: true, failure: true });
    },
  };
  return { reply, said, last: () => said.at(-1) };
}

export function invocation(partial: Partial<Invocation> & Pick<Invocation, 'command'>): Invocation {
  return {
    platform: 'discord',
    spaceId: 'guild1',
    channelId: 'chan1',
    userId: 'alice',
    isSpaceAdmin: false,
    options: {},
    images: [],
    ...partial,
  };
}
