// The files a module loads at run time, found by walking its imports from the TypeScript sources: static imports and
// re-exports that survive compilation (not `import type`, not imports whose every binding is a type), `require('…')`
// and `import('…')` calls with a literal path. Only relative paths are followed; packages are not walked.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The repository-relative path of the file a relative specifier names, or undefined if it is not a source file. */
function resolveSource(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, `${base}/index.ts`, base].find((f) => /\.(ts|js|json)$/.test(f) && existsSync(f));
}

/** True when an import declaration is erased by the compiler (type-only). */
function typeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x'`: loaded for its side effects
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    !!bindings &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** The relative specifiers `file` loads at run time. */
export function runtimeSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !typeOnly(node) && ts.isStringLiteral(node.moduleSpecifier))
      found.push(node.moduleSpecifier.text);
    else if (
      ts.isExportDeclaration(node) &&
      !node.isTypeOnly &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const callee = node.expression;
      const loads =
        (ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword;
      if (loads && arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((s) => s.startsWith('.'));
}

/** Every source file `entry` reaches at run time (itself included), repository-relative, sorted. */
export function reachedFiles(entry: string, root = process.cwd()): string[] {
  const seen = new Set<string>();
  const pending = [resolve(root, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.ts')) continue;
    for (const specifier of runtimeSpecifiers(file)) {
      const target = resolveSource(file, specifier);
      if (!target) throw new Error(`${relative(root, file)}: cannot resolve ${specifier}`);
      pending.push(target);
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}
