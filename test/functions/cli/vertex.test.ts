import assert from 'node:assert/strict';
import { fromProtoValue, predictVertex, vertexEndpointName, vertexTarget } from '../../../functions/src/cli/vertex';
import type { PredictClient } from '../../../functions/src/cli/vertex';

const ENV = { PROJECT_ID: 'my-proj', REGION: 'europe-west1', ARTIFACTS_BUCKET: 'art', ENDPOINT_ID: '123' };

describe('cli/vertex', () => {
  it('names every missing variable', () => {
    assert.throws(() => vertexTarget({ PROJECT_ID: 'p' }), /REGION, ARTIFACTS_BUCKET, ENDPOINT_ID/);
    assert.equal(vertexEndpointName(vertexTarget(ENV)), 'projects/my-proj/locations/europe-west1/endpoints/123');
    assert.equal(
      vertexEndpointName(vertexTarget({ ...ENV, ENDPOINT_ID: 'projects/x/locations/y/endpoints/9' })),
      'projects/x/locations/y/endpoints/9',
    );
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
});
