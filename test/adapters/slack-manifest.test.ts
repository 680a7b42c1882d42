import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COMMANDS, SLASH_COMMANDS } from '../../commands/index.js';
import {
  PLACEHOLDER_REQUEST_URL,
  slackManifest,
  slackManifestYaml,
  yamlScalar,
} from '../../adapters/slack/manifest.js';
import { ANIMATE_SHORTCUT } from '../../adapters/slack/render.js';
import type { CommandDefinition, OptionSpec } from '../../src/port.js';

const committed = () => readFile(new URL('../../adapters/slack/manifest.yml', import.meta.url), 'utf8');

/** Reads back the scalar forms the writer emits: plain, single-quoted and double-quoted. */
function readScalar(text: string): string {
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text.startsWith('"')) return String(JSON.parse(text));
  expect(text, 'a plain scalar YAML would cut or retype').not.toMatch(/ #|: |^[\d[{'"&*!|>%@`-]/);
  return text;
}

/** Each slash command's fields as the committed YAML states them, by command. */
function slashCommandsIn(yaml: string): Map<string, Record<string, string>> {
  const commands = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of yaml.split('\n')) {
    const start = /^ {4}- command: (.+)$/.exec(line);
    if (start) {
      current = {};
      commands.set(readScalar(start[1] ?? ''), current);
      continue;
    }
    const field = /^ {6}(\w+): (.+)$/.exec(line);
    if (current && field) current[field[1] ?? ''] = readScalar(field[2] ?? '');
    else current = undefined;
  }
  return commands;
}

function command(
  overrides: Partial<CommandDefinition> & { options?: readonly OptionSpec[] },
): CommandDefinition {
  return {
    name: 'probe',
    description: 'A probe',
    surface: 'slash',
    visibility: 'private',
    handle: async () => {},
    ...overrides,
  };
}

describe('Slack manifest from the command registry', () => {
  it('is what the committed adapters/slack/manifest.yml says (run `npm run manifest` after editing commands)', async () => {
    expect(await committed()).toBe(slackManifestYaml(COMMANDS));
  });

  it('lists every slash command of the registry with its usage hint, and no button action', async () => {
    const listed = slashCommandsIn(await committed());
    expect([...listed.keys()]).toEqual(SLASH_COMMANDS.map((c) => `/${c.name}`));
    for (const definition of SLASH_COMMANDS) {
      const entry = listed.get(`/${definition.name}`);
      expect(entry?.usage_hint, `/${definition.name}`).toBe(definition.usageHint);
      expect(entry?.description).toBe(definition.description);
      expect(entry?.url).toBe(PLACEHOLDER_REQUEST_URL);
    }
  });

  it('escapes mentions for every command but the prompt, so Slack sends <@U…> and <#C…> where they are read', () => {
    const escape = Object.fromEntries(
      (slackManifest(COMMANDS).features?.slash_commands ?? []).map((c) => [c.command, c.should_escape]),
    );
    expect(escape).toEqual({
      '/imagine': false,
      '/quota': true,
      '/settings': true,
      '/jobs': true,
      '/usage': true,
    });
    const prompt: OptionSpec = { name: 'prompt', type: 'string', description: 'p', freeText: true };
    const user: OptionSpec = { name: 'user', type: 'user', description: 'u' };
    const shouldEscape = (c: CommandDefinition) =>
      slackManifest([c]).features?.slash_commands?.[0]?.should_escape;
    expect(shouldEscape(command({ options: [prompt] }))).toBe(false);
    expect(shouldEscape(command({ options: [prompt, user] }))).toBe(true);
    expect(shouldEscape(command({ subcommands: [{ name: 'set', description: 's', options: [user] }] }))).toBe(
      true,
    );
  });

  it('keeps the Animate shortcut, scopes and settings, with their comments', async () => {
    const manifest = slackManifest(COMMANDS);
    expect(manifest.features?.shortcuts).toEqual([
      expect.objectContaining({ name: 'Animate', type: 'message', callback_id: ANIMATE_SHORTCUT }),
    ]);
    expect(manifest.oauth_config?.scopes?.bot).toEqual([
      'commands',
      'chat:write',
      'channels:join',
      'im:write',
      'files:write',
      'files:read',
      'users:read',
      'channels:read',
      'groups:read',
      'app_mentions:read',
      'channels:history',
      'groups:history',
    ]);
    expect(manifest.settings).toMatchObject({
      event_subscriptions: { request_url: PLACEHOLDER_REQUEST_URL, bot_events: ['app_mention'] },
      interactivity: { is_enabled: true, request_url: PLACEHOLDER_REQUEST_URL },
      socket_mode_enabled: true,
    });
    const yaml = await committed();
    expect(yaml).toContain(`callback_id: ${ANIMATE_SHORTCUT} # adapters/slack/render.ts ANIMATE_SHORTCUT`);
    expect(yaml).toContain('      - files:write # upload the MP4\n');
  });

  it('puts an HTTP-mode URL everywhere Slack posts and turns Socket Mode off', () => {
    const url = 'https://bot.example.com/slack/events';
    const yaml = slackManifestYaml(COMMANDS, { requestUrl: url, socketMode: false });
    expect(yaml).not.toContain('YOUR-HOST');
    expect(yaml.split(`url: ${url}`).length - 1).toBe(SLASH_COMMANDS.length + 2);
    expect(yaml).toContain('socket_mode_enabled: false');
  });

  it("clips a description to Slack's 2,000 characters and a usage hint to 1,000", () => {
    const [entry] =
      slackManifest([command({ description: 'd'.repeat(2500), usageHint: 'u'.repeat(1500) })]).features
        ?.slash_commands ?? [];
    expect(entry?.description).toHaveLength(2000);
    expect(entry?.description.endsWith('…')).toBe(true);
    expect(entry?.usage_hint).toHaveLength(1000);
  });

  it('quotes what YAML would otherwise cut or retype', () => {
    for (const text of [
      'channel-add #ch',
      'admins: all',
      '[all]',
      'yes',
      '9:16',
      "it's: here",
      '- a list?',
      'trailing ',
      'line\nbreak',
    ]) {
      const written = yamlScalar(text);
      expect(written, text).not.toBe(text);
      expect(readScalar(written)).toBe(text);
    }
    expect(yamlScalar('show | set @user 10')).toBe('show | set @user 10');
    expect(yamlScalar('https://YOUR-HOST/slack/events')).toBe('https://YOUR-HOST/slack/events');
    expect(yamlScalar(false)).toBe('false');
  });
});
