import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { trainerDir, validateFile } from '../../../functions/src/cli/validate';

const root = path.resolve(__dirname, '../../..');
const fixture = (name: string) => path.join(root, 'test/fixtures/titanic', name);
const titanic = path.join(root, 'trainer');

async function run(file: string, opts: Parameters<typeof validateFile>[1]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const code = await validateFile(file, opts, out);
  return { code, text };
}

describe('cli/validate', () => {
  it('accepts the Titanic training file and says how many rows of each class', async () => {
    const { code, text } = await run(fixture('train.csv'), { trainer: titanic });
    assert.equal(code, 0);
    assert.match(text, /train\.csv: valid \(891 rows; Survived: 549 × 0, 342 × 1\)/);
  });

  it('rejects a bad file with exit 2, listing each problem with its line and column', async () => {
    const { code, text } = await run(fixture('wrong-types.csv'), { trainer: titanic });
    assert.equal(code, 2);
    assert.match(text, /invalid dataset: 5 problems/);
    assert.match(text, /line 10 \(row 9\), column Survived: "2" is not one of 0, 1/);
  });

  it('checks a scoring file without the label with --scoring, and prints JSON with --json', async () => {
    assert.equal((await run(fixture('test.csv'), { trainer: titanic })).code, 2);
    const { code, text } = await run(fixture('test.csv'), { trainer: titanic, scoring: true, json: true });
    assert.equal(code, 0);
    const parsed = JSON.parse(text) as { valid: boolean; rowCount: number; trainer: string };
    assert.deepEqual([parsed.valid, parsed.rowCount, parsed.trainer], [true, 418, titanic]);
  });

  it("uses the --trainer folder's schema (any trainer, not only Titanic)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trainer-'));
    const yaml = (await readFile(path.join(titanic, 'trainer.yaml'), 'utf8'))
      .replace('name: titanic', 'name: diabetes')
      .replace('task: binary-classification', 'task: regression')
      .replace(/metrics:\n(?: {2}- .*\n)+/, 'metrics:\n  - { name: rmse, direction: lower }\n')
      .replace('metric: accuracy', 'metric: rmse');
    await writeFile(path.join(dir, 'trainer.yaml'), yaml);
    await writeFile(
      path.join(dir, 'dataset.schema.json'),
      JSON.stringify({
        type: 'object',
        properties: { bmi: { type: 'number', minimum: 10 }, target: { type: 'number' } },
        required: ['bmi', 'target'],
        'x-vertex-retrain': { label: 'target', labelKind: 'continuous', minRows: 2 },
      }),
    );
    const csv = path.join(dir, 'data.csv');
    await writeFile(csv, 'bmi,target\n22.5,151\n5,75\n');
    const { code, text } = await run(csv, { trainer: dir });
    assert.equal(code, 2);
    assert.match(text, /line 3 \(row 2\), column bmi: "5" must be >= 10/);
    await writeFile(csv, 'bmi,target\n22.5,151\n25,75\n');
    assert.equal((await run(csv, { trainer: dir })).code, 0);
  });

  it('fails (not "rejected") when the trainer folder has no manifest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'empty-'));
    await assert.rejects(run(fixture('train.csv'), { trainer: dir }), /no trainer manifest/);
  });

  it('takes the trainer folder from --trainer, else TRAINER_DIR, else trainer', () => {
    assert.equal(trainerDir('x', { TRAINER_DIR: 'y' }), 'x');
    assert.equal(trainerDir(undefined, { TRAINER_DIR: 'y' }), 'y');
    assert.equal(trainerDir(undefined, {}), 'trainer');
  });
});
