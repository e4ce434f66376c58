import assert from 'node:assert/strict';
import { dashboardView, reportHref } from '../../../../functions/src/local/dashboard/model';
import type { RunRecord } from '../../../../functions/src/pipeline/run-record';
import type { EndpointState } from '../../../../functions/src/ports';
import {
  DM_A,
  DM_B,
  endpointAfterRollback,
  ENDPOINT,
  heldRun,
  rejectedRun,
  ROLLBACK,
  RUN_A,
  RUN_B,
  SCORING_RUN,
  scoredRun,
  twoRunsAndARollback,
} from './sample-runs';

const NOW = new Date('2026-12-05T00:00:00.000Z');
const EMPTY: EndpointState = { name: ENDPOINT, deployedModels: [], trafficSplit: {} };

describe('local/dashboard/model', () => {
  it('two runs and a rollback: newest first, traffic and split from the endpoint, the rollback once', () => {
    const v = dashboardView(twoRunsAndARollback(), endpointAfterRollback(), NOW);
    assert.equal(v.generatedAt, NOW.toISOString());
    assert.deepEqual(
      v.runs.map((r) => [r.runId, r.state, r.version, r.trafficPercent, r.reportHref]),
      [
        [RUN_B, 'DEPLOYED', 'v2', 0, `runs/${RUN_B}/report`],
        [RUN_A, 'DEPLOYED', 'v1', 100, `runs/${RUN_A}/report`],
      ],
    );
    assert.deepEqual(
      v.endpoint.versions.map((d) => [d.deployedModelId, d.version, d.runId, d.percent]),
      [
        [DM_A, 'v1', RUN_A, 100],
        [DM_B, 'v2', RUN_B, 0],
      ],
    );
    assert.deepEqual(v.endpoint.split, [{ deployedModelId: DM_A, percent: 100, label: `v1 · ${RUN_A}` }]);
    assert.deepEqual(v.trafficEvents, [{ ...ROLLBACK }]);
    assert.deepEqual(
      v.gate?.points.map((p) => [p.label, p.value, p.threshold, p.promote, p.serving]),
      [
        ['v1', 0.8212, 0.75, true, true],
        ['v2', 0.8379, 0.8112, true, false],
      ],
    );
  });

  it('a scoring run: its kind, rows scored, the version it scored with (by the run that deployed it), the file', () => {
    const v = dashboardView([...twoRunsAndARollback(), scoredRun()], endpointAfterRollback(), NOW);
    const row = v.runs.find((r) => r.runId === SCORING_RUN);
    assert.equal(row?.kind, 'scoring');
    assert.deepEqual(row?.scoring, {
      rowsScored: 418,
      version: 'v1',
      modelVersion: 'projects/local-project/locations/us-central1/models/titanic@1',
      servingRunId: RUN_A,
      predictionsHref: `runs/${SCORING_RUN}/predictions`,
      predictionsFile: 'test.predictions.csv',
    });
    assert.equal(row?.gate, undefined);
    assert.equal(row?.reportHref, undefined);
    assert.ok(v.runs.filter((r) => r.runId !== SCORING_RUN).every((r) => r.kind === 'training' && !r.scoring));
    // Still scoring, its deploying run not in the ledger: the registry version only, no link yet.
    const started = {
      ...scoredRun(),
      state: 'SCORING' as const,
      scoring: { ...scoredRun().scoring, summary: undefined, predictionsUri: undefined },
    };
    const early = dashboardView([started], endpointAfterRollback(), NOW).runs[0]?.scoring;
    assert.deepEqual(early, {
      modelVersion: 'projects/local-project/locations/us-central1/models/titanic@1',
      servingRunId: RUN_A,
    });
  });

  it('a canary split: both slices, largest first, and an id the ledger does not know shown as the id', () => {
    const endpoint: EndpointState = {
      ...endpointAfterRollback(),
      trafficSplit: { [DM_A]: 10, [DM_B]: 80, '999': 10 },
    };
    endpoint.deployedModels.push({ id: '999', model: 'm', modelVersionId: '9' });
    const v = dashboardView(twoRunsAndARollback(), endpoint, NOW);
    assert.deepEqual(
      v.endpoint.split.map((s) => [s.label, s.percent]),
      [
        [`v2 · ${RUN_B}`, 80],
        [`v1 · ${RUN_A}`, 10], // equal shares: by deployed model id
        ['999', 10],
      ],
    );
    assert.deepEqual(
      v.runs.map((r) => r.trafficPercent),
      [80, 10],
    );
    assert.equal(v.endpoint.versions.find((d) => d.deployedModelId === '999')?.runId, undefined);
  });

  it('a run whose model is no longer on the endpoint has no traffic figure (not 0 %)', () => {
    const v = dashboardView(twoRunsAndARollback(), EMPTY, NOW);
    assert.deepEqual(
      v.runs.map((r) => r.trafficPercent),
      [undefined, undefined],
    );
    assert.deepEqual(v.endpoint.split, []);
  });

  it('the gate series: runs without a usable candidate left out, another metric counted, not drawn', () => {
    const [a, b] = twoRunsAndARollback() as [RunRecord, RunRecord];
    const old: RunRecord = {
      ...heldRun(),
      runId: 'old-auc',
      createdAt: '2026-11-01T00:00:00Z',
      gate: { ...heldRun().gate!, metric: 'rocAuc', candidate: 0.9 },
    };
    const noCandidate: RunRecord = { ...heldRun(), runId: 'nan', gate: { ...heldRun().gate!, candidate: null } };
    const v = dashboardView([b, old, noCandidate, rejectedRun(), a], EMPTY, NOW);
    assert.equal(v.gate?.metric, 'accuracy');
    assert.equal(v.gate?.otherMetricRuns, 1);
    assert.deepEqual(
      v.gate?.points.map((p) => p.runId),
      [RUN_A, RUN_B],
    );
    assert.equal(dashboardView([rejectedRun()], EMPTY, NOW).gate, undefined);
  });

  it('a held then overridden run is drawn as held by the gate, marked overridden', () => {
    const overridden: RunRecord = {
      ...heldRun(),
      state: 'DEPLOYED',
      override: { by: 'ana', at: '2026-12-04T09:00:00Z' },
    };
    const [p] = dashboardView([overridden], EMPTY, NOW).gate?.points ?? [];
    assert.deepEqual([p?.promote, p?.overridden], [false, true]);
    assert.equal(dashboardView([overridden], EMPTY, NOW).runs[0]?.gate?.overriddenBy, 'ana');
  });

  it('no report link before a report exists; the run id is URL-encoded in the link', () => {
    const v = dashboardView([rejectedRun()], EMPTY, NOW);
    assert.equal(v.runs[0]?.reportHref, undefined);
    assert.equal(reportHref('a b/c'), 'runs/a%20b%2Fc/report');
  });
});
