import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The string literals of the bot's own source and where they sit, for the scans that look for texts people
 * read (test/i18n/user-literals.test.ts: untranslated sentences; test/platform-words.test.ts: a platform's
 * words in shared text). One walker and one idea of what is not for users, so the scans cannot drift apart.
 */

export const ROOT = process.cwd();

export interface Literal {
  /** Relative to the repository, with forward slashes. */
  readonly file: string;
  readonly line: number;
  /** The literal's text; a template's parts are joined by `…`. */
  readonly text: string;
  readonly node: ts.Node;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path.split('\\').join('/')] : [];
  });
}

export function literals(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Literal[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Literal[] = [];
  const add = (node: ts.Node, literal: string) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    out.push({ file: relative(ROOT, join(ROOT, file)).split('\\').join('/'), line, text: literal, node });
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) add(node, node.text);
    else if (ts.isTemplateExpression(node)) {
      add(node, [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…'));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The ancestors of `node` up to its statement, each with the child the walk came from. */
function* enclosing(node: ts.Node): Generator<{ at: ts.Node; from: ts.Node }> {
  let from = node;
  for (let at = node.parent; at !== undefined; from = at, at = at.parent) {
    if (ts.isBlock(at) || ts.isSourceFile(at)) return;
    yield { at, from };
  }
}

/** Inside a type (`platform: 'discord'`), an import or an export path. */
export function isInTypeOrImport(node: ts.Node): boolean {
  for (const { at } of enclosing(node)) {
    if (ts.isTypeNode(at) || ts.isImportDeclaration(at) || ts.isExportDeclaration(at)) return true;
  }
  return false;
}

const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

const LOGGER = /\blog(?:ger)?\b|\blog\(|Log$/i;

/** A log call's arguments (`log.info({...}, 'message')`, `logger.warn(...)`, `log[level](...)`): operators'. */
export function isLogArgument(node: ts.Node): boolean {
  for (const { at } of enclosing(node)) {
    if (!ts.isCallExpression(at)) continue;
    const callee = at.expression;
    if (ts.isPropertyAccessExpression(callee)) {
      if (LOG_METHODS.has(callee.name.text) && LOGGER.test(callee.expression.getText())) return true;
    } else if (ts.isElementAccessExpression(callee) && LOGGER.test(callee.expression.getText())) {
      return true;
    }
  }
  return false;
}

/** The name a call is made by: `every` in `every(…)`, `abort` in `stopping.abort(…)`. */
export function calleeName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/** Inside the arguments of a call to one of `names`, within the literal's statement. */
export function isArgumentOf(node: ts.Node, names: ReadonlySet<string>): boolean {
  for (const { at, from } of enclosing(node)) {
    if (ts.isCallExpression(at) && at.arguments.some((arg) => arg === from)) {
      const name = calleeName(at);
      if (name !== undefined && names.has(name)) return true;
    }
  }
  return false;
}

/**
 * Errors that are not BotErrors never reach a user (the dispatcher and the job runner show the kind's generic
 * text, src/errors.ts), so every argument is the operator's.
 */
const PLAIN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'DOMException',
  'ConfigError',
  'StartupError',
  'JobHandoff',
  'RefusedAddressError',
  'TranslationError',
]);

/** BotErrors whose log message is not their second argument (`new BotError(kind, logMessage, …)`). */
const LOG_MESSAGE_ARGUMENT: Record<string, number | undefined> = {
  NotAVideoError: 0,
  FfmpegUnavailableError: 0,
  // Its second argument is the user's message; the log message is made from it.
  InvalidInputError: undefined,
};

function isErrorLogArgument(callee: string, index: number): boolean {
  if (PLAIN_ERRORS.has(callee)) return true;
  if (!/Error$/.test(callee)) return false;
  return index === (callee in LOG_MESSAGE_ARGUMENT ? LOG_MESSAGE_ARGUMENT[callee] : 1);
}

/**
 * An error's log message: `new BotError(kind, logMessage, { userMessage })`, `super(kind, logMessage, …)` in a
 * BotError, any argument of a plain `Error`. A BotError's user message (its options) is not skipped.
 */
export function isErrorLogMessage(node: ts.Node): boolean {
  for (const { at, from } of enclosing(node)) {
    if (!ts.isNewExpression(at) && !ts.isCallExpression(at)) continue;
    const index = at.arguments?.indexOf(from as ts.Expression) ?? -1;
    if (index < 0) continue;
    if (ts.isNewExpression(at)) return isErrorLogArgument(at.expression.getText(), index);
    if (at.expression.kind === ts.SyntaxKind.SuperKeyword) {
      const heritage = ts
        .findAncestor(at, ts.isClassLike)
        ?.heritageClauses?.[0]?.types[0]?.expression.getText();
      return heritage !== undefined && isErrorLogArgument(heritage, index);
    }
  }
  return false;
}

/** The names of the declarations and properties a literal sits in, innermost first. */
export function holders(node: ts.Node): string[] {
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
