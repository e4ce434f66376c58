import assert from 'node:assert/strict';
import { checkSplit, InvalidRequestError, pickDeployedModel } from '../../../functions/src/local/traffic';

describe('local/traffic', () => {
  it('accepts splits summing to 100 over known ids, and the empty split', () => {
    checkSplit({ '0': 100 }, { knownIds: ['0'] });
    checkSplit({ '0': 90, '11': 10 }, { knownIds: ['0', '11'] });
    checkSplit({}, { knownIds: [] });
  });

  const bad: [string, Record<string, number>, string[]][] = [
    ['does not sum to 100', { '0': 90 }, ['0']],
    ['names an unknown id', { '0': 50, '99': 50 }, ['0']],
    ['has a fraction', { '0': 50.5, '11': 49.5 }, ['0', '11']],
    ['has a negative share', { '0': 110, '11': -10 }, ['0', '11']],
  ];
  for (const [why, split, ids] of bad) {
    it(`refuses a split that ${why}`, () => {
      assert.throws(() => checkSplit(split, { knownIds: ids }), InvalidRequestError);
    });
  }

  it('routes by weight: the random point falls in one id’s share', () => {
    const split = { '11': 90, '22': 10, '33': 0 };
    assert.equal(pickDeployedModel(split, 0), '11');
    assert.equal(pickDeployedModel(split, 0.899), '11');
    assert.equal(pickDeployedModel(split, 0.9), '22');
    assert.equal(pickDeployedModel(split, 0.999), '22');
    assert.equal(pickDeployedModel({}, 0.5), undefined);
    assert.equal(pickDeployedModel({ '11': 0 }, 0.5), undefined);
  });

  it('sends about the configured share of many requests to each model', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const id = pickDeployedModel({ a: 80, b: 20 }) as string;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    assert.ok((counts.b ?? 0) > 1700 && (counts.b ?? 0) < 2300, JSON.stringify(counts));
  });
});
