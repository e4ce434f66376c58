// A feature the schema does not require: empty cells train (imputed with the training mean), and an instance without
// it is served with the same imputation. The bundled schema requires every column, so this runs a copy of the
// trainer's files whose schema makes s6 optional.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instance, readRows, toCsv, type Row } from './csv';
import { EXAMPLE, PREDICT, python, runPython, serve } from './python';

describe('examples/diabetes with an optional feature', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    python();
    dir = mkdtempSync(join(tmpdir(), 'diabetes-optional-'));
    for (const f of readdirSync(EXAMPLE).filter((f) => f.endsWith('.py'))) copyFileSync(join(EXAMPLE, f), join(dir, f));
    const schema = JSON.parse(readFileSync(join(EXAMPLE, 'dataset.schema.json'), 'utf8')) as {
      required: string[];
      properties: Record<string, { type: unknown }>;
    };
    schema.required = schema.required.filter((c) => c !== 's6');
    (schema.properties.s6 as { type: unknown }).type = ['number', 'null'];
    writeFileSync(join(dir, 'dataset.schema.json'), JSON.stringify(schema));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains with empty cells imputed by the training mean, and serves an instance without the field alike', async () => {
    const { header, rows } = readRows();
    const data = rows.map((r, i) => (i % 3 === 0 ? { ...r, s6: '' } : r));
    writeFileSync(join(dir, 'data.csv'), toCsv(header, data));
    const model = join(dir, 'model');
    const r = runPython('main.py', ['--env', 'local', '--data', join(dir, 'data.csv')], { AIP_MODEL_DIR: model }, dir);
    assert.equal(r.status, 0, r.stderr);
    const fitted = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as {
      features: string[];
      impute: number[];
    };
    const metrics = JSON.parse(readFileSync(join(model, 'metrics.json'), 'utf8')) as {
      extra: { holdoutRowIds: number[] };
    };
    const held = new Set(metrics.extra.holdoutRowIds);
    const present = data.filter((d) => !held.has(Number(d.row_id)) && d.s6 !== '').map((d) => Number(d.s6));
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const imputed = fitted.impute[fitted.features.indexOf('s6')] as number;
    assert.ok(Math.abs(imputed - mean) < 1e-9, `${imputed} vs ${mean}`);

    const server = await serve(model, { cwd: dir });
    try {
      const { s6: _s6, ...without } = instance(rows[1] as Row);
      const res = await fetch(server.url + PREDICT, {
        method: 'POST',
        body: JSON.stringify({ instances: [without, { ...without, s6: null }, { ...without, s6: imputed }] }),
      });
      assert.equal(res.status, 200);
      const [a, b, c] = ((await res.json()) as { predictions: { value: number }[] }).predictions.map((p) => p.value);
      assert.equal(a, c);
      assert.equal(b, c);
    } finally {
      await server.stop();
    }
  });
});
