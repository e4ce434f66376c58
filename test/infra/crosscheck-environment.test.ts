// Terraform's function environment against the functions' config module: the same variable names both ways, and the
// values a deployment would really get (local.function_environment evaluated for a sample deployment) accepted by
// the code's own parser in vertex mode, each of the right shape and pointing at the right resource.
import assert from 'node:assert/strict';
import { CONFIG_VARIABLES, parseConfig } from '../../functions/src/config';
import { gcpSettingsFromConfig } from '../../functions/src/gcp/settings-from-config';
import { parseVertexConfig } from '../support/gcp-settings';
import { gatePolicy } from '../../functions/src/contract/gate-comparison';
import { loadManifestSync } from '../../functions/src/contract/manifest';
import { endpointName } from '../../functions/src/gcp/settings';
import { parseGsUri } from '../../functions/src/pipeline/gs-uri';
import { configProblems, keySetProblems } from './crosscheck';
import { TerraformConfig } from './terraform-config';
import { evaluateAttribute, evaluateStringMap } from './terraform-eval';
import { SAMPLE } from './sample-deployment';
import { validationPredicate } from './terraform-validation';
import { loadManifest } from '../../functions/src/contract/manifest';

/**
 * Variables Terraform checks beyond their own validation, by a lifecycle precondition (named by its resource): the
 * test emulates the precondition and checks that it is there.
 */
const PRECONDITIONS: Record<
  string,
  { resource: string; mentions: string[]; accepts: (v: unknown) => Promise<boolean> }
> = {
  gate_metric: {
    resource: 'google_storage_bucket_object.function_source',
    mentions: ['var.gate_metric', 'local.trainer_manifest.metrics'],
    // The metric must be one the default trainer's manifest declares.
    accepts: async (v) =>
      v === '' || (await loadManifest('trainer')).manifest.metrics.some((m: { name: string }) => m.name === v),
  },
  scoring_prefix: {
    resource: 'google_storage_bucket_object.function_source',
    mentions: ['var.scoring_prefix', 'var.dataset_prefix'],
    // The scoring folder may neither contain the training folder nor sit inside it (the sample's: the default).
    accepts: async (v) => {
      const drops = String(SAMPLE.vars.dataset_prefix ?? 'datasets/');
      return typeof v === 'string' && !v.startsWith(drops) && !drops.startsWith(v);
    },
  },
};

/**
 * Values Terraform's validation lets through and only the functions refuse (at config load, naming the entry): a
 * regex cannot compare the band sizes.
 */
const CODE_ONLY_REFUSALS: Record<string, unknown[]> = {
  training_machine_bands: ['1GB=n1-standard-4,100MB=n1-standard-8,*=n1-highmem-16'],
};

/** Optional settings that switch a feature on (no code default to equal): Terraform sets them, blank turns it off. */
const FEATURE_SETTINGS = ['TRAINER_SOURCE_POINTER'];

/** Values to try on each variable that feeds the environment (Terraform-accepted ones must parse in the code). */
const PROBES: Record<string, unknown[]> = {
  dataset_prefix: ['datasets/', 'a/b/', 'rejected/', 'rejected/x/', 'rejectedx/', '/x/', 'x'],
  scoring_prefix: ['score/', 'a/b/', 'datasets/', 'datasets/score/', 'data/', 'rejected/', 'rejected/x/', '/x/', 'x'],
  keep_deployed_versions: [0, 1, 2, 3, 10, 20, 21, 2.5],
  max_event_age_seconds: [0, 59, 60, 61, 86400],
  max_dataset_bytes: [0, 1, 1023, 1024, 52428800, 2147483648],
  trainer_dir: ['trainer', 'trainers/churn', 'a.b-c_d', '.trainer', 'trainer/', '/abs', ''],
  gate_metric: ['', 'accuracy', 'rocAuc', 'logLoss', 'f1', 'Accuracy', '1x'],
  gate_floor: [null, -0.1, 0, 0.75, 1, 1.5],
  gate_tolerance: [null, -0.1, 0, 0.01, 1, 2],
  log_level: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'verbose'],
  traffic_policy: ['replace', 'canary:1', 'canary:50', 'canary:99', 'canary:0', 'canary:100', 'blue'],
  image_name: ['trainer', 'a.b-c_d', 'Trainer', '-x'],
  model_id: ['titanic-survival', 'm_1', 'Model', ''],
  training_machine_type: ['n1-standard-4', 'e2-highmem-16', 'a2-highgpu-1g', 'N1'],
  training_machine_bands: [
    '',
    '*=n1-standard-8',
    '100MB=n1-standard-4,1GB=n1-standard-8,*=n1-highmem-16',
    ' 1500 = e2-standard-4 , 2 MiB=n1-standard-8,0.5gib=n1-standard-16,*=a2-highgpu-1g',
    '100MB=n1-standard-4',
    '0MB=n1-standard-4,*=n1-standard-8',
    '100XB=n1-standard-4,*=n1-standard-8',
    '*=N1-STANDARD-4',
    '*=n1-standard-4,1GB=n1-standard-8',
    '1GB=n1-standard-4,100MB=n1-standard-8,*=n1-highmem-16',
  ],
  serving_machine_type: ['n1-standard-2', 'x'],
  claim_lease_seconds: [10, 540, 541, 600, 3600],
  region: ['us-central1', 'europe-west1', 'US'],
  project_id: ['my-project-id', 'abcdef', 'My-Project'],
};

describe('cross-check: Terraform function environment ↔ the config module', () => {
  let config: TerraformConfig;
  let env: Record<string, string>;

  before(async () => {
    config = await TerraformConfig.load();
    env = evaluateStringMap(config, 'function_environment', SAMPLE);
  });

  it('sets exactly the variables the config module reads (CONFIG_VARIABLES), both ways', () => {
    const keys = Object.keys(config.local('function_environment') as object);
    assert.deepEqual(keySetProblems(keys, CONFIG_VARIABLES), []);
  });

  it('evaluated for a sample deployment, parses in vertex mode with no problem', () => {
    assert.equal(env.RETRAIN_ENV, 'vertex');
    assert.deepEqual(configProblems(env), []);
    // ... and gives the Google Cloud adapters every setting they need (service accounts, cloudbuild.yaml).
    const settings = gcpSettingsFromConfig(parseVertexConfig(env));
    assert.match(settings.cloudbuildYamlPath, /cloudbuild\.yaml$/);
  });

  it('each value has the shape the adapters expect and names the resource it should', () => {
    const s = gcpSettingsFromConfig(parseVertexConfig(env));
    // The trainer source is the archive Terraform uploads, in a form Cloud Build takes (.zip or .tar.gz).
    const source = parseGsUri(s.trainerSourceUri, 'TRAINER_SOURCE_URI');
    assert.equal(
      source.bucket,
      String(evaluateAttribute(config, 'google_storage_bucket_object.trainer_source', 'bucket', SAMPLE)),
    );
    assert.equal(
      source.name,
      String(evaluateAttribute(config, 'google_storage_bucket_object.trainer_source', 'name', SAMPLE)),
    );
    assert.match(source.name, /\.(zip|tar\.gz)$/);
    assert.equal(
      config.resource('google_storage_bucket_object.trainer_source').body.source,
      '${data.archive_file.trainer_source.output_path}',
    );
    // <region>-docker.pkg.dev/<project>/<repository id> of the trainer repository, in the Vertex region.
    const repo = config.resource('google_artifact_registry_repository.trainer').body;
    assert.equal(repo.format, 'DOCKER');
    assert.equal(repo.location, '${var.region}');
    const repoId = String(
      evaluateAttribute(config, 'google_artifact_registry_repository.trainer', 'repository_id', SAMPLE),
    );
    assert.equal(s.imageRepository, `${s.region}-docker.pkg.dev/${s.projectId}/${repoId}`);
    // The topic the trainer publishes to is one the training account may publish on, and the one onTrainingStatus hears.
    const publisher = config.resource('google_pubsub_topic_iam_member.training_events_publisher').body;
    assert.equal(publisher.topic, '${google_pubsub_topic.training_events.id}');
    assert.equal(publisher.role, 'roles/pubsub.publisher');
    assert.equal(publisher.member, 'serviceAccount:${google_service_account.training.email}');
    assert.equal(
      s.trainingEventsTopic,
      String(evaluateAttribute(config, 'google_pubsub_topic.training_events', 'name', SAMPLE)),
    );
    // Run events go to the run-events topic (the short name: the Pub/Sub client adds projects/<PROJECT_ID>/topics/),
    // on which every function's own account, and no other, may publish.
    assert.equal(s.runEventsTopic, String(evaluateAttribute(config, 'google_pubsub_topic.run_events', 'name', SAMPLE)));
    const runEvents = config.resource('google_pubsub_topic_iam_member.function_run_events').body;
    assert.equal(runEvents.for_each, '${local.functions}');
    assert.equal(runEvents.topic, '${google_pubsub_topic.run_events.id}');
    assert.equal(runEvents.role, 'roles/pubsub.publisher');
    assert.equal(runEvents.member, 'serviceAccount:${google_service_account.function[each.key].email}');
    // Buckets: the watched one and the one everything is written to are distinct.
    assert.notEqual(s.dataBucket, s.artifactsBucket);
    // A numeric endpoint id, which endpointName() turns into the full resource name.
    assert.match(s.endpointId, /^[1-9]\d{0,9}$/);
    assert.equal(endpointName(s), `projects/${s.projectId}/locations/${s.region}/endpoints/${s.endpointId}`);
    for (const sa of [s.trainingServiceAccount, s.servingServiceAccount, s.buildServiceAccount]) {
      assert.match(sa, /^vr-[a-z-]+@my-project-id\.iam\.gserviceaccount\.com$/);
    }
  });

  it("each Terraform default equals the code's own default for that variable", () => {
    // Blanking a variable makes the code use its own default; with Terraform's defaults nothing may change.
    // Variables the code has no default for (required in vertex mode) are skipped.
    // The gate is compared as it applies: the trainer manifest's gate with the GATE_* overrides.
    const effective = (e: Record<string, string>): string => {
      const c = parseConfig(e);
      return JSON.stringify({ ...c, gate: gatePolicy(loadManifestSync(c.trainerDir).manifest, c.gate) });
    };
    const withTerraform = effective(env);
    const differing = Object.keys(env)
      .filter((k) => configProblems({ ...env, [k]: '' }).length === 0)
      .filter((k) => effective({ ...env, [k]: '' }) !== withTerraform);
    // The code defaults to local mode; Terraform deploys vertex. The pointer turns on reading the pushed source.
    assert.deepEqual(differing, ['RETRAIN_ENV', ...FEATURE_SETTINGS]);
  });

  it('every value a variable validation accepts is accepted by the config module', async () => {
    const variables = config.variables();
    // Environment entries fed by exactly one variable and nothing else (`var.x`, `tostring(var.x)`,
    // `var.x == null ? "" : tostring(var.x)`): each probe value is evaluated through the real expression.
    const fed = Object.entries(config.local('function_environment') as Record<string, string>).flatMap(
      ([key, expr]) => {
        const names = [...new Set([...expr.matchAll(/var\.([a-z_]+)/g)].map((m) => m[1]!))];
        return names.length === 1 && !/local\.|google_|random_/.test(expr) ? [[key, names[0]!] as const] : [];
      },
    );
    assert.ok(fed.length >= 10, `only ${fed.length} variables feed the environment directly`);
    const untested = fed.filter(([, name]) => !(name in PROBES)).map(([, name]) => name);
    assert.deepEqual(untested, [], 'add probe values for these variables');
    const gaps: string[] = [];
    for (const [key, name] of fed) {
      const validation = variables[name]?.validation;
      const precondition = PRECONDITIONS[name];
      if (precondition) {
        const conditions = (
          config.resource(precondition.resource).body.lifecycle as { precondition?: { condition: string }[] }[]
        )
          .flatMap((l) => l.precondition ?? [])
          .map((p) => p.condition);
        assert.ok(
          conditions.some((c) => precondition.mentions.every((m) => c.includes(m))),
          `no precondition on ${name} in ${precondition.resource}`,
        );
      }
      const accepts = async (v: unknown) =>
        (validation
          ? (validation as { condition: string }[]).every((b) =>
              validationPredicate(name, String(b.condition).slice(2, -1))(v),
            )
          : true) && (precondition ? await precondition.accepts(v) : true);
      for (const value of PROBES[name]!) {
        if (!(await accepts(value))) continue;
        const probed = evaluateStringMap(config, 'function_environment', {
          ...SAMPLE,
          vars: { ...SAMPLE.vars, [name]: value as string | number | null },
        });
        const refused = configProblems({ ...env, [key]: probed[key]! }).length > 0;
        if (refused !== (CODE_ONLY_REFUSALS[name]?.includes(value) ?? false)) {
          gaps.push(
            refused
              ? `var.${name} = ${JSON.stringify(value)}: Terraform accepts it, the functions reject ${key}`
              : `var.${name} = ${JSON.stringify(value)}: listed as refused by the functions only, but accepted`,
          );
        }
      }
    }
    assert.deepEqual(gaps, []);
  });
});

describe('cross-check: the environment checks themselves', () => {
  const cases: [string, string[], string[]][] = [
    ['the real list', [...CONFIG_VARIABLES], []],
    [
      'a key missing in Terraform',
      CONFIG_VARIABLES.filter((k) => k !== 'CLAIM_LEASE_SECONDS'),
      ['CLAIM_LEASE_SECONDS: read by the config module, not set by Terraform'],
    ],
    [
      'a misspelled key',
      [...CONFIG_VARIABLES.filter((k) => k !== 'GATE_FLOOR'), 'GATE_FLOR'],
      [
        'GATE_FLOOR: read by the config module, not set by Terraform',
        'GATE_FLOR: set by Terraform, not read by the config module',
      ],
    ],
  ];
  for (const [name, keys, problems] of cases) {
    it(`key sets: ${name} → ${problems.length} problem(s)`, () => {
      assert.deepEqual(keySetProblems(keys, CONFIG_VARIABLES), problems);
    });
  }

  it('a required vertex variable left out is reported by name', async () => {
    const env = evaluateStringMap(await TerraformConfig.load(), 'function_environment', SAMPLE);
    for (const key of ['TRAINER_SOURCE_URI', 'BUILD_SERVICE_ACCOUNT', 'DATA_BUCKET']) {
      const { [key]: _dropped, ...without } = env;
      assert.ok(
        configProblems(without).some((p) => p.startsWith(`${key}: required`)),
        key,
      );
    }
    assert.ok(configProblems({ ...env, DATA_BUCKET: 'Bad_Bucket' }).some((p) => p.startsWith('DATA_BUCKET:')));
  });

  it('runs Terraform validation conditions the way Terraform does', () => {
    const range = validationPredicate('n', 'var.n >= 2 && var.n <= 20 && floor(var.n) == var.n');
    assert.deepEqual([1, 2, 2.5, 20, 21].map(range), [false, true, false, true, false]);
    const re = validationPredicate('p', 'can(regex("^[a-z]+/$", var.p)) && !startswith(var.p, "rejected/")');
    assert.deepEqual(['ok/', 'rejected/', 'x'].map(re), [true, false, false]);
    assert.deepEqual(['a', 'c'].map(validationPredicate('m', 'contains(["a", "b"], var.m)')), [true, false]);
    assert.throws(() => validationPredicate('x', 'length(var.x) > 2'), /cannot run validation of var\.x/);
  });

  it('evaluates Terraform expressions or refuses them by name', async () => {
    const config = await TerraformConfig.load();
    assert.throws(
      () => evaluateStringMap(config, 'function_environment', { vars: {} }),
      /var\.project_id has no default/,
    );
    assert.throws(() => evaluateStringMap(config, 'function_environment', { vars: SAMPLE.vars }), /cannot evaluate/);
  });
});
