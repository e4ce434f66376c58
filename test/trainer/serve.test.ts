import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { buildArtifact, serializeArtifact } from '../../trainer/src/artifact';
import { parseTrainingSet } from '../../trainer/src/preprocess';
import { INSTANCE_FIELDS, loadPredictor, startServing } from '../../trainer/src/serve';
import { fitModel } from '../../trainer/src/train';
import { jsonLogger } from '../../trainer/src/server/json-log';
import type { PredictionServer } from '../../trainer/src/server/prediction-server';
import { FakePredictor } from './server/fake-predictor';
import { freePort } from '../../functions/src/local/child-process';

describe('serve (the prediction server command)', () => {
  let dir: string;
  let server: PredictionServer | undefined;
  const silent = jsonLogger('error', () => {});
  const fakeProcess = () => Object.assign(new EventEmitter(), { exit: sinon.spy() });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-test-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the model in AIP_STORAGE_URI on AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE', async () => {
    await writeFile(join(dir, 'model.json'), '{"model":"fake"}');
    const parsed: string[] = [];
    const port = await freePort();
    server = await startServing({
      env: {
        AIP_STORAGE_URI: dir,
        AIP_HTTP_PORT: String(port),
        AIP_HEALTH_ROUTE: '/v1/endpoints/9/deployedModels/8',
        AIP_PREDICT_ROUTE: '/v1/endpoints/9/deployedModels/8:predict',
      },
      argv: ['--host', '127.0.0.1'],
      parseArtifact: (text) => {
        parsed.push(text);
        return new FakePredictor();
      },
      logger: silent,
      process: fakeProcess(),
    });
    await server.loaded;
    assert.deepEqual(parsed, ['{"model":"fake"}']);
    const base = `http://127.0.0.1:${port}`;
    await request(base).get('/v1/endpoints/9/deployedModels/8').expect(200);
    const res = await request(base)
      .post('/v1/endpoints/9/deployedModels/8:predict')
      .send({ instances: [{ Sex: 'female', Pclass: 1 }], parameters: {} })
      .expect(200);
    assert.deepEqual(res.body, { predictions: [{ survived: 1, probability: 0.8999999999999999 }] });
    await request(base).get('/health').expect(404);
  });

  it('with the real model: an unknown or misspelled field is a 400 naming it, missing fields are imputed', async () => {
    const rows = parseTrainingSet(readFileSync('test/fixtures/titanic/train.csv'));
    const artifact = buildArtifact(fitModel(rows), {
      codeVersion: 'test',
      seed: 42,
      trainingData: { uri: 'train.csv', sha256: '-', rows: rows.length },
    });
    await writeFile(join(dir, 'model.json'), serializeArtifact(artifact));
    const port = await freePort();
    server = await startServing({
      env: { AIP_STORAGE_URI: dir, AIP_HTTP_PORT: String(port), SERVE_HOST: '127.0.0.1' },
      argv: [],
      logger: silent,
      process: fakeProcess(),
    });
    assert.equal((await server.loaded).status, 'ready');
    const base = `http://127.0.0.1:${port}`;
    const predict = (instances: unknown[]) => request(base).post('/predict').send({ instances });

    const misspelled = await predict([{ pclass: 1, sex: 'female', age: 30 }]).expect(400);
    assert.deepEqual(misspelled.body.error.unknownFields, ['pclass', 'sex', 'age']);
    assert.deepEqual(misspelled.body.error.expectedFields, [...INSTANCE_FIELDS.expected]);
    assert.match(misspelled.body.error.message, /"pclass" \(did you mean "Pclass"\?\)/);
    assert.match(
      misspelled.body.error.message,
      /expected columns: Pclass, Name, Sex, Age, SibSp, Parch, Ticket, Fare, Cabin, Embarked/,
    );
    const foo = await predict([{ Foo: 1 }]).expect(400);
    assert.deepEqual(foo.body.error.unknownFields, ['Foo']);

    // Correct names, most fields missing: imputed, and a prediction; a Kaggle row with its id and label is accepted.
    const ok = await predict([
      { Pclass: 1, Sex: 'female', Age: 30 },
      { PassengerId: 1, Survived: 0, Pclass: 3, Sex: 'male' },
    ]).expect(200);
    assert.equal(ok.body.predictions.length, 2);
    assert.ok(ok.body.predictions[0].probability > ok.body.predictions[1].probability);
  });

  it('closes and exits 1 when the model cannot be loaded', async () => {
    const proc = fakeProcess();
    const lines: string[] = [];
    const logger = jsonLogger('info', (line) => lines.push(line));
    server = await startServing({
      env: { AIP_STORAGE_URI: dir, AIP_HTTP_PORT: String(await freePort()), SERVE_HOST: '127.0.0.1' },
      argv: [],
      parseArtifact: () => new FakePredictor(),
      logger,
      process: proc,
    });
    assert.equal((await server.loaded).status, 'failed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    sinon.assert.calledOnceWithExactly(proc.exit, 1);
    const failure = lines.map((l) => JSON.parse(l)).find((l) => l.severity === 'ERROR');
    assert.equal(failure.message, 'model failed to load');
    assert.match(failure.err.message, /cannot read the model artifact .*model\.json/);
  });

  describe('loadPredictor', () => {
    it('names the file when it is missing', async () => {
      await assert.rejects(
        loadPredictor(dir, () => new FakePredictor()),
        /cannot read the model artifact .*model\.json: ENOENT/,
      );
    });

    it('names the file when the artifact parser rejects it', async () => {
      await writeFile(join(dir, 'model.json'), 'not a model');
      await assert.rejects(
        loadPredictor(dir, () => {
          throw new Error('schemaVersion 9 is not supported');
        }),
        /model\.json is not a usable model artifact: schemaVersion 9 is not supported/,
      );
    });
  });

  describe('as a process', () => {
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--require', 'tsx/cjs', 'trainer/src/serve.ts', '--host', '127.0.0.1'],
          { env: { PATH: process.env.PATH, ...env }, timeout: 15_000 },
          (_err, stdout) => resolve({ code: child.exitCode, stdout }),
        );
      });

    it('exits 2 naming the setting when the environment is unusable, and 1 when the model is missing', async () => {
      const [noStorage, noModel] = await Promise.all([
        run({ AIP_HTTP_PORT: '1' }),
        run({ AIP_STORAGE_URI: dir, AIP_HTTP_PORT: String(await freePort()) }),
      ]);
      assert.equal(noStorage.code, 2);
      assert.match(noStorage.stdout, /"severity":"ERROR".*AIP_STORAGE_URI is not set/);
      assert.equal(noModel.code, 1);
      assert.match(noModel.stdout, /prediction server listening/);
      assert.match(
        noModel.stdout,
        /"severity":"ERROR".*"message":"model failed to load".*cannot read the model artifact .*model\.json/,
      );
    });
  });
});
