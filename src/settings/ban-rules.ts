import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { formatCount } from '../util/format.js';

/**
 * The prompt ban list's rules: words and phrases (whole words, case-insensitive) and regular expressions,
 * parsed and checked when an admin adds them, matched against prompts before anything is reserved.
 */

/** A ban entry: a word or phrase (whole words, case-insensitive) or a regular expression (case-insensitive). */
export const banRuleSchema = z.object({
  kind: z.enum(['word', 'regex']),
  pattern: z.string().min(1),
});
export type BanRule = z.infer<typeof banRuleSchema>;

export const MAX_PATTERN_CHARS = 200;

/** `/…/` is a regular expression; anything else is a word or phrase. */
export function parseBanPattern(raw: string): BanRule {
  const text = raw.trim();
  if (text.length === 0) throw new InvalidInputError('pattern', 'Give a word, a phrase or a /regex/ to ban.');
  if (text.length > MAX_PATTERN_CHARS + 2) {
    throw new InvalidInputError(
      'pattern',
      `A ban pattern can be at most ${formatCount(MAX_PATTERN_CHARS)} characters; this one is ${formatCount(text.length)}.`,
    );
  }
  const regex = /^\/(.+)\/i?$/s.exec(text);
  if (regex?.[1]) {
    const source = regex[1];
    checkRegex(source);
    return { kind: 'regex', pattern: source };
  }
  return { kind: 'word', pattern: text.replace(/\s+/g, ' ').toLowerCase() };
}

/**
 * A nested quantifier such as `(a+)+` or `(\w*)*` can take exponential time on a prompt of 4,096 characters
 * and would stall the bot for everyone; refusing them (with the length cap) keeps every ban check linear
 * enough. Not a proof of safety, a guard against the classic shapes.
 */
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d+,\d*\})/;
/** Backreferences make matching non-regular; there is no ban list that needs them. */
const BACKREFERENCE = /\\[1-9]|\\k</;

function checkRegex(source: string): RegExp {
  if (source.length > MAX_PATTERN_CHARS) {
    throw new InvalidInputError(
      'pattern',
      `A ban pattern can be at most ${formatCount(MAX_PATTERN_CHARS)} characters; this one is ${formatCount(source.length)}.`,
    );
  }
  if (NESTED_QUANTIFIER.test(source) || BACKREFERENCE.test(source)) {
    throw new InvalidInputError(
      'pattern',
      'That regular expression has a nested repetition or a backreference, which can make checking a prompt very slow. Please write it without them.',
    );
  }
  try {
    return new RegExp(source, 'iu');
  } catch (error) {
    throw new InvalidInputError(
      'pattern',
      `“${source}” is not a valid regular expression: ${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error)}.`,
    );
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A compiled rule; words match whole words (letters and digits around them do not count as a match). */
export function compileBan(rule: BanRule): RegExp {
  if (rule.kind === 'regex') return new RegExp(rule.pattern, 'iu');
  const body = rule.pattern.split(' ').map(escapeRegex).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'iu');
}

/** The first rule the prompt breaks, if any. Prompts are NFKC-normalised first, so look-alike letters match. */
export function findBan(bans: readonly BanRule[], prompt: string): BanRule | undefined {
  const texts = [prompt, prompt.normalize('NFKC')];
  return bans.find((rule) => {
    const pattern = compileBan(rule);
    return texts.some((text) => pattern.test(text));
  });
}

export function describeBan(rule: BanRule): string {
  return rule.kind === 'regex' ? `/${rule.pattern}/` : rule.pattern;
}

export const BANNED_PROMPT_MESSAGE = 'This prompt can’t be used in this server or workspace.';
