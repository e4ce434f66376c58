import assert from 'node:assert/strict';
import { block, TerraformConfig } from './terraform-config';

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
});
