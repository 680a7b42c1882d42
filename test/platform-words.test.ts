import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Slack has workspace admins and owners, Discord has servers and Manage Server: a sentence shared by both
 * platforms must name neither. Every string the core (src/) and the commands (commands/) write is scanned
 * for a platform's words; what a platform calls things comes from its adapter's Formatter (`format.words`).
 * Operator-facing text (log lines, configuration errors) and identifiers (`'discord'` as a platform key) are
 * not user-facing and are left out, each exception named below with its reason.
 */

const ROOT = process.cwd();
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

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** A log call's arguments (`log.info({...}, 'message')`, `logger.warn(...)`): read by operators only. */
function isLogArgument(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isCallExpression(at) && ts.isPropertyAccessExpression(at.expression)) {
      const { name, expression } = at.expression;
      const receiver = expression.getText();
      if (LOG_METHODS.has(name.text) && /\blog(?:ger)?\b|\blog\(|Log$/i.test(receiver)) return true;
    }
    if (ts.isBlock(at) || ts.isSourceFile(at)) return false;
  }
  return false;
}

/** Inside a type (`platform: 'discord'`), an import or export path, or a BotError's log message. */
function isNotProse(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isTypeNode(at) || ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
    if (ts.isBlock(at) || ts.isSourceFile(at)) return false;
  }
  return false;
}

/** `new BotError(kind, logMessage, { userMessage })`: the second argument is the log's, not the user's. */
function isErrorLogMessage(node: ts.Node): boolean {
  const call = node.parent;
  return (
    call !== undefined &&
    ts.isNewExpression(call) &&
    /Error$/.test(call.expression.getText()) &&
    call.expression.getText() !== 'InvalidInputError' &&
    call.arguments?.[1] === node
  );
}

interface Finding {
  file: string;
  line: number;
  text: string;
}

function findings(file: string, text = readFileSync(file, 'utf8')): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Finding[] = [];
  const check = (node: ts.Node, literal: string) => {
    if (!PLATFORM_WORDS.test(literal) || IDENTIFIERS.test(literal)) return;
    if (isNotProse(node) || isLogArgument(node) || isErrorLogMessage(node)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    out.push({ file: relative(ROOT, file), line, text: literal });
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) check(node, node.text);
    else if (ts.isTemplateExpression(node)) {
      check(node, [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…'));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
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
    expect(findings(join(ROOT, 'src', 'fixture.ts'), fixture).map((f) => f.text)).toEqual([
      'Only a server admin can do that.',
      'Ask a workspace admin, ….',
    ]);
  });

  it('names no platform concept in any user-facing string of src/ and commands/', () => {
    const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir))).filter(
      (file) => !(relative(ROOT, file) in OPERATOR_FILES) && !PLATFORM_CATALOG.test(relative(ROOT, file)),
    );
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((file) => findings(file)).map((f) => `${f.file}:${f.line}: ${f.text}`);
    expect(found, 'use the adapter’s words (context.format.words) instead').toEqual([]);
  });
});
