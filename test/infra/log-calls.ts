// The log lines the functions write, read from the source with the TypeScript parser: every `<x>.log.<level>(...)`,
// `log.<level>(...)` or `<name>Log.<level>(...)` call under functions/src with its level, the fields object's keys and
// the message's literal start (a string literal, or a template's text up to its first `${`). The monitoring cross-check matches the
// Terraform log filters against these.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface LogCall {
  file: string;
  level: string;
  fields: string[];
  /** Literal start of the message; '' when the message is not literal at its start. */
  messageStart: string;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function literalStart(node: ts.Expression | undefined): string {
  if (node === undefined) return '';
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text;
  return '';
}

/** The log calls in one source text. */
export function logCallsIn(file: string, text: string): LogCall[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const calls: LogCall[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const level = node.expression.name.text;
      const target = node.expression.expression;
      const isLog =
        (ts.isIdentifier(target) && /^(log|\w+Log)$/.test(target.text)) ||
        (ts.isPropertyAccessExpression(target) && target.name.text === 'log');
      if (isLog && LEVELS.has(level)) {
        const [first, second] = node.arguments;
        const fields =
          first && ts.isObjectLiteralExpression(first)
            ? first.properties.flatMap((p) =>
                (ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && ts.isIdentifier(p.name)
                  ? [p.name.text]
                  : [],
              )
            : [];
        const message = first && ts.isObjectLiteralExpression(first) ? second : first;
        calls.push({ file, level, fields, messageStart: literalStart(message as ts.Expression | undefined) });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return calls;
}

/** Every log call under `dir` (default functions/src). */
export function functionLogCalls(dir = 'functions/src'): LogCall[] {
  return sourceFiles(dir).flatMap((f) => logCallsIn(f, readFileSync(f, 'utf8')));
}
