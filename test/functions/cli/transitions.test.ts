import assert from 'node:assert/strict';
import { enteredStates, transitionLines } from '../../../functions/src/cli/transitions';
import type { TransitionRun } from '../../../functions/src/cli/transitions';
import type { BatchSummary } from '../../../functions/src/pipeline/batch-results';
import type { RunState } from '../../../functions/src/pipeline/run-record';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const FLOW: RunState[] = ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED'];

/** The run as it stands after entering `states` (one second apart), with the fields those states fill in. */
function run(states: RunState[], extra: Partial<TransitionRun> = {}): TransitionRun {
  const stages = Object.fromEntries(states.map((s, i) => [s, t(i)]));
  return {
    runId: 'train-abc123',
    state: states.at(-1) as RunState,
    updatedAt: t(states.length),
    stages,
    errors: [],
    dataset: {
      uri: 'gs://data/datasets/train.csv',
      bucket: 'data',
      name: 'datasets/train.csv',
      generation: '17',
      size: 10,
      rows: 891,
    },
    build: { id: 'b-1' },
    training: { endpointVersion: 3, name: 'projects/p/locations/l/trainingPipelines/9' },
    ...extra,
  };
}

const gate = (promote: boolean) => ({
  promote,
  metric: 'accuracy' as const,
  direction: 'higher' as const,
  candidate: promote ? 0.84 : 0.7,
  serving: 0.8,
  floor: 0.75,
  tolerance: 0.01,
  threshold: 0.79,
  reason: promote ? 'better than serving' : 'below the serving version',
});

const ctx = { predictUrl: 'http://127.0.0.1:8780/v1/x:predict', localPath: (u: string) => `/stack/${u.slice(5)}` };

describe('cli/transitions', () => {
  const rows: { name: string; before?: TransitionRun; after: TransitionRun; expect: RegExp[]; flags?: string }[] = [
    { name: 'a new record still RECEIVED says nothing yet', after: run(['RECEIVED']), expect: [] },
    {
      name: 'RECEIVED → BUILDING: accepted, with rows and build',
      before: run(['RECEIVED']),
      after: run(['RECEIVED', 'BUILDING']),
      expect: [/^run train-abc123 {2}accepted gs:\/\/data\/datasets\/train\.csv#17 \(891 rows\); building .*build b-1/],
    },
    {
      name: 'BUILDING → TRAINING: image built with its duration, training version',
      before: run(['RECEIVED', 'BUILDING']),
      after: run(['RECEIVED', 'BUILDING', 'TRAINING']),
      expect: [/image built in 1\.0 s; training v3 \(projects\/p\/locations\/l\/trainingPipelines\/9\)$/],
    },
    {
      name: 'TRAINING → DEPLOYING: the gate passed with its figures',
      before: run(FLOW.slice(0, 3)),
      after: run(FLOW.slice(0, 4), { gate: gate(true) }),
      expect: [/trained in 1\.0 s; gate passed \(accuracy 0\.8400 vs threshold 0\.7900\); deploying/],
    },
    {
      name: 'DEPLOYING → DEPLOYED: the version, its traffic and the endpoint URL',
      before: run(FLOW.slice(0, 4)),
      after: run(FLOW, { deploy: { deployedModelId: '42', traffic: { '42': 100 } } }),
      expect: [/DEPLOYED: v3 serving with 100 % of traffic at POST http:\/\/127\.0\.0\.1:8780\/v1\/x:predict$/],
    },
    {
      name: 'TRAINING → HELD: the gate figures and the promote command',
      before: run(FLOW.slice(0, 3)),
      after: run([...FLOW.slice(0, 3), 'HELD'], { gate: gate(false) }),
      expect: [
        /HELD by the quality gate \(accuracy 0\.7000 vs threshold 0\.7900: below the serving version\); to deploy it anyway: npx vertex-retrain promote train-abc123$/,
      ],
    },
    {
      name: 'HELD → DEPLOYING after `promote`: says who overrode the gate, not that it passed',
      before: run([...FLOW.slice(0, 3), 'HELD'], { gate: gate(false) }),
      after: run([...FLOW.slice(0, 3), 'HELD', 'DEPLOYING'], {
        gate: gate(false),
        override: { at: t(9), by: 'ada' },
      }),
      expect: [/ promoted by ada despite the quality gate \(accuracy 0\.7000\); deploying to the endpoint$/],
    },
    {
      name: 'HELD on a stack folder of its own: the promote command carries --dir',
      before: run(FLOW.slice(0, 3)),
      after: run([...FLOW.slice(0, 3), 'HELD'], { gate: gate(false) }),
      flags: '--dir /tmp/s',
      expect: [/npx vertex-retrain --dir \/tmp\/s promote train-abc123$/],
    },
    {
      name: 'RECEIVED → REJECTED: the first two reasons, how many more, the local report',
      before: run(['RECEIVED']),
      after: run(['RECEIVED', 'REJECTED'], {
        rejection: {
          reasons: ['missing column Survived', 'Age: 3 bad values', 'Fare: 1 bad value'],
          problemCount: 5,
          reportUri: 'gs://artifacts/runs/train-abc123/rejection.json',
        },
      }),
      expect: [
        /REJECTED gs:\/\/data\/datasets\/train\.csv#17: missing column Survived; Age: 3 bad values \(\+3 more\); full list: \/stack\/artifacts\/runs\/train-abc123\/rejection\.json$/,
      ],
    },
    {
      name: 'TRAINING → FAILED: the last error and the show command',
      before: run(FLOW.slice(0, 3)),
      after: run([...FLOW.slice(0, 3), 'FAILED'], {
        errors: [{ at: t(4), stage: 'TRAINING', reason: 'TRAINING_FAILED', message: 'exit 1' }],
      }),
      expect: [/FAILED at TRAINING: TRAINING_FAILED: exit 1; details: npx vertex-retrain show train-abc123$/],
    },
    {
      name: 'several states between two views: one line each, in order',
      before: run(['RECEIVED']),
      after: run(FLOW, { gate: gate(true), deploy: { deployedModelId: '42', traffic: { '42': 100 } } }),
      expect: [/ accepted /, / image built /, / trained /, / DEPLOYED: /],
    },
    {
      name: 'first seen already moving (no before): every state it entered',
      after: run(['RECEIVED', 'BUILDING']),
      expect: [/ accepted /],
    },
    {
      name: 'a rollback that gave this run the traffic: who, and the split',
      before: run(FLOW, { deploy: { deployedModelId: '41', traffic: { '41': 100 } } }),
      after: run(FLOW, {
        deploy: {
          deployedModelId: '41',
          traffic: { '41': 100 },
          trafficChanges: [
            {
              at: t(20),
              action: 'rollback',
              to: 'train-abc123',
              from: 'new-2',
              by: 'ada',
              split: { '41': 100, '42': 0 },
            },
          ],
        },
      }),
      expect: [/ rollback by ada: this run now serves \(traffic 41: 100 %, 42: 0 %\)$/],
    },
    {
      name: 'the same rollback seen on the run that lost the traffic: nothing there',
      before: run(FLOW, { runId: 'new-2' }),
      after: run(FLOW, {
        runId: 'new-2',
        deploy: {
          trafficChanges: [{ at: t(20), action: 'rollback', to: 'train-abc123', by: 'ada', split: { '41': 100 } }],
        },
      }),
      expect: [],
    },
    {
      name: 'a scoring run: accepted with the version it scores with, then where its predictions are',
      before: undefined,
      after: run(['RECEIVED', 'SCORING', 'SCORED'], {
        dataset: { uri: 'gs://data/score/test.csv', bucket: 'data', name: 'score/test.csv', generation: '5', size: 9 },
        scoring: {
          model: { name: 'projects/p/locations/l/models/m', versionId: '4' },
          predictionsUri: 'gs://data/score/test.predictions.csv',
          summary: {
            rows: 418,
            modelVersion: 'projects/p/locations/l/models/m@4',
            durationSeconds: 1,
            cost: {} as BatchSummary['cost'],
          },
        },
      }),
      expect: [
        / accepted gs:\/\/data\/score\/test\.csv#5 to score; batch prediction with projects\/p\/locations\/l\/models\/m@4$/,
        /SCORED: predictions in .*score\/test\.predictions\.csv \(418 rows in 1\.0 s\)$/,
      ],
    },
    {
      name: 'the same state again (another field changed): nothing',
      before: run(FLOW.slice(0, 3)),
      after: { ...run(FLOW.slice(0, 3)), updatedAt: t(30), metrics: { accuracy: 0.8 } },
      expect: [],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const lines = transitionLines(row.before, row.after, { ...ctx, ...(row.flags ? { cliFlags: row.flags } : {}) });
      assert.equal(lines.length, row.expect.length, lines.join('\n'));
      row.expect.forEach((re, i) => assert.match(lines[i] ?? '', re));
    });
  }

  it('orders entered states by their time, not by the order of the keys', () => {
    const after = run(['RECEIVED', 'BUILDING', 'TRAINING']);
    after.stages = { TRAINING: t(5), RECEIVED: t(0), BUILDING: t(2) };
    assert.deepEqual(enteredStates(undefined, after), ['RECEIVED', 'BUILDING', 'TRAINING']);
  });
});
