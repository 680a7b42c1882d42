import { describe, expect, it } from 'vitest';
import {
  holders,
  isArgumentOf,
  isErrorLogMessage,
  isInTypeOrImport,
  isLogArgument,
  literals,
  sourceFiles,
  type Literal,
} from '../helpers/source-literals.js';

/**
 * No sentence for people is written in code (issue #17): every answer, refusal, progress text, button and
 * description comes from the catalogs (docs/i18n.md), so a zh-CN reader never meets English. The scan flags
 * string literals that read as prose (two words with a space between, or a capitalised word ending in
 * punctuation) in commands/, src/ and adapters/, outside what only operators read: log calls, an error's log
 * message, Lua and SQL, the modules and declarations named below with their reason.
 */

const SCANNED = ['commands', 'src', 'adapters'];
const PROSE = /[A-Za-z]{2,}[,:;]?\s+[A-Za-z]{2,}|^[A-Z][a-z]+[.!?]$/;

/** Whole modules only operators read. */
const OPERATOR_FILES: Record<string, string> = {
  'src/config.ts': 'environment errors, read by the operator at start-up',
  'src/store/store-url.ts': 'STORE_URL errors, read by the operator at start-up',
  'src/quota/prices.ts': 'PRICES errors, read by the operator at start-up',
  'src/metrics.ts': 'Prometheus help texts, read on /metrics',
  'src/log.ts': 'the log’s redaction marks and time format',
  'src/core/plain-format.ts': 'the operator CLI’s words, English like the rest of the CLI',
  'adapters/slack/manifest.ts':
    'the Slack app manifest, installed by the operator, English as Slack manifests are',
  'adapters/slack/auth-check.ts': 'the start-up check of SLACK_BOT_TOKEN, read by the operator',
  'adapters/discord/gateway-guard.ts': 'why a malformed gateway packet was dropped, read in the log',
  'src/util/forbidden-address.ts':
    'why an address is refused, in a RefusedAddressError (a plain Error) for the log',
  'src/video-api/address-guard.ts': 'RefusedAddressError, a plain Error: the log’s, never shown to users',
};

/** The catalogs are where the texts belong. */
const CATALOG = /^src\/i18n\/catalogs\//;

/** Literals that are prose but not for the bot's users, by the declaration or property holding them. */
const NOT_FOR_USERS: Record<string, string> = {
  usageHint:
    'Slack’s manifest usage hint (adapters/slack/manifest.ts): option syntax, kept English as the manifest is',
  DEFAULT_ANIMATE_PROMPT: 'a prompt for the video model, the same in every language (commands/animate.ts)',
  usageHeading: 'the operator CLI’s report heading, English like the rest of the CLI (docs/i18n.md)',
  logMessage: 'a VideoApiError’s log message (src/video-api/errors.ts)',
  action: 'an audit entry’s action (src/quota/quota.ts, src/quota/usage.ts), read in the log',
  REFUSAL_LOG: 'the log line of an admin-only refusal (src/quota/admin.ts)',
  OTHER_EXTENSIONS: 'file extensions (src/generation/image-type.ts)',
  reason:
    'a failure’s reason, put in a log message or an error’s log detail (src/video-api/errors.ts, adapters/slack/upload.ts, adapters/slack/images.ts)',
  hint: 'the advice of a start-up error (adapters/discord/index.ts), read by the operator',
  service: 'the service named in a start-up error (adapters/slack/index.ts)',
  headers: 'HTTP headers (adapters/slack/private-answer.ts)',
};

/** Calls whose arguments only operators read, with the reason. */
const OPERATOR_CALLS: Record<string, string> = {
  abort: 'an abort reason, logged with whatever it stopped',
  every: 'the log line of a failed periodic task (src/jobs/bullmq/runner.ts)',
  adminOnly: 'the audit action of a refused admin command (src/quota/quota.ts)',
  ownerOnly: 'the audit action of a refused owner command (src/quota/quota.ts)',
};
const OPERATOR_CALL_NAMES = new Set(Object.keys(OPERATOR_CALLS));

/** Redis Lua scripts and SQL statements. */
const SCRIPT =
  /redis\.call\(|json_valid\(|\b(?:SELECT|INSERT INTO|DELETE FROM|CREATE TABLE|PRAGMA|BEGIN IMMEDIATE|WHERE)\b|^UPDATE /;

function isForUsers(literal: Literal): boolean {
  const { node, text } = literal;
  if (!PROSE.test(text) || SCRIPT.test(text)) return false;
  if (isInTypeOrImport(node) || isLogArgument(node) || isErrorLogMessage(node)) return false;
  if (isArgumentOf(node, OPERATOR_CALL_NAMES)) return false;
  return !holders(node).some((name) => name in NOT_FOR_USERS);
}

function findings(file: string, text?: string): string[] {
  return literals(file, text)
    .filter(isForUsers)
    .map((literal) => `${literal.file}:${literal.line}: ${literal.text}`);
}

describe('user-facing literals in code', () => {
  it('finds them in a fixture, so the scan is not blind', () => {
    const fixture = [
      "const a = 'That job has already finished.';",
      'const b = `Your ${n} most recent videos here:`;',
      "const c = { description: 'Describe the video' };",
      "const d = 'Saved.';",
      "const e = { name: 'the last frame of the video', contentType: 'image/png' };",
      "throw new InvalidInputError('prompt', 'Your prompt is too long.');",
      "throw new BotError('forbidden', 'not an admin', { userMessage: 'Only admins can do that.' });",
      "log.info({}, 'result deleted on request');",
      "log[level]({}, 'request refused');",
      "stopping.abort('shutting down');",
      "throw new BotError('forbidden', `not the requester nor ${who ?? 'an admin'}`, { userMessage: tr.t('x') });",
      "throw new Error('the adapter is not started');",
      "class A extends BotError { constructor() { super('internal', 'no image fetcher'); } }",
      "const f = tr.t('commands.jobs.none.mine');",
      "const g = { usageHint: 'show | set @user 10' };",
      "const h = ['ban-add', 'on', '16:9', 'discord:extend:1', 'chat:write'];",
      'const i = `SELECT used FROM quota_usage WHERE scope = ?`;',
      "const j = `\\nif redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end\\n`;",
    ].join('\n');
    expect(findings('src/fixture.ts', fixture).map((f) => f.split(': ')[1])).toEqual([
      'That job has already finished.',
      'Your … most recent videos here:',
      'Describe the video',
      'Saved.',
      'the last frame of the video',
      'Your prompt is too long.',
      'Only admins can do that.',
    ]);
  });

  it('leaves every answer, refusal, progress text and description to the catalogs', () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(dir)).filter(
      (file) => !(file in OPERATOR_FILES) && !CATALOG.test(file),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => findings(file))).toEqual([]);
  });
});
