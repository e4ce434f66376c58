import assert from 'node:assert/strict';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';
import { reportInputFromRecord, reportMetrics } from '../../../functions/src/report/from-run-record';
import { renderRunReport } from '../../../functions/src/report/render-run-report';
import { trafficShown } from '../../../functions/src/report/record-sections';
import { FILE, METRICS, TITANIC } from './sample-run';

const held: RunRecord = {
  ...newRunRecord('train-abc', 'dataset-drop', '2026-01-01T00:00:00Z', {
    uri: 'gs://data/datasets/train.csv',
    bucket: 'data',
    name: 'datasets/train.csv',
    generation: '17',
    size: 61194,
  }),
  state: 'DEPLOYED',
  build: { id: 'b1', imageUri: 'img@sha256:1', imageDigest: 'sha256:1' },
  training: { name: 'tp/1', endpointVersion: 2, model: { name: 'projects/p/locations/r/models/m', versionId: '2' } },
  gate: {
    promote: false,
    metric: 'accuracy',
    direction: 'higher',
    candidate: 0.6,
    serving: 0.84,
    floor: 0.75,
    tolerance: 0.01,
    threshold: 0.83,
    reason: 'accuracy 0.6 fails the floor (>= 0.75)',
  },
  override: { by: 'ana', at: '2026-01-02T00:00:00Z' },
  deploy: { deployedModelId: '42', traffic: { '42': 100 } },
};

describe('report/from-run-record', () => {
  it('copies the record into the report input, and says the gate was overridden', () => {
    const input = reportInputFromRecord(held, { metrics: METRICS, endpoint: 'projects/p/locations/r/endpoints/e' });
    assert.equal(input.runId, 'train-abc');
    assert.equal(input.training?.endpointVersion, 2);
    assert.equal(input.endpoint, 'projects/p/locations/r/endpoints/e');
    assert.deepEqual(input.deploy, held.deploy);
    assert.deepEqual(trafficShown(input), { '42': 100 });
    assert.equal(input.metrics, METRICS);
    const page = renderRunReport(input);
    assert.match(page, /fails the floor \(&gt;= 0\.75\) — overridden: deployed by ana/);
    assert.match(page, /<code>42<\/code> → 100%/);
    assert.deepEqual(trafficShown({ deploy: { ...held.deploy, undeployedAt: '2026-01-03T00:00:00Z' } }), { '42': 0 });
  });

  it('a REJECTED record maps without lineage beyond the dataset', () => {
    const rejected: RunRecord = {
      ...newRunRecord('bad', 'dataset-drop', '2026-01-01T00:00:00Z'),
      state: 'REJECTED',
      rejection: { reasons: ['row 2: Sex missing'], problemCount: 1 },
    };
    const input = reportInputFromRecord(rejected);
    assert.deepEqual(input.rejection?.reasons, ['row 2: Sex missing']);
    assert.equal(input.build, undefined);
    assert.equal(input.training, undefined);
  });

  it('metrics.json is checked against the manifest; a malformed one is reported with the field named', () => {
    assert.deepEqual(reportMetrics(JSON.stringify(FILE), TITANIC), METRICS);
    assert.deepEqual(reportMetrics(JSON.stringify({ holdout: { accuracy: 0.8 } }), TITANIC), {
      error:
        'metrics.json: contract: is required; task: is required; rows: is required; metrics: is required; holdout.accuracy: is not a known field',
    });
    assert.equal(reportMetrics(undefined, TITANIC), undefined);
  });
});
