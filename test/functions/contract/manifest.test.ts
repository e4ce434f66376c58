import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ContractError } from '../../../functions/src/contract/ajv';
import { loadManifest, metricDirection, parseManifest } from '../../../functions/src/contract/manifest';

const root = path.resolve(__dirname, '../../..');
const titanicYaml = readFileSync(path.join(root, 'trainer/trainer.yaml'), 'utf8');

function problems(text: string): string[] {
  try {
    parseManifest(text);
  } catch (error) {
    assert.ok(error instanceof ContractError, String(error));
    return error.problems;
  }
  assert.fail('the manifest was accepted');
}

describe('contract/manifest', () => {
  it("loads the Titanic trainer's manifest", async () => {
    const { manifest } = await loadManifest(path.join(root, 'trainer'));
    assert.equal(manifest.name, 'titanic');
    assert.equal(manifest.task, 'binary-classification');
    assert.deepEqual(manifest.serve.command, ['node', 'dist/trainer/src/serve.js']);
    assert.equal(metricDirection(manifest, 'logLoss'), 'lower');
    assert.equal(metricDirection(manifest, 'accuracy'), 'higher');
    assert.equal(metricDirection(manifest, 'r2'), undefined);
  });

  const cases: [string, (y: string) => string, RegExp][] = [
    ['a port out of range', (y) => y.replace('port: 8080', 'port: 70000'), /^serve\.port: must be <= 65535$/],
    ['a missing serving command', (y) => y.replace(/ {2}command: \['node'.*\n/, ''), /^serve\.command: is required$/],
    [
      'an unknown task',
      (y) => y.replace('task: binary-classification', 'task: ranking'),
      /^task: must be one of "binary-classification"/,
    ],
    [
      'a misspelled field',
      (y) => y.replace('predictRoute:', 'predictRout:'),
      /^serve\.predictRout: is not a known field$/,
    ],
    [
      'a bad metric direction',
      (y) => y.replace('{ name: rocAuc, direction: higher }', '{ name: rocAuc, direction: up }'),
      /^metrics\[1\]\.direction: must be one of "higher", "lower"$/,
    ],
    [
      'an undeclared gate metric',
      (y) => y.replace('metric: accuracy', 'metric: f1'),
      /^gate\.metric: "f1" is not one of the declared metrics \(accuracy, rocAuc, logLoss\)$/,
    ],
    [
      'a metric declared twice',
      (y) => y.replace('{ name: rocAuc,', '{ name: accuracy,'),
      /^metrics\[1\]\.name: "accuracy" is declared twice$/,
    ],
    [
      'a wrong apiVersion',
      (y) => y.replace('vertex-retrain/v1', 'vertex-retrain/v9'),
      /^apiVersion: must be "vertex-retrain\/v1"$/,
    ],
    ['a name with capitals', (y) => y.replace('name: titanic', 'name: Titanic'), /^name: must match pattern/],
    ['YAML that does not parse', () => 'a: [1, 2', /^not valid YAML/],
  ];
  for (const [what, edit, expected] of cases) {
    it(`names the field for ${what}`, () => {
      const found = problems(edit(titanicYaml));
      assert.ok(
        found.some((p) => expected.test(p)),
        found.join('\n'),
      );
    });
  }

  it('says which file has no manifest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifest-'));
    await assert.rejects(
      loadManifest(dir),
      (e: Error) => e.message.includes(path.join(dir, 'trainer.yaml')) && /no trainer manifest/.test(e.message),
    );
    await writeFile(path.join(dir, 'trainer.yaml'), 'apiVersion: vertex-retrain/v1\n');
    await assert.rejects(loadManifest(dir), /name: is required; task: is required/);
  });
});
