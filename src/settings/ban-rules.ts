import { english, text, type Text, type TextValue } from '../i18n/text.js';
import { RE2JS, RE2JSSyntaxException } from 're2js';
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { orListIn } from '../util/format.js';

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
  const typed = raw.trim();
  if (typed.length === 0) throw new InvalidInputError('pattern', text('core.settings.banEmpty'));
  if (typed.length > MAX_PATTERN_CHARS + 2) {
    throw new InvalidInputError(
      'pattern',
      text('core.settings.banTooLong', { max: MAX_PATTERN_CHARS, length: typed.length }),
    );
  }
  const regex = /^\/(.+)\/i?$/s.exec(typed);
  if (regex?.[1]) {
    const source = regex[1];
    checkRegex(source);
    return { kind: 'regex', pattern: source };
  }
  return { kind: 'word', pattern: typed.replace(/\s+/g, ' ').toLowerCase() };
}

/**
 * Regex rules are matched with RE2 (re2js), whose time grows linearly with the prompt whatever the pattern,
 * so no rule an admin adds can stall the bot for every server; JavaScript's backtracking RegExp took
 * minutes on `(a|a)*$`. RE2 has no backreferences or lookaround; those rules are refused when added.
 */
const FLAGS = RE2JS.CASE_INSENSITIVE;

/**
 * Linear still scales with the compiled program: a counted repetition such as `.{1000}` compiles to a
 * thousand steps that each character of the prompt may walk through (measured: about 200 ms on a
 * 4,096-character prompt). Ban lists need words and short alternations, which stay far below this.
 */
export const MAX_PROGRAM_SIZE = 250;

const BACKREFERENCE = /\\[1-9]|\\k</;
const LOOKAROUND = /\(\?<?[=!]/;

function syntaxProblem(source: string, error: unknown): TextValue {
  if (BACKREFERENCE.test(source)) {
    return text('core.settings.banBackreference', { examples: orListIn(['\\1', '\\k<name>']) });
  }
  if (LOOKAROUND.test(source)) {
    return text('core.settings.banLookaround', { examples: '(?=…), (?!…), (?<=…), (?<!…)' });
  }
  if (error instanceof RE2JSSyntaxException) return error.getDescription();
  return error instanceof Error ? error.message : String(error);
}

function compileChecked(source: string): RE2JS {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, FLAGS);
  } catch (error) {
    throw new InvalidInputError(
      'pattern',
      text('core.settings.banInvalidRegex', { source, problem: syntaxProblem(source, error) }),
    );
  }
  if (compiled.programSize() > MAX_PROGRAM_SIZE) {
    throw new InvalidInputError(
      'pattern',
      text('core.settings.banRegexTooLarge', { source, example: '{1000}' }),
    );
  }
  return compiled;
}

function checkRegex(source: string): void {
  if (source.length > MAX_PATTERN_CHARS) {
    throw new InvalidInputError(
      'pattern',
      text('core.settings.banTooLong', { max: MAX_PATTERN_CHARS, length: source.length }),
    );
  }
  compiledRegex(source);
}

/**
 * Compiled regexes are kept so a prompt is not a fresh compile of every rule, and so the automaton states
 * RE2 builds while matching are reused across prompts. Bounded because rules come from every space.
 */
const compiledRegexes = new Map<string, RE2JS>();
const MAX_COMPILED_REGEXES = 10_000;

function compiledRegex(source: string): RE2JS {
  const cached = compiledRegexes.get(source);
  if (cached) return cached;
  const compiled = compileChecked(source);
  if (compiledRegexes.size >= MAX_COMPILED_REGEXES) {
    const oldest = compiledRegexes.keys().next();
    if (!oldest.done) compiledRegexes.delete(oldest.value);
  }
  compiledRegexes.set(source, compiled);
  return compiled;
}

/**
 * Words and phrases need no regex engine: a plain search of the lower-cased prompt, whitespace runs folded
 * to one space, is linear and costs nothing to prepare (compiling RE2's Unicode letter class for each word
 * took about 2 ms, 600 ms for a list of 200 words on the first prompt).
 */
function foldForWords(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ');
}

const LETTER_OR_DIGIT_BEFORE = /[\p{L}\p{N}]$/u;
const LETTER_OR_DIGIT_AFTER = /^[\p{L}\p{N}]/u;

/** Whole words only: a letter or digit right before or after the phrase means it is part of a longer word. */
function containsWord(folded: string, phrase: string): boolean {
  for (let at = folded.indexOf(phrase); at !== -1; at = folded.indexOf(phrase, at + 1)) {
    const end = at + phrase.length;
    // Two UTF-16 units hold any one character, so a letter outside the BMP is seen whole.
    const before = folded.slice(Math.max(0, at - 2), at);
    const after = folded.slice(end, end + 2);
    if (!LETTER_OR_DIGIT_BEFORE.test(before) && !LETTER_OR_DIGIT_AFTER.test(after)) return true;
  }
  return false;
}

/**
 * The first rule the prompt breaks, if any. Prompts are NFKC-normalised too, so look-alike letters match.
 * A stored regex that RE2 refuses (saved before rules were checked with it) is skipped and reported through
 * `onUnusable` rather than matched with a backtracking engine.
 */
export function findBan(
  bans: readonly BanRule[],
  prompt: string,
  onUnusable?: (rule: BanRule, error: InvalidInputError) => void,
): BanRule | undefined {
  const normalised = prompt.normalize('NFKC');
  const texts = normalised === prompt ? [prompt] : [prompt, normalised];
  let folded: string[] | undefined;
  return bans.find((rule) => {
    if (rule.kind === 'word') {
      folded ??= texts.map(foldForWords);
      return folded.some((text) => containsWord(text, rule.pattern));
    }
    let regex: RE2JS;
    try {
      regex = compiledRegex(rule.pattern);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      onUnusable?.(rule, error);
      return false;
    }
    return texts.some((text) => regex.test(text));
  });
}

export function describeBan(rule: BanRule): string {
  return rule.kind === 'regex' ? `/${rule.pattern}/` : rule.pattern;
}

export const BANNED_PROMPT: Text = text('core.settings.bannedPrompt');
/** The same in English (the log's language). */
export const BANNED_PROMPT_MESSAGE = english(BANNED_PROMPT);
