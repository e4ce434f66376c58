import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// The project promises Node 22 LTS everywhere; npm scripts get it from the `node@22` devDependency.
describe('toolchain', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
  };

  it('runs the tests on Node 22', () => {
    assert.equal(process.versions.node.split('.')[0], '22');
  });

  it('declares Node 22 in engines and pins node@22 as a devDependency', () => {
    assert.match(pkg.engines.node, /22/);
    assert.match(pkg.devDependencies.node ?? '', /\^?22/);
  });
});
