// `promote`, `rollback` and `undeploy` with --env vertex take their settings as the read commands do: the environment
// over `.env.vertex`, the file `terraform output -raw env_file` writes (docs/deploy.md step 5).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vertexOperatorConfig } from '../../../functions/src/cli/operator';
import { DEFAULT_ENV_FILE } from '../../../functions/src/cli/vertex';
import { ConfigError } from '../../../functions/src/config';
import { SAMPLE } from '../../infra/sample-deployment';
import { evaluateStringMap } from '../../infra/terraform-eval';
import { TerraformConfig } from '../../infra/terraform-config';

/** A reader that knows only `files`; anything else is missing (ENOENT), as on disk. */
const read = (files: Record<string, string>) => (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
};

describe('cli/operator: --env vertex settings', () => {
  let functionEnv: Record<string, string>;
  let envFile: string;
  before(async () => {
    functionEnv = evaluateStringMap(await TerraformConfig.load(), 'function_environment', SAMPLE);
    // The lines of terraform/outputs.tf `env_file`: function_environment by sorted key, then DEAD_LETTER_ROUTES.
    envFile = [
      ...Object.keys(functionEnv)
        .sort()
        .map((k) => `${k}=${functionEnv[k]}\n`),
      'DEAD_LETTER_ROUTES=projects/my-project-id/subscriptions/vr-onBuildStatus-dead-letter-keep=cloud-builds\n',
    ].join('');
  });

  it('reads .env.vertex: the deployment’s own settings, nothing exported', () => {
    const config = vertexOperatorConfig({}, read({ [DEFAULT_ENV_FILE]: envFile }));
    assert.equal(config.env, 'vertex');
    assert.equal(config.projectId, 'my-project-id');
    assert.equal(config.endpointId, functionEnv.ENDPOINT_ID);
    assert.equal(config.artifactsBucket, functionEnv.ARTIFACTS_BUCKET);
  });

  it('the environment wins over the file', () => {
    const config = vertexOperatorConfig(
      { ENDPOINT_ID: '999', TRAFFIC_POLICY: 'canary:10' },
      read({ [DEFAULT_ENV_FILE]: envFile }),
    );
    assert.equal(config.endpointId, '999');
    assert.deepEqual(config.trafficPolicy, { kind: 'canary', percent: 10 });
    assert.equal(config.projectId, 'my-project-id');
  });

  it('without the file or the variables, says which are missing', () => {
    assert.throws(
      () => vertexOperatorConfig({}, read({})),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => /^PROJECT_ID: required/.test(p)),
    );
  });

  it('VERTEX_RETRAIN_ENV_FILE names another file on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operator-env-'));
    try {
      const path = join(dir, 'prod.env');
      await writeFile(path, envFile);
      const config = vertexOperatorConfig({ VERTEX_RETRAIN_ENV_FILE: path });
      assert.equal(config.projectId, 'my-project-id');
      assert.throws(
        () => vertexOperatorConfig({ VERTEX_RETRAIN_ENV_FILE: join(dir, 'missing.env') }),
        /cannot read the env file/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
