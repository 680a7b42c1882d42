import {
  InvalidInputError,
  translator,
  type ChannelRef,
  type CommandDefinition,
  type OptionSpec,
  type OptionValue,
  type Translator,
  type UserRef,
} from '../../src/port.js';
import { plainSlackText } from './text.js';

/**
 * Slack slash commands carry one line of text, so every command's options are read from it by rules derived
 * from the command's option data: Midjourney-style flags (`/imagine a fox in snow --ar 9:16 --seconds 8`),
 * a first word naming the subcommand (`/quota set @bob 10`), or a group and its subcommand
 * (`/quota global set @bob 10`), mentions for user and channel options, a bare
 * word for a boolean (`/jobs all`), and the free text. A new option in commands/ is readable here without an
 * edit.
 */

export interface ParsedFlags {
  options: Record<string, string>;
  /** True for an empty command or `help`: show the usage instead of running. */
  help: boolean;
}

/** Slack and macOS turn "--" into an em or en dash as people type; treat them as the same thing. */
const DASHES = /^(?:--|—|–)/;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1] ?? match[2] ?? match[3] ?? '');
  return tokens;
}

export function flagNames(option: OptionSpec): string[] {
  return [option.name.replace(/_/g, '-'), option.name, ...(option.aliases ?? [])];
}

/** Options a flag can set: not the free text, and not what a mention or a bare word carries. */
function takesFlag(spec: OptionSpec): boolean {
  return !spec.freeText && !['attachment', 'user', 'channel', 'boolean'].includes(spec.type);
}

export function usage(command: CommandDefinition, tr: Translator = translator()): string {
  const specs = command.options ?? [];
  if (!specs.some((o) => o.freeText)) {
    return tr.t('slack.usage.short', { name: command.name, hint: command.usageHint ?? '' });
  }
  const flags = specs.filter(takesFlag).map((o) =>
    tr.t('slack.usage.flag', {
      flag: (o.aliases ?? [o.name])[0] ?? o.name,
      description: o.description.toLowerCase(),
    }),
  );
  return tr.t('slack.usage.prompt', { name: command.name, flags: tr.list(flags) });
}

/** `tr`: the user's language, for the refusals (Slack's users.info locale). */
export function parseFlags(
  text: string,
  specs: readonly OptionSpec[],
  tr: Translator = translator(),
): ParsedFlags {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'help') return { options: {}, help: true };
  const byFlag = new Map<string, OptionSpec>();
  for (const spec of specs) {
    if (!takesFlag(spec)) continue;
    for (const name of flagNames(spec)) byFlag.set(name.toLowerCase(), spec);
  }
  const freeText = specs.find((s) => s.freeText);
  const words: string[] = [];
  const options: Record<string, string> = {};
  const tokens = tokenize(trimmed);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (!DASHES.test(token) || token.replace(DASHES, '') === '') {
      words.push(token);
      continue;
    }
    const body = token.replace(DASHES, '');
    const [rawName, inline] = body.includes('=')
      ? [body.slice(0, body.indexOf('=')), body.slice(body.indexOf('=') + 1)]
      : [body, undefined];
    const spec = byFlag.get(rawName.toLowerCase());
    if (!spec) {
      const known = [...new Set([...byFlag.values()].map((s) => `--${(s.aliases ?? [s.name])[0]}`))];
      throw new InvalidInputError(
        'flags',
        tr.t('slack.flags.unknown', { name: rawName, known: tr.orList(known) }),
      );
    }
    const value = inline ?? tokens[++i];
    if (value === undefined || value === '' || DASHES.test(value)) {
      throw new InvalidInputError(
        'flags',
        tr.t('slack.flags.needsValue', {
          name: rawName,
          example: String(spec.choices?.[0]?.value ?? spec.minValue ?? '…'),
        }),
      );
    }
    if (options[spec.name] !== undefined) {
      throw new InvalidInputError('flags', tr.t('slack.flags.twice', { name: rawName }));
    }
    options[spec.name] = value;
  }
  if (freeText) options[freeText.name] = words.join(' ');
  return { options, help: false };
}

export interface ParsedCommand {
  subcommandGroup?: string;
  subcommand?: string;
  options: Record<string, OptionValue | undefined>;
  /** A bare command that needs text (`/imagine`), or `help`: show the usage instead of running. */
  help: boolean;
}

const USER_MENTION = /<@([A-Z0-9]+)(?:\|([^>]*))?>/;
const CHANNEL_MENTION = /<#([A-Z0-9]+)(?:\|([^>]*))?>/;

/** Slack's wire form of some text (or a part of it) → the text as the person read it (text.ts). */
export type Decode = (raw: string) => string;

/**
 * Reads a slash command's text (Slack's wire form) by its registry entry. User and channel options are read
 * from their `<@U…>` / `<#C…>` sequences; everything else is decoded with `decode` first, so a prompt or a
 * ban word is what the person typed. User options come back with `inSpace: false`: whether the user is in
 * the workspace is the adapter's to look up. `here` is the channel the command was typed in, the default of a
 * channel option.
 */
export function parseCommandText(
  command: CommandDefinition,
  text: string,
  here: ChannelRef,
  decode: Decode = (raw) => plainSlackText(raw),
  tr: Translator = translator(),
): ParsedCommand {
  const trimmed = text.trim();
  if (!command.subcommands) {
    if (command.options?.some((o) => o.freeText)) {
      const parsed = parseFlags(decode(trimmed), command.options, tr);
      return { options: parsed.options, help: parsed.help };
    }
    return { options: readOptions(command.options ?? [], trimmed, here, decode), help: false };
  }
  const [first, rest] = firstWord(trimmed);
  const group = command.subcommandGroups?.find((g) => g.name === first);
  if (group) {
    const [second, after] = firstWord(rest);
    // A bare group runs the command's default subcommand within it, when the group has one.
    const subcommand = second === '' ? command.defaultSubcommand : second;
    const spec = group.subcommands.find((s) => s.name === subcommand);
    return {
      subcommandGroup: group.name,
      subcommand,
      options: spec ? readOptions(spec.options, after, here, decode) : {},
      help: false,
    };
  }
  const subcommand = first === '' ? command.defaultSubcommand : first;
  const spec = command.subcommands.find((s) => s.name === subcommand);
  return { subcommand, options: spec ? readOptions(spec.options, rest, here, decode) : {}, help: false };
}

/** The first word, lowercased, and the text after it. */
function firstWord(text: string): [string, string] {
  const word = text.split(/\s+/)[0] ?? '';
  return [word.toLowerCase(), text.slice(word.length).trim()];
}

function readOptions(
  specs: readonly OptionSpec[],
  text: string,
  here: ChannelRef,
  decode: Decode,
): Record<string, OptionValue | undefined> {
  const options: Record<string, OptionValue | undefined> = {};
  // A lone required string (a ban pattern) is the whole rest as typed: quotes and spaces belong to it.
  const only = specs.length === 1 ? specs[0] : undefined;
  if (only && only.type === 'string' && only.required && !only.choices) {
    options[only.name] = decode(text);
    return options;
  }
  let rest = text;
  for (const spec of specs) {
    if (spec.type === 'user') {
      const mention = USER_MENTION.exec(rest);
      if (!mention?.[1]) continue;
      rest = rest.replace(mention[0], ' ');
      const user: UserRef = { id: mention[1], inSpace: false, displayName: mention[2] || undefined };
      options[spec.name] = user;
    } else if (spec.type === 'channel') {
      const mention = CHANNEL_MENTION.exec(rest);
      if (mention?.[1]) {
        rest = rest.replace(mention[0], ' ');
        options[spec.name] = { kind: 'channel', id: mention[1], name: mention[2] || undefined };
      } else if (rest.trim() === '') options[spec.name] = here;
      else options[spec.name] = decode(rest.trim());
    }
  }
  // What the mentions left is plain words and flags, as typed.
  rest = decode(rest);
  const flagged = specs.filter(takesFlag);
  const words: string[] = [];
  if (flagged.length > 0) {
    const parsed = parseFlags(`x ${rest}`, [
      { name: '_words', type: 'string', description: '', freeText: true },
      ...flagged,
    ]);
    words.push(...(parsed.options._words ?? '').split(/\s+/).slice(1).filter(Boolean));
    delete parsed.options._words;
    Object.assign(options, parsed.options);
  } else words.push(...rest.split(/\s+/).filter(Boolean));
  for (const spec of specs) {
    if (options[spec.name] !== undefined) continue;
    if (spec.type === 'boolean') {
      const index = words.findIndex((w) => w.toLowerCase() === spec.name);
      if (index >= 0) {
        options[spec.name] = true;
        words.splice(index, 1);
      }
    } else if (spec.type === 'integer' && spec.required) {
      const index = words.findIndex((w) => /^-?\d+$/.test(w));
      if (index >= 0) options[spec.name] = Number(words.splice(index, 1)[0]);
    } else if (spec.type === 'string' && spec.required && words.length > 0) {
      options[spec.name] = words.shift();
    }
  }
  return options;
}
