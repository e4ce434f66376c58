import assert from 'node:assert/strict';
import { joinUri, parseGcsUri, splitGeneration } from '../../trainer/src/uri-io';

describe('trainer/uri-io', () => {
  const cases: [string, { name: string; generation?: string }][] = [
    ['datasets/train.csv#1795674482838000', { name: 'datasets/train.csv', generation: '1795674482838000' }],
    ['datasets/train.csv', { name: 'datasets/train.csv' }],
    ['datasets/#1 hit.csv', { name: 'datasets/#1 hit.csv' }],
    ['datasets/a#b.csv#42', { name: 'datasets/a#b.csv', generation: '42' }],
    ['datasets/x.csv#', { name: 'datasets/x.csv#' }],
  ];
  for (const [input, expected] of cases) {
    it(`splitGeneration(${JSON.stringify(input)}): only a final #<digits> pins a generation`, () => {
      assert.deepEqual(splitGeneration(input), expected);
    });
  }

  it('parses gs:// URIs and joins directories of both kinds', () => {
    assert.deepEqual(parseGcsUri('gs://b/runs/r/model/'), { bucket: 'b', name: 'runs/r/model/' });
    assert.equal(parseGcsUri('/tmp/m'), undefined);
    assert.equal(joinUri('gs://b/runs/r/model/', 'model.json'), 'gs://b/runs/r/model/model.json');
    assert.equal(joinUri('/tmp/m', 'model.json'), '/tmp/m/model.json');
  });
});
