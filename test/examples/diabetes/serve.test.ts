// The diabetes prediction server (examples/diabetes/serve.py) against Vertex AI's custom container contract, over HTTP.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, waitForHttp } from '../../../functions/src/local/child-process';
import { FEATURES, instance, readRows, type Row } from './csv';
import { DATA, HEALTH, PREDICT, python, serve, train, type Server } from './python';

const post = (server: Server, body: string, path = PREDICT) =>
  fetch(server.url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('examples/diabetes serve.py (prediction server)', function () {
  this.timeout(60_000);
  let dir: string;
  let modelDir: string;
  let server: Server;
  const { rows } = readRows();
  const byId = new Map(rows.map((r) => [Number(r.row_id), r]));

  before(async () => {
    python();
    dir = mkdtempSync(join(tmpdir(), 'diabetes-serve-'));
    modelDir = join(dir, 'model');
    const r = train(DATA, modelDir);
    assert.equal(r.status, 0, r.stderr);
    server = await serve(modelDir);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('health is 503 until the model is loaded, then 200', async () => {
    // model.json as a named pipe: reading it blocks until the test writes the model into it.
    const slow = join(dir, 'slow');
    mkdirSync(slow);
    execFileSync('mkfifo', [join(slow, 'model.json')]);
    const loading = await serve(slow, { wait: 'listening' });
    try {
      const before = await fetch(loading.url + HEALTH);
      assert.equal(before.status, 503);
      assert.equal((await post(loading, JSON.stringify({ instances: [] }))).status, 503);
      writeFileSync(join(slow, 'model.json'), readFileSync(join(modelDir, 'model.json')));
      await waitForHttp(loading.url + HEALTH, loading.child, 15_000, (status) => status === 200);
    } finally {
      await loading.stop();
    }
  });

  it('a model it cannot load: health never 200, the process exits 1 naming the cause', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{"format": "something else"}');
    const failing = await serve(broken, { wait: 'listening' }).catch((error: Error) => error);
    if (failing instanceof Error) {
      assert.match(failing.message, /model not loaded.*not a vertex-retrain\.examples\.diabetes\.ridge\/v1 model/s);
    } else {
      const code = await new Promise<number | null>((resolve) =>
        failing.child.exitCode !== null ? resolve(failing.child.exitCode) : failing.child.once('exit', resolve),
      );
      await stopChild(failing.child);
      assert.equal(code, 1);
      assert.match(failing.output(), /model not loaded/);
    }
  });

  it('predicts {"predictions":[{"value"}]}: the values the training evaluation reported for the hold-out rows', async () => {
    const metrics = JSON.parse(readFileSync(join(modelDir, 'metrics.json'), 'utf8')) as {
      extra: { holdoutRowIds: number[] };
      charts: { predictedVsActual: { predicted: number }[] };
    };
    const ids = metrics.extra.holdoutRowIds;
    const res = await post(server, JSON.stringify({ instances: ids.map((id) => instance(byId.get(id) as Row)) }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { predictions: { value: number }[] };
    assert.equal(body.predictions.length, ids.length);
    body.predictions.forEach((p, i) => {
      assert.deepEqual(Object.keys(p), ['value']);
      const reported = metrics.charts.predictedVsActual[i]?.predicted as number;
      assert.ok(Math.abs(p.value - reported) < 1e-9, `${p.value} vs ${reported}`);
    });
    // The id column and Vertex's "parameters" are accepted; an empty list gets an empty answer.
    const withId = await post(
      server,
      JSON.stringify({ instances: [{ ...instance(rows[0] as Row), row_id: 1 }], parameters: {} }),
    );
    assert.equal(withId.status, 200);
    assert.deepEqual(await (await post(server, '{"instances": []}')).json(), { predictions: [] });
  });

  it('400 naming the field: unknown (with the expected columns), wrong type, out of range, missing', async () => {
    const good = instance(rows[0] as Row);
    const { bmi: _bmi, ...noBmi } = good;
    const cases: [unknown, RegExp][] = [
      [
        { ...good, glucose: 90 },
        /instances\[1\]\.glucose: unknown field; expected: age, sex, bmi, bp, s1, s2, s3, s4, s5, s6/,
      ],
      [{ ...good, age: 'fifty' }, /instances\[1\]\.age: must be number, got "fifty"/],
      [{ ...good, bmi: true }, /instances\[1\]\.bmi: must be number, got true/],
      [{ ...good, sex: 1.5 }, /instances\[1\]\.sex: must be integer, got 1.5/],
      [{ ...good, sex: 3 }, /instances\[1\]\.sex: 3 is not one of \[1, 2\]/],
      [{ ...good, age: 300 }, /instances\[1\]\.age: 300 is greater than the maximum of 120/],
      [noBmi, /instances\[1\]\.bmi: required field missing/],
      [{ ...good, s5: null }, /instances\[1\]\.s5: required field missing/],
      [[1, 2], /instances\[1\]: must be an object with the fields age, sex/],
    ];
    for (const [bad, message] of cases) {
      // The second instance is the bad one: the message names it by its index.
      const res = await post(server, JSON.stringify({ instances: [good, bad] }));
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.match(((await res.json()) as { error: string }).error, message);
    }
    // Numbers JSON.stringify cannot write: 1e999 parses as infinity in Python, NaN is Python's extension.
    for (const raw of ['1e999', 'NaN']) {
      const body = JSON.stringify({ instances: [{ ...good, s1: 0 }] }).replace('"s1":0', `"s1":${raw}`);
      const res = await post(server, body);
      assert.equal(res.status, 400, body);
      assert.match(((await res.json()) as { error: string }).error, /instances\[0\]\.s1: must be a finite number/);
    }
  });

  it('400 for a body that is not a predict request; never a 5xx for bad input', async () => {
    const bodies: [string, RegExp][] = [
      ['not json', /body: not JSON/],
      ['[1]', /body: must be an object/],
      ['{}', /instances: required/],
      ['{"instances": {}}', /instances: required, a list/],
      ['{"instance": []}', /instance: unknown field; expected: instances, parameters/],
      ['\u00ff\u00fe', /body: not JSON/],
    ];
    for (const [body, message] of bodies) {
      const res = await post(server, body);
      assert.equal(res.status, 400, body);
      assert.match(((await res.json()) as { error: string }).error, message);
    }
    const fuzz = [
      '{"instances": [null]}',
      '{"instances": [{"age": 1e999}]}',
      `{"instances": [${JSON.stringify(Object.fromEntries(FEATURES.map((f) => [f, [1]])))}]}`,
      `{"instances": [${JSON.stringify(Object.fromEntries(FEATURES.map((f) => [f, { x: 1 } as unknown])))}]}`,
      '{"instances": [{"__proto__": 1}]}',
      '"instances"',
      'null',
      '',
    ];
    for (const body of fuzz) {
      const res = await post(server, body);
      assert.ok(res.status >= 400 && res.status < 500, `${body}: ${res.status}`);
      await res.arrayBuffer();
    }
    assert.equal((await fetch(server.url + HEALTH)).status, 200, 'the server is still up');
  });

  it('413 for a body over 1.5 MB; a body just under it is read', async () => {
    const limit = 1.5 * 1024 * 1024;
    const over = await post(server, ' '.repeat(limit + 1));
    assert.equal(over.status, 413);
    assert.match(((await over.json()) as { error: string }).error, /over the 1\.5 MB limit/);
    const instances = JSON.stringify({ instances: [instance(rows[0] as Row)] });
    const under = await post(server, instances + ' '.repeat(limit - instances.length));
    assert.equal(under.status, 200);
  });

  it('answers only its routes: 404 elsewhere', async () => {
    assert.equal((await fetch(server.url + '/predict')).status, 404);
    assert.equal((await post(server, '{}', HEALTH)).status, 404);
  });
});
