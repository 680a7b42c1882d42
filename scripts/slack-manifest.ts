import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { slackManifestYaml } from '../adapters/slack/manifest.js';
import { COMMANDS } from '../commands/index.js';

/**
 * `npm run manifest`: rewrites adapters/slack/manifest.yml from the command registry (Socket Mode, placeholder
 * URLs). `npm run manifest -- --url https://bot.example.com/slack/events` prints an HTTP-mode copy with that
 * URL instead, leaving the committed file alone.
 */
const MANIFEST_PATH = new URL('../adapters/slack/manifest.yml', import.meta.url);

const args = z
  .union([
    z.tuple([]),
    z.tuple([z.literal('--url'), z.url({ protocol: /^https$/, error: 'Slack needs an https URL' })]),
  ])
  .safeParse(process.argv.slice(2));

if (!args.success) {
  console.error(
    `Usage: npm run manifest [-- --url https://host/slack/events]\n${z.prettifyError(args.error)}`,
  );
  process.exitCode = 2;
} else if (args.data.length === 0) {
  await writeFile(MANIFEST_PATH, slackManifestYaml(COMMANDS));
  console.log(`Wrote ${MANIFEST_PATH.pathname}`);
} else {
  process.stdout.write(slackManifestYaml(COMMANDS, { requestUrl: args.data[1], socketMode: false }));
}
