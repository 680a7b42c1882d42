import type { OptionSpec } from '../../commands/types.js';
import { InvalidInputError } from '../../src/errors.js';

/**
 * Slack slash commands carry one line of text, so options are Midjourney-style flags:
 * `/imagine a fox in snow --ar 9:16 --seconds 8 --res 480P`. The flags come from the command's option data,
 * so a new option in commands/ is a new flag here without an edit.
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

export function usage(command: string, specs: readonly OptionSpec[]): string {
  const flags = specs
    .filter((o) => !o.freeText && o.type !== 'attachment' && o.type !== 'user')
    .map((o) => `\`--${(o.aliases ?? [o.name])[0]}\` ${o.description.toLowerCase()}`);
  return `Usage: \`/${command} <prompt> [flags]\`, e.g. \`/${command} a fox running through snow --ar 9:16 --seconds 8\`\nFlags: ${flags.join(', ')}. To animate images, mention the bot in a thread under a message with images.`;
}

export function parseFlags(text: string, specs: readonly OptionSpec[]): ParsedFlags {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'help') return { options: {}, help: true };
  const byFlag = new Map<string, OptionSpec>();
  for (const spec of specs) {
    if (spec.freeText || spec.type === 'attachment' || spec.type === 'user') continue;
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
      const known = [...new Set([...byFlag.values()].map((s) => `--${(s.aliases ?? [s.name])[0]}`))].join(
        ', ',
      );
      throw new InvalidInputError('flags', `Unknown option “--${rawName}”. Options are ${known}.`);
    }
    const value = inline ?? tokens[++i];
    if (value === undefined || value === '' || DASHES.test(value)) {
      throw new InvalidInputError(
        'flags',
        `“--${rawName}” needs a value, e.g. --${rawName} ${String(spec.choices?.[0]?.value ?? spec.minValue ?? '…')}.`,
      );
    }
    if (options[spec.name] !== undefined) {
      throw new InvalidInputError('flags', `“--${rawName}” is given twice.`);
    }
    options[spec.name] = value;
  }
  if (freeText) options[freeText.name] = words.join(' ');
  return { options, help: false };
}
