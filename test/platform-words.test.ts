import { describe, expect, it } from 'vitest';
import {
  isErrorLogMessage,
  isInTypeOrImport,
  isLogArgument,
  literals,
  sourceFiles,
} from './helpers/source-literals.js';

/**
 * Slack has workspace admins and owners, Discord has servers and Manage Server: a sentence shared by both
 * platforms must name neither. Every string the core (src/) and the commands (commands/) write is scanned
 * for a platform's words; what a platform calls things comes from its adapter's Formatter (`format.words`).
 * Operator-facing text (log lines, configuration errors) and identifiers (`'discord'` as a platform key) are
 * not user-facing and are left out, each exception named below with its reason.
 */

const SCANNED = ['src', 'commands'];
const PLATFORM_WORDS = /\b(?:servers?|workspaces?|guilds?|channel admins?|manage server|discord|slack)\b/i;

/** Files whose strings only operators read, with the reason. */
const OPERATOR_FILES: Record<string, string> = {
  'src/config.ts': 'environment errors, read by the operator at start-up',
  'src/log.ts': 'redaction patterns for platform URLs in log lines',
  'src/core/plain-format.ts': 'the operator CLI’s words, which span both platforms',
};

/**
 * The catalogs of texts only one platform shows (the adapters' own buttons, forms and words, docs/i18n.md):
 * naming that platform's concepts is what they are for.
 */
const PLATFORM_CATALOG = /^src\/i18n\/catalogs\/[^/]+\/(?:discord|slack)\.ts$/;

/** Strings that are identifiers, not prose: platform keys and ALLOWED_SPACES entries. */
const IDENTIFIERS = /^(?:discord|slack|cli)(?::dm)?$/;

function findings(file: string, text?: string): string[] {
  return literals(file, text)
    .filter(({ text: literal }) => PLATFORM_WORDS.test(literal) && !IDENTIFIERS.test(literal))
    .filter(({ node }) => !isInTypeOrImport(node) && !isLogArgument(node) && !isErrorLogMessage(node))
    .map((literal) => `${literal.file}:${literal.line}: ${literal.text}`);
}

describe('platform words in shared text', () => {
  it('finds them in a fixture, so the scan is not blind', () => {
    const fixture = [
      "const a = 'Only a server admin can do that.';",
      'const b = `Ask a workspace admin, ${name}.`;',
      "log.info({}, 'joined a workspace');",
      "const c: 'slack' = 'slack';",
      "throw new BotError('forbidden', 'not a server admin', { userMessage: 'No.' });",
    ].join('\n');
    expect(findings('src/fixture.ts', fixture).map((f) => f.split(': ')[1])).toEqual([
      'Only a server admin can do that.',
      'Ask a workspace admin, ….',
    ]);
  });

  it('names no platform concept in any user-facing string of src/ and commands/', () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(dir)).filter(
      (file) => !(file in OPERATOR_FILES) && !PLATFORM_CATALOG.test(file),
    );
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((file) => findings(file));
    expect(found, 'use the adapter’s words (context.format.words) instead').toEqual([]);
  });
});
