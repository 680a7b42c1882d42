import { test } from 'vitest';
import { startDiscordWorld, type DiscordWorld, type DiscordWorldOptions } from './discord.js';
import { startSlackWorld, type SlackWorld, type SlackWorldOptions } from './slack.js';

/**
 * The seeded worlds as vitest fixtures: `world` starts with the file's first test and closes after its last
 * (starting emulators, app and bot per test would be too slow, and the tests of a file build on each other's
 * state as users would); after every test the video API forgets its requests, jobs and faults.
 */

interface World {
  reset(): void;
  close(): Promise<void>;
}

function worldTest<W extends World>(start: () => Promise<W>) {
  return test.extend<{ world: W; forgetVideoRequests: void }>({
    world: [
      // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this pattern
      async ({}, use) => {
        const world = await start();
        try {
          await use(world);
        } finally {
          await world.close();
        }
      },
      { scope: 'file' },
    ],
    forgetVideoRequests: [
      async ({ world }, use) => {
        await use();
        world.reset();
      },
      { auto: true },
    ],
  });
}

export const discordWorldTest = (options: DiscordWorldOptions = {}) =>
  worldTest<DiscordWorld>(() => startDiscordWorld(options));

export const slackWorldTest = (options: SlackWorldOptions = {}) =>
  worldTest<SlackWorld>(() => startSlackWorld(options));
