import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_ENV_FILE,
  fromProtoValue,
  predictVertex,
  vertexTarget,
  withEnvFile,
} from '../../../functions/src/cli/vertex';
import type { PredictClient } from '../../../functions/src/cli/vertex';

const ENV = { PROJECT_ID: 'my-proj', REGION: 'europe-west1', ARTIFACTS_BUCKET: 'art', ENDPOINT_ID: '123' };

describe('cli/vertex', () => {
  it('names every missing variable', () => {
    assert.throws(() => vertexTarget({ PROJECT_ID: 'p' }), /REGION, ARTIFACTS_BUCKET, ENDPOINT_ID/);
  });

  it('turns google.protobuf.Value back into JSON', () => {
    const value = {
      structValue: {
        fields: {
          survived: { numberValue: 1 },
          tags: { listValue: { values: [{ stringValue: 'a' }, { boolValue: true }, { nullValue: 'NULL_VALUE' }] } },
        },
      },
    };
    assert.deepEqual(fromProtoValue(value), { survived: 1, tags: ['a', true, null] });
  });

  it('sends the instances as protobuf Values to the endpoint and returns plain predictions', async () => {
    const calls: unknown[] = [];
    const client: PredictClient = {
      predict: async (request) => {
        calls.push(request);
        return [
          {
            predictions: [{ structValue: { fields: { probability: { numberValue: 0.7 } } } }],
            deployedModelId: '55',
            modelVersionId: '3',
          },
        ];
      },
    };
    const res = await predictVertex([{ Sex: 'female', Age: 3 }], ENV, client);
    assert.deepEqual(calls, [
      {
        endpoint: 'projects/my-proj/locations/europe-west1/endpoints/123',
        instances: [{ structValue: { fields: { Sex: { stringValue: 'female' }, Age: { numberValue: 3 } } } }],
      },
    ]);
    assert.deepEqual(res, { predictions: [{ probability: 0.7 }], deployedModelId: '55', modelVersionId: '3' });
  });

  describe('env file', () => {
    // What `terraform output -raw env_file` writes: sorted KEY=VALUE lines.
    const FILE = 'ARTIFACTS_BUCKET=file-art\nENDPOINT_ID=777\nPROJECT_ID=file-proj\nREGION=us-central1\n';
    const reads: string[] = [];
    const read = (files: Record<string, string>) => (path: string) => {
      reads.push(path);
      if (path in files) return files[path]!;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    };

    it('reads .env.vertex by default and fills in what the environment lacks', () => {
      reads.length = 0;
      const env = withEnvFile({ PROJECT_ID: 'from-env' }, undefined, read({ [DEFAULT_ENV_FILE]: FILE }));
      assert.deepEqual(reads, ['.env.vertex']);
      assert.deepEqual(vertexTarget(env), {
        projectId: 'from-env',
        region: 'us-central1',
        artifactsBucket: 'file-art',
        endpointId: '777',
      });
    });

    it('a missing default file is no error; the message then says where the values can come from', () => {
      const env = withEnvFile({}, undefined, read({}));
      assert.throws(() => vertexTarget(env), /in the environment or in \.env\.vertex/);
    });

    it('VERTEX_RETRAIN_ENV_FILE or an explicit path names the file, and a missing named file is an error', () => {
      reads.length = 0;
      const env = withEnvFile({ VERTEX_RETRAIN_ENV_FILE: 'other.env' }, undefined, read({ 'other.env': FILE }));
      assert.equal(vertexTarget(env).endpointId, '777');
      assert.deepEqual(reads, ['other.env']);
      assert.throws(() => withEnvFile({}, 'nope.env', read({})), /cannot read the env file nope\.env/);
    });

    it('reads a real file from disk', () => {
      const dir = mkdtempSync(join(tmpdir(), 'vr-env-'));
      const path = join(dir, '.env.vertex');
      writeFileSync(path, FILE);
      assert.equal(vertexTarget(withEnvFile({}, path)).projectId, 'file-proj');
    });
  });
});
