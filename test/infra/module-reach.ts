// The modules a deployed function loads: the require() graph of the compiled entry module, computed by transpiling
// each TypeScript source as `npm run build` would (imports used only as types are elided, as in dist/), so the
// infra tests can compare it with what terraform/sources.tf puts in the function archive.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** A relative require edge that is only taken in one backend, e.g. backend.ts's lazy `require('./local')`. */
export interface SkippedEdge {
  from: string;
  specifier: string;
}

function resolveSource(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  if (specifier.endsWith('.json') && existsSync(base)) return base;
  return undefined;
}

/** Repository-relative source files (.ts, .json) reachable from `entry` through relative requires of the emitted JS. */
export function reachableSources(entry: string, skip: readonly SkippedEdge[] = []): string[] {
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.json')) continue;
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2023, esModuleInterop: true },
      fileName: file,
    }).outputText;
    for (const m of js.matchAll(/\brequire\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g)) {
      const specifier = m[1]!;
      const rel = relative('.', file);
      if (skip.some((s) => s.from === rel && s.specifier === specifier)) continue;
      const target = resolveSource(file, specifier);
      if (target === undefined) throw new Error(`${rel}: cannot resolve require(${JSON.stringify(specifier)})`);
      queue.push(target);
    }
  }
  return [...seen].map((f) => relative('.', f)).sort();
}
