import type { webApi } from '@slack/bolt';
import type { CommandDefinition } from '../../src/port.js';
import { ANIMATE_SHORTCUT } from './render.js';

/**
 * The Slack app manifest, derived from the command registry: one slash command per `slash` command (its
 * description and usage hint), the Animate message shortcut, and the scopes, events and settings the adapter
 * relies on. `npm run manifest` writes adapters/slack/manifest.yml from it; a test fails when the committed
 * file differs, so a command added to the registry cannot be missing from Slack.
 */

export type SlackManifest = webApi.AppsManifestCreateArguments['manifest'];

export interface SlackManifestOptions {
  /** Where Slack posts commands, events and interactions in HTTP mode (Bolt listens on /slack/events). */
  requestUrl?: string;
  /** Socket Mode needs no public URL, so it is the default; HTTP mode needs `requestUrl`. */
  socketMode?: boolean;
}

export const PLACEHOLDER_REQUEST_URL = 'https://YOUR-HOST/slack/events';

// Slack's limits, from the manifest reference (docs.slack.dev/reference/app-manifest, restated in
// @slack/web-api's Manifest type): a slash command is at most 32 characters with its "/", its description
// 2,000, its usage hint 1,000.
const COMMAND_MAX = 32;
const DESCRIPTION_MAX = 2000;
const USAGE_HINT_MAX = 1000;

export const APP_NAME = 'Grok Video';

/** The least scopes the adapter uses, each with the reason it is asked for (written beside it in the YAML). */
type BotScope = NonNullable<NonNullable<NonNullable<SlackManifest['oauth_config']>['scopes']>['bot']>[number];

const BOT_SCOPES: ReadonlyArray<readonly [scope: BotScope, why: string]> = [
  ['commands', 'slash commands and the Animate shortcut'],
  ['chat:write', 'post and update the job message'],
  ['channels:join', 'join a public channel where /imagine was used, to post the video there'],
  ['im:write', 'a DM with the answer when the command’s response_url has expired'],
  ['files:write', 'upload the MP4'],
  ['files:read', 'download the images to animate (url_private)'],
  ['users:read', 'is_admin / is_owner for /quota and /usage, and the names of people mentioned in a prompt'],
  ['channels:read', 'the name of a public channel mentioned in a prompt (conversations.info)'],
  ['groups:read', '... of a private channel the bot was added to'],
  ['app_mentions:read', '"@Grok Video <prompt>" under images'],
  ['channels:history', "find a thread parent's images (conversations.replies) in public channels"],
  ['groups:history', '... in private channels the bot was added to'],
];

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/**
 * Escaping makes Slack send a typed mention as `<@U…|name>` or `<#C…|name>`, the only form
 * adapters/slack/arguments.ts reads for user and channel options. A prompt is the exception: it must reach
 * the video model as the person typed it.
 */
function shouldEscape(command: CommandDefinition): boolean {
  const subcommands = [
    ...(command.subcommands ?? []),
    ...(command.subcommandGroups ?? []).flatMap((g) => g.subcommands),
  ];
  const options = [...(command.options ?? []), ...subcommands.flatMap((s) => s.options)];
  const readsMentions = options.some((o) => o.type === 'user' || o.type === 'channel');
  const isPrompt = (command.options ?? []).some((o) => o.freeText);
  return readsMentions || !isPrompt;
}

function slashCommand(command: CommandDefinition, url: string) {
  const name = `/${command.name}`;
  if (name.length > COMMAND_MAX) throw new Error(`${name} is longer than Slack's ${COMMAND_MAX} characters`);
  return {
    command: name,
    url,
    description: clip(command.description, DESCRIPTION_MAX),
    ...(command.usageHint ? { usage_hint: clip(command.usageHint, USAGE_HINT_MAX) } : {}),
    should_escape: shouldEscape(command),
  };
}

export function slackManifest(
  commands: readonly CommandDefinition[],
  options: SlackManifestOptions = {},
): SlackManifest {
  const url = options.requestUrl ?? PLACEHOLDER_REQUEST_URL;
  return {
    display_information: {
      name: APP_NAME,
      description: 'Turns a prompt (and images) into a short video.',
    },
    features: {
      bot_user: { display_name: APP_NAME, always_online: true },
      slash_commands: commands.filter((c) => c.surface === 'slash').map((c) => slashCommand(c, url)),
      shortcuts: [
        {
          name: 'Animate',
          type: 'message',
          callback_id: ANIMATE_SHORTCUT,
          description: "Turn this message's images into a short video",
        },
      ],
    },
    oauth_config: { scopes: { bot: BOT_SCOPES.map(([scope]) => scope) } },
    settings: {
      event_subscriptions: { request_url: url, bot_events: ['app_mention'] },
      interactivity: { is_enabled: true, request_url: url },
      org_deploy_enabled: false,
      socket_mode_enabled: options.socketMode ?? true,
      token_rotation_enabled: false,
    },
  };
}

/** Comments written after a value, by its path (keys and list indexes joined with dots). */
function manifestComments(): ReadonlyMap<string, string> {
  return new Map([
    ['features.shortcuts.0.callback_id', 'adapters/slack/render.ts ANIMATE_SHORTCUT'],
    ...BOT_SCOPES.map(([, why], i) => [`oauth_config.scopes.bot.${i}`, why] as const),
  ]);
}

function header(options: SlackManifestOptions): string[] {
  const lines = [
    'Generated by `npm run manifest` from the command registry (commands/index.ts): edit there, then rerun.',
    'Install with: api.slack.com/apps → Create New App → From an app manifest → paste this file.',
  ];
  if (options.requestUrl !== undefined) return lines;
  return [
    ...lines,
    "HTTP mode: replace https://YOUR-HOST with the bot's public URL (SLACK_PORT, path /slack/events) and set",
    'socket_mode_enabled: false, or print such a copy: npm run manifest -- --url https://bot.example.com/slack/events',
    'Socket Mode (the default here) needs no public URL: create an app-level token with connections:write and',
    'put it in SLACK_APP_TOKEN.',
  ];
}

export function slackManifestYaml(
  commands: readonly CommandDefinition[],
  options: SlackManifestOptions = {},
): string {
  const lines = header(options).map((line) => `# ${line}`);
  yamlLines(slackManifest(commands, options), '', '', manifestComments(), lines);
  return `${lines.join('\n')}\n`;
}

/*
 * A YAML writer for the manifest's shape (nested mappings, lists, strings, booleans), so the file keeps its
 * comments and the project needs no YAML dependency. Strings are written plain when YAML reads them back
 * unchanged, else quoted: a plain " #" would start a comment and silently cut the value.
 */

const RESERVED_WORDS = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

function isPlainSafe(text: string): boolean {
  return /^[\p{L}/]/u.test(text) && !/[\p{Cc}]|: |:$| #|\s$/u.test(text) && !RESERVED_WORDS.test(text);
}

export function yamlScalar(value: unknown): string {
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return String(value);
  if (typeof value !== 'string') throw new Error(`cannot write ${typeof value} as a YAML scalar`);
  if (isPlainSafe(value)) return value;
  // Single quotes escape nothing but the quote itself; control characters need the double-quoted form.
  return /\p{Cc}/u.test(value) ? JSON.stringify(value) : `'${value.replace(/'/g, "''")}'`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function yamlLines(
  mapping: Record<string, unknown>,
  indent: string,
  path: string,
  comments: ReadonlyMap<string, string>,
  out: string[],
): void {
  const commented = (line: string, at: string) => {
    const comment = comments.get(at);
    return comment === undefined ? line : `${line} # ${comment}`;
  };
  for (const [key, value] of Object.entries(mapping)) {
    if (value === undefined) continue;
    const at = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(value)) {
      out.push(value.length === 0 ? `${indent}${key}: []` : `${indent}${key}:`);
      value.forEach((item: unknown, i) => {
        const itemAt = `${at}.${i}`;
        if (!isMapping(item) || Object.keys(item).length === 0) {
          out.push(commented(`${indent}  - ${isMapping(item) ? '{}' : yamlScalar(item)}`, itemAt));
          return;
        }
        const start = out.length;
        yamlLines(item, `${indent}    `, itemAt, comments, out);
        out[start] = `${indent}  - ${(out[start] ?? '').trimStart()}`;
      });
    } else if (isMapping(value)) {
      out.push(Object.keys(value).length === 0 ? `${indent}${key}: {}` : `${indent}${key}:`);
      yamlLines(value, `${indent}  `, at, comments, out);
    } else {
      out.push(commented(`${indent}${key}: ${yamlScalar(value)}`, at));
    }
  }
}
