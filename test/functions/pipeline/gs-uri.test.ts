import assert from 'node:assert/strict';
import { gsUri, parseGsUri, splitGeneration, splitGsUri } from '../../../functions/src/pipeline/gs-uri';

describe('pipeline/gs-uri', () => {
  const splits: [string, { bucket: string; name: string } | undefined][] = [
    ['gs://b/o.csv', { bucket: 'b', name: 'o.csv' }],
    ['gs://b/runs/r1/model/', { bucket: 'b', name: 'runs/r1/model/' }],
    ['gs://b/a#b.csv#12', { bucket: 'b', name: 'a#b.csv#12' }],
    ['gs://b/', { bucket: 'b', name: '' }],
    ['gs://b', { bucket: 'b', name: '' }],
    ['/tmp/x.csv', undefined],
    ['s3://b/o', undefined],
    ['gs:///o', undefined],
  ];
  for (const [uri, want] of splits)
    it(`splitGsUri(${JSON.stringify(uri)})`, () => assert.deepEqual(splitGsUri(uri), want));

  it('parseGsUri takes object URIs only and names the value it refuses', () => {
    assert.deepEqual(parseGsUri('gs://b/d/x.csv'), { bucket: 'b', name: 'd/x.csv' });
    for (const bad of ['gs://b/', 'gs://b', '/etc/passwd', ''])
      assert.throws(() => parseGsUri(bad, 'TRAINER_SOURCE_URI'), {
        message: `TRAINER_SOURCE_URI must be a gs://<bucket>/<name> URI, got ${JSON.stringify(bad)}`,
      });
    assert.throws(() => parseGsUri(undefined as unknown as string, 'inputUri'), /inputUri must be a gs:\/\//);
  });

  it('gsUri is the inverse of parseGsUri', () => {
    assert.equal(gsUri('b', 'd/x.csv'), 'gs://b/d/x.csv');
    const { bucket, name } = parseGsUri(gsUri('data', 'drops/t.csv'));
    assert.deepEqual([bucket, name], ['data', 'drops/t.csv']);
  });

  it('splitGeneration takes only a final #<digits> as a generation pin', () => {
    assert.deepEqual(splitGeneration('d/t.csv#1700000000000001'), { name: 'd/t.csv', generation: '1700000000000001' });
    assert.deepEqual(splitGeneration('d/a#b.csv'), { name: 'd/a#b.csv' });
    assert.deepEqual(splitGeneration('d/t.csv#12x'), { name: 'd/t.csv#12x' });
  });
});
