import assert from 'node:assert/strict';
import { loadManifest } from '../../functions/src/contract/manifest';
import { SAMPLE } from './sample-deployment';
import { block, TerraformConfig } from './terraform-config';
import { evaluateStringMap } from './terraform-eval';
import { validationPredicate } from './terraform-validation';

// The regex inside each `can(regex("...", var.x))` validation, run in JS. These patterns use nothing where RE2
// (Terraform) and JS regexes differ, so accepting/rejecting here is what `terraform plan` would do.
const CASES: Record<string, { ok: string[]; bad: string[] }> = {
  project_id: {
    ok: ['my-project-123', 'abcdef'],
    bad: ['My-Project', '123abc', 'short', 'ends-with-', 'a'.repeat(31)],
  },
  region: { ok: ['us-central1', 'europe-west1', 'asia-northeast3'], bad: ['US', 'us-central1-a', 'us-central'] },
  traffic_policy: {
    ok: ['replace', 'canary:1', 'canary:10', 'canary:99'],
    bad: ['canary:0', 'canary:100', 'canary:', 'blue'],
  },
  dataset_prefix: { ok: ['datasets/', 'drops/titanic/'], bad: ['datasets', '/datasets/', 'a//b/', ''] },
  name_prefix: { ok: ['vr', 'prod1'], bad: ['v', 'with-dash', 'toolongname'] },
  model_id: { ok: ['titanic-survival', 'm_1'], bad: ['1model', 'Model', ''] },
};

function validationRegex(condition: unknown): RegExp {
  const literal = /regex\("((?:[^"\\]|\\.)*)"/.exec(String(condition))?.[1];
  if (literal === undefined) throw new Error(`no regex in ${String(condition)}`);
  return new RegExp(literal.replace(/\\\\/g, '\\'));
}

describe('variables (terraform)', () => {
  let config: TerraformConfig;
  before(async () => {
    config = await TerraformConfig.load();
  });

  it('every variable has a description', () => {
    const missing = Object.entries(config.variables())
      .filter(([, v]) => typeof v.description !== 'string' || v.description.length < 10)
      .map(([k]) => k);
    assert.deepEqual(missing, []);
  });

  it("defaults to the Titanic trainer: its folder, its model, and its manifest's gate (gate variables unset)", async () => {
    const v = config.variables();
    assert.equal(v.trainer_dir!.default, 'trainer');
    const { manifest } = await loadManifest(String(v.trainer_dir!.default));
    assert.equal(manifest.name, 'titanic');
    assert.equal(v.model_id!.default, 'titanic-survival');
    // Unset gate variables reach the functions as empty values: the trainer manifest's gate applies.
    assert.deepEqual([v.gate_metric!.default, v.gate_floor!.default, v.gate_tolerance!.default], ['', null, null]);
    const env = evaluateStringMap(config, 'function_environment', SAMPLE);
    assert.deepEqual([env.GATE_METRIC, env.GATE_FLOOR, env.GATE_TOLERANCE], ['', '', '']);
    assert.equal(env.TRAINER_DIR, 'trainer');
    // Set ones are passed through as they are.
    const set = evaluateStringMap(config, 'function_environment', {
      ...SAMPLE,
      vars: { ...SAMPLE.vars, gate_metric: 'rocAuc', gate_floor: 0.8, gate_tolerance: 0 },
    });
    assert.deepEqual([set.GATE_METRIC, set.GATE_FLOOR, set.GATE_TOLERANCE], ['rocAuc', '0.8', '0']);
  });

  for (const [name, { ok, bad }] of Object.entries(CASES)) {
    it(`${name} accepts ${ok.join(', ')} and rejects ${bad.map((b) => JSON.stringify(b)).join(', ')}`, () => {
      const variable = config.variables()[name];
      assert.ok(variable, `no variable ${name}`);
      const re = validationRegex(block(variable, 'validation').condition);
      for (const v of ok) assert.ok(re.test(v), `${name} should accept ${v}`);
      for (const v of bad) assert.ok(!re.test(v), `${name} should reject ${JSON.stringify(v)}`);
      if (typeof variable.default === 'string') assert.ok(re.test(variable.default), `default ${variable.default}`);
    });
  }

  it('training_machine_bands: empty or <size>=<type>,…,*=<type>; malformed bands stop terraform plan', () => {
    const variable = config.variables().training_machine_bands;
    assert.ok(variable, 'no variable training_machine_bands');
    const accepts = validationPredicate(
      'training_machine_bands',
      String(block(variable, 'validation').condition).slice(2, -1),
    );
    const ok = [
      '',
      '*=n1-standard-8',
      '100MB=n1-standard-4,1GB=n1-standard-8,*=n1-highmem-16',
      '1500=e2-standard-4, 2 MiB=n1-standard-8, *=a2-highgpu-1g',
    ];
    const bad = [
      ' ',
      '100MB=n1-standard-4',
      '*=n1-standard-4,1GB=n1-standard-8',
      '0MB=n1-standard-4,*=n1-standard-8',
      '100XB=n1-standard-4,*=n1-standard-8',
      '*=N1-STANDARD-4',
      '100MB n1-standard-4,*=n1-standard-8',
      '-1MB=n1-standard-4,*=n1-standard-8',
    ];
    for (const v of ok) assert.ok(accepts(v), `should accept ${JSON.stringify(v)}`);
    for (const v of bad) assert.ok(!accepts(v), `should reject ${JSON.stringify(v)}`);
    assert.equal(variable.default, '');
  });
});
