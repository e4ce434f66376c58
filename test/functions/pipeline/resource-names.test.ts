import assert from 'node:assert/strict';
import {
  endpointName,
  locationName,
  modelName,
  modelVersionName,
  withoutVersion,
} from '../../../functions/src/pipeline/resource-names';

const AT = { projectId: 'my-proj', region: 'europe-west1' };

describe('pipeline/resource-names', () => {
  const endpoints: [string, string][] = [
    ['123', 'projects/my-proj/locations/europe-west1/endpoints/123'],
    ['local-endpoint', 'projects/my-proj/locations/europe-west1/endpoints/local-endpoint'],
    ['projects/my-proj/locations/europe-west1/endpoints/9', 'projects/my-proj/locations/europe-west1/endpoints/9'],
    // A full name is taken as it is, even of another project or region: it names the endpoint exactly.
    ['projects/other/locations/us-central1/endpoints/77', 'projects/other/locations/us-central1/endpoints/77'],
  ];
  for (const [endpointId, want] of endpoints)
    it(`ENDPOINT_ID ${endpointId} → ${want}`, () => assert.equal(endpointName({ ...AT, endpointId }), want));

  for (const bad of ['', 'projects/p/endpoints/9', 'projects/p/locations/r/endpoints/', 'endpoints/9', 'a/b'])
    it(`refuses ENDPOINT_ID ${JSON.stringify(bad)}`, () =>
      assert.throws(
        () => endpointName({ ...AT, endpointId: bad }),
        /ENDPOINT_ID must be an endpoint id or projects\//,
      ));

  it('location, model and model version names', () => {
    assert.equal(locationName(AT), 'projects/my-proj/locations/europe-west1');
    assert.equal(modelName({ ...AT, modelId: 'titanic' }), 'projects/my-proj/locations/europe-west1/models/titanic');
    const model = 'projects/p/locations/r/models/m';
    assert.equal(modelVersionName({ name: model, versionId: '3' }), `${model}@3`);
    assert.equal(modelVersionName({ name: `${model}@1`, versionId: '3' }), `${model}@3`);
    assert.equal(withoutVersion(`${model}@default`), model);
    assert.equal(withoutVersion(model), model);
  });
});
