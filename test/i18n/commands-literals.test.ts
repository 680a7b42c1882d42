import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * No sentence for people is written in commands/ itself (issue #17): every answer, refusal and description
 * comes from the `commands` catalogs (docs/i18n.md). The scan flags string literals that read as prose (two
 * words or more, or a capitalised word ending in punctuation) outside log calls, a BotError's log message,
 * types and imports. The exceptions are named below with their reason.
 */

const ROOT = process.cwd();

/** Literals that are prose but not for the bot's users, by file and the declaration or property holding them. */
const NOT_FOR_USERS: Record<string, string> = {
  usageHint:
    'Slack’s manifest usage hint (adapters/slack/manifest.ts): option syntax, kept English as the manifest is',
  DEFAULT_ANIMATE_PROMPT: 'a prompt for the video model, the same in every language (commands/animate.ts)',
  usageHeading: 'the operator CLI’s report heading, English like the rest of the CLI (docs/i18n.md)',
};

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const PROSE = /[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}|^[A-Z][a-z]+[.!?]$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The name of the declaration, property or function a literal sits in, walking out to its statement. */
function holders(node: ts.Node): string[] {
  const names: string[] = [];
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (
      (ts.isVariableDeclaration(at) ||
        ts.isPropertyAssignment(at) ||
        ts.isFunctionDeclaration(at) ||
        ts.isMethodDeclaration(at)) &&
      at.name !== undefined &&
      ts.isIdentifier(at.name)
    ) {
      names.push(at.name.text);
    }
  }
  return names;
}

function isSkipped(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (ts.isTypeNode(at) || ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
    if (ts.isCallExpression(at) && ts.isPropertyAccessExpression(at.expression)) {
      const { name, expression } = at.expression;
      if (LOG_METHODS.has(name.text) && /\blog(?:ger)?\b|Log$/i.test(expression.getText())) return true;
    }
    // `new BotError(kind, logMessage, …)`: the second argument is the log's.
    if (
      ts.isNewExpression(at) &&
      /Error$/.test(at.expression.getText()) &&
      at.expression.getText() !== 'InvalidInputError' &&
      at.arguments?.[1] === node
    ) {
      return true;
    }
    if (ts.isSourceFile(at)) return false;
  }
  return false;
}

function findings(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const check = (node: ts.Node, literal: string) => {
    if (!PROSE.test(literal) || isSkipped(node)) return;
    if (holders(node).some((name) => name in NOT_FOR_USERS)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    out.push(`${relative(ROOT, file)}:${line}: ${literal}`);
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

describe('user-facing literals in commands/', () => {
  it('finds them in a fixture, so the scan is not blind', () => {
    const fixture = [
      "const a = 'That job has already finished.';",
      'const b = `Your ${n} most recent videos here:`;',
      "const c = { description: 'Describe the video' };",
      "const d = 'Saved.';",
      "log.info({}, 'result deleted on request');",
      "throw new BotError('forbidden', 'not the requester nor an admin', { userMessage: tr.t('x') });",
      "const e = tr.t('commands.jobs.none.mine');",
      "const f = { usageHint: 'show | set @user 10' };",
      "const g = ['ban-add', 'on', '16:9'];",
    ].join('\n');
    expect(findings(join(ROOT, 'commands', 'fixture.ts'), fixture).map((f) => f.split(': ')[1])).toEqual([
      'That job has already finished.',
      'Your … most recent videos here:',
      'Describe the video',
      'Saved.',
    ]);
  });

  it('leaves every answer, refusal and description to the catalogs', () => {
    const files = sourceFiles(join(ROOT, 'commands'));
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((file) => findings(file))).toEqual([]);
  });
});
