import assert from 'node:assert/strict';
import { join, sep } from 'node:path';
import {
  gsUriToPath,
  InvalidObjectNameError,
  localLayout,
  localPathOfGsUri,
  pathToGsUri,
} from '../../../functions/src/local/layout';

describe('local/layout', () => {
  const layout = localLayout('/tmp/vr');

  it('maps gs:// URIs to files under the buckets folder and back', () => {
    assert.equal(gsUriToPath(layout, 'gs://data/datasets/a.csv'), join('/tmp/vr/buckets/data/datasets/a.csv'));
    assert.equal(pathToGsUri(layout, '/tmp/vr/buckets/data/datasets/a.csv'), 'gs://data/datasets/a.csv');
  });

  it('keeps the trailing slash of a directory URI such as AIP_MODEL_DIR', () => {
    const path = gsUriToPath(layout, 'gs://artifacts/runs/r1/model/');
    assert.equal(path, join('/tmp/vr/buckets/artifacts/runs/r1/model') + sep);
    assert.equal(pathToGsUri(layout, path), 'gs://artifacts/runs/r1/model/');
  });

  it('leaves local paths alone and gives no URI for paths outside the buckets', () => {
    assert.equal(gsUriToPath(layout, '/some/file.csv'), '/some/file.csv');
    assert.equal(pathToGsUri(layout, '/tmp/vr/images/x'), undefined);
    assert.equal(pathToGsUri(layout, '/etc/passwd'), undefined);
  });

  it('refuses URIs whose object name would escape the bucket', () => {
    assert.throws(() => gsUriToPath(layout, 'gs://data/../../etc/passwd'), InvalidObjectNameError);
    assert.throws(() => gsUriToPath(layout, 'gs://../x'), InvalidObjectNameError);
  });

  it('localPathOfGsUri takes only gs://<bucket>/<name>, naming the field it refuses', () => {
    assert.equal(
      localPathOfGsUri(layout, 'gs://data/datasets/a.csv', 'datasetUri'),
      join('/tmp/vr/buckets/data/datasets/a.csv'),
    );
    for (const bad of ['/home/u/a.csv', 'file:///etc/passwd', 'gs://data', 'gs://data/', 'gs:///x', '../x']) {
      assert.throws(() => localPathOfGsUri(layout, bad, 'datasetUri'), {
        name: 'InvalidObjectNameError',
        message: `datasetUri must be a gs://<bucket>/<name> URI, got ${JSON.stringify(bad)}`,
      });
    }
    assert.throws(
      () => localPathOfGsUri(layout, 'gs://data/../../etc/passwd', 'baseOutputDir'),
      InvalidObjectNameError,
    );
  });
});
