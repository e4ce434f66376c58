// What the Cloud Functions entry module loads: index.ts's run-time import graph stays out of local/ (the twins),
// cli/ (the command), testing/ and test/ (test helpers), so the function archive needs none of them.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { reachedFiles, runtimeSpecifiers } from '../support/import-graph';

const OFF_LIMITS = /^(functions\/src\/(local|cli|testing)\/|test\/)/;

/** Every .ts file under `dir`, repository-relative. */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

describe('functions/src/index.ts import graph', () => {
  it('reaches no file under functions/src/local, cli or testing, nor under test/', () => {
    const reached = reachedFiles('functions/src/index.ts');
    assert.deepEqual(
      reached.filter((f) => OFF_LIMITS.test(f)),
      [],
    );
    // The walk does see what the entry module loads: the handlers, the engine, and the lazily required cloud adapters.
    for (const f of [
      'functions/src/handlers/on-dataset-finalized.ts',
      'functions/src/engine/advance.ts',
      'functions/src/backend.ts',
      'functions/src/gcp/index.ts',
    ])
      assert.ok(reached.includes(f), `${f} is reached`);
  });

  it('the local entry module is the one that reaches local/ (so the walk would see index.ts doing so)', () => {
    const reached = reachedFiles('functions/src/local/function-entry.ts');
    assert.ok(reached.includes('functions/src/index.ts'));
    assert.ok(reached.includes('functions/src/local/local-ports.ts'));
  });

  it('no file under functions/src imports a test helper', () => {
    const offenders = sources('functions/src').flatMap((file) =>
      runtimeSpecifiers(file)
        .filter((s) => /(^|\/)(test|testing)\//.test(s))
        .map((s) => `${file}: ${s}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('counts require() and import() calls and value imports, not type-only imports', () => {
    const specifiers = runtimeSpecifiers('test/fixtures/import-graph/sample.ts');
    assert.deepEqual(specifiers.sort(), ['./dynamic', './required', './side-effect', './value', './value-and-type']);
  });
});
