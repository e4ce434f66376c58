import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, ConfigError, parseConfig } from '../../functions/src/config';

const VERTEX = {
  RETRAIN_ENV: 'vertex',
  PROJECT_ID: 'my-project',
  REGION: 'europe-west1',
  DATA_BUCKET: 'my-project-data',
  ARTIFACTS_BUCKET: 'my-project-artifacts',
  IMAGE_REPOSITORY: 'europe-west1-docker.pkg.dev/my-project/vertex-retrain',
  TRAINER_SOURCE_URI: 'gs://my-project-artifacts/source/trainer.tar.gz',
  TRAINING_EVENTS_TOPIC: 'projects/my-project/topics/training-events',
  RUN_EVENTS_TOPIC: 'vr-run-events',
  ENDPOINT_ID: '1234567890',
  MODEL_ID: 'titanic',
  TRAINING_SERVICE_ACCOUNT: 'trainer@my-project.iam.gserviceaccount.com',
  SERVING_SERVICE_ACCOUNT: 'serving@my-project.iam.gserviceaccount.com',
  BUILD_SERVICE_ACCOUNT: 'builder@my-project.iam.gserviceaccount.com',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('local mode needs nothing and has the documented defaults', () => {
    const c = parseConfig({});
    assert.equal(c.env, 'local');
    assert.equal(c.dataBucket, 'data');
    assert.equal(c.artifactsBucket, 'artifacts');
    assert.equal(c.datasetPrefix, 'datasets/');
    assert.equal(c.scoringPrefix, 'score/');
    assert.equal(c.imageName, 'trainer');
    assert.equal(c.trainingMachineType, 'n1-standard-4');
    assert.deepEqual(c.trainingMachineBands, [{ upToBytes: Infinity, machineType: 'n1-standard-4' }]);
    assert.equal(c.servingMachineType, 'n1-standard-2');
    assert.equal(c.runEventsTopic, 'run-events');
    assert.deepEqual(c.trafficPolicy, { kind: 'replace' });
    assert.equal(c.keepDeployedVersions, 2);
    assert.equal(c.maxEventAgeSeconds, 86400);
    assert.equal(c.maxDatasetBytes, 2147483648);
    assert.equal(c.trainerDir, 'trainer');
    // No gate override: the trainer manifest's gate applies (contract/gate-comparison.ts gatePolicy).
    assert.deepEqual(c.gate, {});
    assert.equal(c.logLevel, 'info');
    assert.equal(c.claimLeaseSeconds, 600);
  });

  it('local mode is the local branch of the union: no service accounts, even when some are set', () => {
    const c = parseConfig({ TRAINING_SERVICE_ACCOUNT: 'trainer@my-project.iam.gserviceaccount.com' });
    assert.equal(c.env, 'local');
    for (const key of ['trainingServiceAccount', 'servingServiceAccount', 'buildServiceAccount'])
      assert.equal(key in c, false, key);
  });

  it('reads a full vertex configuration into the vertex branch, every cloud field set', () => {
    const c = parseConfig({ ...VERTEX, TRAFFIC_POLICY: 'canary:10', GATE_METRIC: 'logLoss', GATE_FLOOR: '0.5' });
    assert.ok(c.env === 'vertex');
    // Typed as required strings on this branch: no `?? ''`, no check before use.
    const accounts: string[] = [c.trainingServiceAccount, c.servingServiceAccount, c.buildServiceAccount];
    assert.deepEqual(accounts, [
      'trainer@my-project.iam.gserviceaccount.com',
      'serving@my-project.iam.gserviceaccount.com',
      'builder@my-project.iam.gserviceaccount.com',
    ]);
    assert.equal(c.projectId, 'my-project');
    assert.deepEqual(c.trafficPolicy, { kind: 'canary', percent: 10 });
    assert.deepEqual(c.gate, { metric: 'logLoss', floor: 0.5 });
  });

  // Each variable the vertex branch requires, left out of an otherwise full vertex environment (or set empty).
  for (const name of Object.keys(VERTEX).filter((k) => k !== 'RETRAIN_ENV')) {
    for (const [how, env] of [
      ['missing', Object.fromEntries(Object.entries(VERTEX).filter(([k]) => k !== name))],
      ['empty', { ...VERTEX, [name]: '' }],
    ] as const) {
      it(`vertex mode with ${name} ${how}: one problem, naming it`, () => {
        assert.deepEqual(problemsOf(env), [`${name}: required when RETRAIN_ENV=vertex`]);
      });
    }
  }

  it('vertex mode names every missing cloud variable at once', () => {
    const problems = problemsOf({ RETRAIN_ENV: 'vertex' });
    const named = problems.map((p) => p.split(':')[0]);
    assert.deepEqual(
      named.sort(),
      Object.keys(VERTEX)
        .filter((k) => k !== 'RETRAIN_ENV')
        .sort(),
    );
    for (const p of problems) assert.match(p, /required when RETRAIN_ENV=vertex/);
  });

  it('empty strings count as unset', () => {
    assert.deepEqual(problemsOf({ ...VERTEX, MODEL_ID: '' }), ['MODEL_ID: required when RETRAIN_ENV=vertex']);
    assert.equal(parseConfig({ KEEP_DEPLOYED_VERSIONS: '' }).keepDeployedVersions, 2);
  });

  const bad: [string, string][] = [
    ['RETRAIN_ENV', 'aws'],
    ['DATA_BUCKET', 'Not_A_Bucket'],
    ['ARTIFACTS_BUCKET', 'x'],
    ['DATASET_PREFIX', 'datasets'],
    ['DATASET_PREFIX', '/datasets/'],
    ['DATASET_PREFIX', 'rejected/in/'],
    ['SCORING_PREFIX', 'score'],
    ['SCORING_PREFIX', 'rejected/score/'],
    ['SCORING_PREFIX', 'datasets/score/'],
    ['SCORING_PREFIX', 'datasets/'],
    ['PROJECT_ID', 'My Project'],
    ['TRAFFIC_POLICY', 'canary:0'],
    ['TRAFFIC_POLICY', 'bluegreen'],
    ['KEEP_DEPLOYED_VERSIONS', '1'],
    ['KEEP_DEPLOYED_VERSIONS', 'two'],
    ['MAX_EVENT_AGE_SECONDS', '-1'],
    ['MAX_DATASET_BYTES', '1.5'],
    ['GATE_METRIC', 'f-1'],
    ['GATE_FLOOR', 'high'],
    ['GATE_TOLERANCE', '-0.1'],
    ['LOG_LEVEL', 'verbose'],
    ['CLAIM_LEASE_SECONDS', '5'],
    ['TRAINING_SERVICE_ACCOUNT', 'not-an-email'],
    ['BUILD_TRIGGER_ID', 'trainer-on-push'],
    ['TRAINER_SOURCE_POINTER', 'source/pushed/current.json'],
    ['TRAINING_MACHINE_BANDS', '100MB=n1-standard-4'],
    ['TRAINING_MACHINE_BANDS', '1GB=n1-standard-4,100MB=n1-standard-8,*=n1-highmem-16'],
  ];
  for (const [name, value] of bad) {
    it(`${name}=${JSON.stringify(value)} is rejected, naming the variable`, () => {
      const problems = problemsOf({ [name]: value });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(
        problems[0] as string,
        new RegExp(`^${name}: .*got "${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`),
      );
    });
  }

  describe('TRAINING_MACHINE_BANDS', () => {
    it('unset or blank: one band of TRAINING_MACHINE_TYPE, whatever that is', () => {
      for (const bands of [undefined, '', '   ']) {
        const c = parseConfig({ TRAINING_MACHINE_TYPE: 'e2-standard-8', TRAINING_MACHINE_BANDS: bands });
        assert.deepEqual(c.trainingMachineBands, [{ upToBytes: Infinity, machineType: 'e2-standard-8' }]);
      }
    });

    it('set: the parsed bands, TRAINING_MACHINE_TYPE kept for records from before the bands', () => {
      const c = parseConfig({ TRAINING_MACHINE_BANDS: '100MB=n1-standard-4, 1GiB=n1-standard-8, *=n1-highmem-16' });
      assert.deepEqual(c.trainingMachineBands, [
        { upToBytes: 100e6, machineType: 'n1-standard-4' },
        { upToBytes: 2 ** 30, machineType: 'n1-standard-8' },
        { upToBytes: Infinity, machineType: 'n1-highmem-16' },
      ]);
      assert.equal(c.trainingMachineType, 'n1-standard-4');
    });

    const refused: [string, RegExp][] = [
      ['100MB=n1-standard-4,2GB n1-standard-8,*=n1-highmem-16', /"2GB n1-standard-8": expected <size>=<machine type>/],
      ['100QB=n1-standard-4,*=n1-highmem-16', /"100QB=n1-standard-4": "100QB" is not a size/],
      ['1GB=n1-standard-4,1GB=n1-standard-8,*=n1-highmem-16', /"1GB=n1-standard-8": sizes must increase/],
      ['*=N1_STANDARD_4', /"\*=N1_STANDARD_4": "N1_STANDARD_4" is not a machine type/],
    ];
    for (const [value, message] of refused) {
      it(`refuses ${JSON.stringify(value)} at load, naming the variable and the entry`, () => {
        const problems = problemsOf({ TRAINING_MACHINE_BANDS: value });
        assert.equal(problems.length, 1, problems.join('\n'));
        assert.match(problems[0] as string, /^TRAINING_MACHINE_BANDS: /);
        assert.match(problems[0] as string, message);
      });
    }
  });

  it('the error message lists every problem', () => {
    assert.throws(() => parseConfig({ GATE_METRIC: 'f 1', LOG_LEVEL: 'loud' }), /GATE_METRIC[\s\S]*LOG_LEVEL/);
  });

  it('exports exactly the variables it reads', () => {
    assert.equal(new Set(CONFIG_VARIABLES).size, CONFIG_VARIABLES.length);
    assert.equal(CONFIG_VARIABLES.length, 32);
    // An unknown variable is ignored; every listed one is validated (a bad value for each is caught above or here).
    for (const name of CONFIG_VARIABLES) assert.match(name, /^[A-Z][A-Z0-9_]+$/);
  });
});
