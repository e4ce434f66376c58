import assert from 'node:assert/strict';
import type { EndpointState } from '../../../functions/src/ports';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import {
  holdoutFigures,
  readRunMetrics,
  servingRun,
  toEvaluation,
  type RunMetrics,
} from '../../../functions/src/engine/metrics';
import { parseConfig } from '../../../functions/src/config';
import { MemoryObjectStore } from '../../support/memory-store';
import type { StepContext } from '../../../functions/src/engine/context';

const V1 = { contract: 'vertex-retrain.metrics/v1', rows: { total: 442, holdout: 89 } };
const REGRESSION = { ...V1, task: 'regression', metrics: { mae: 42.1, rmse: 53.9, r2: 0.45 } };

async function read(trainerDir: string, file: unknown, env: Record<string, string> = {}): Promise<RunMetrics> {
  const store = new MemoryObjectStore();
  if (file !== undefined)
    await store.write(
      'artifacts',
      'runs/r1/model/metrics.json',
      typeof file === 'string' ? file : JSON.stringify(file),
    );
  const ctx = { ports: { store }, config: parseConfig({ TRAINER_DIR: trainerDir, ...env }) } as unknown as Pick<
    StepContext,
    'ports' | 'config'
  >;
  return readRunMetrics(ctx, 'gs://artifacts/runs/r1/');
}

describe('engine/metrics', () => {
  it('holdoutFigures: the usable candidate figures of metrics.json v1, a null metric left out', () => {
    assert.deepEqual(holdoutFigures({ metrics: { accuracy: 0.8, rocAuc: null, logLoss: 0.44 } }), {
      accuracy: 0.8,
      logLoss: 0.44,
    });
  });

  it('readRunMetrics: the regression trainer’s file and its gate from trainer.yaml (rmse, lower is better)', async () => {
    const m = await read('examples/diabetes', REGRESSION);
    assert.deepEqual(m.file.metrics, REGRESSION.metrics);
    assert.deepEqual(m.policy, { metric: 'rmse', direction: 'lower', floor: 65, tolerance: 0 });
  });

  it('readRunMetrics: GATE_* override the manifest’s gate', async () => {
    const m = await read('examples/diabetes', REGRESSION, { GATE_METRIC: 'r2', GATE_FLOOR: '0.3' });
    assert.deepEqual(m.policy, { metric: 'r2', direction: 'higher', floor: 0.3, tolerance: 0 });
  });

  const malformed: [string, string, unknown, RegExp][] = [
    ['missing', 'examples/diabetes', undefined, /metrics\.json does not exist/],
    ['not JSON', 'examples/diabetes', '{"contract":', /metrics\.json: not valid JSON/],
    ['a required field missing', 'examples/diabetes', { ...REGRESSION, rows: {} }, /rows\.total: is required/],
    [
      'an undeclared metric',
      'examples/diabetes',
      { ...REGRESSION, metrics: { accuracy: 0.8 } },
      /metrics\.accuracy: not declared in trainer\.yaml metrics \(mae, rmse, r2\)/,
    ],
    ['another task than the manifest’s', 'trainer', REGRESSION, /task: "regression" but trainer\.yaml says/],
    ['the former unversioned shape', 'trainer', { holdout: { accuracy: 0.8 } }, /contract: is required/],
  ];
  for (const [what, dir, file, reason] of malformed)
    it(`readRunMetrics fails with the field named: ${what}`, async () => {
      await assert.rejects(read(dir, file), (err: Error) => {
        assert.equal(err.name, 'MetricsError');
        assert.match(err.message, /^gs:\/\/artifacts\/runs\/r1\/model\/metrics\.json/);
        assert.match(err.message, reason);
        return true;
      });
    });

  it('readRunMetrics: a GATE_METRIC the manifest does not declare fails the run naming it', async () => {
    await assert.rejects(read('examples/diabetes', REGRESSION, { GATE_METRIC: 'accuracy' }), /GATE_METRIC: "accuracy"/);
  });

  it('servingRun finds the run behind the serving deployed model', () => {
    const endpoint: EndpointState = {
      name: 'e',
      trafficSplit: { '11': 90, '12': 10 },
      deployedModels: [
        { id: '11', model: 'm', modelVersionId: '1' },
        { id: '12', model: 'm', modelVersionId: '2' },
      ],
    };
    const run = (id: string, deployedModelId: string): RunRecord => ({
      ...newRunRecord(id, 'dataset-drop', '2026-01-01T00:00:00Z'),
      state: 'DEPLOYED',
      deploy: { deployedModelId },
    });
    assert.equal(servingRun(endpoint, [run('a', '12'), run('b', '11')])?.runId, 'b');
    assert.equal(servingRun({ ...endpoint, trafficSplit: {} }, [run('b', '11')]), undefined);
    assert.equal(servingRun(endpoint, []), undefined);
  });

  it('toEvaluation keeps the contract’s names and the task (the adapter maps them to its schema)', () => {
    assert.deepEqual(toEvaluation('r', { mae: 42.1, rmse: 53.9 }, 'regression'), {
      displayName: 'holdout-r',
      task: 'regression',
      metrics: { mae: 42.1, rmse: 53.9 },
    });
  });
});
