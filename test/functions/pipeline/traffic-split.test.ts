import assert from 'node:assert/strict';
import type { EndpointState, TrafficSplit } from '../../../functions/src/ports';
import {
  parseTrafficPolicy,
  planDeploySplit,
  planUndeploy,
  servingModel,
  splitWithout,
  trafficSplitProblem,
  type SplitRules,
  type TrafficPolicy,
} from '../../../functions/src/pipeline/traffic-split';

/** An endpoint whose deployed models are `<id>:<version>` and split as given. */
function endpoint(models: string[], trafficSplit: TrafficSplit): EndpointState {
  return {
    name: 'projects/p/locations/r/endpoints/e',
    trafficSplit,
    deployedModels: models.map((m) => {
      const [id, version] = m.split(':') as [string, string];
      return { id, model: 'projects/p/locations/r/models/m', modelVersionId: version };
    }),
  };
}

const sum = (s: TrafficSplit): number => Object.values(s).reduce((a, b) => a + b, 0);
const REPLACE: TrafficPolicy = { kind: 'replace' };
const canary = (percent: number): TrafficPolicy => ({ kind: 'canary', percent });

describe('pipeline/traffic-split', () => {
  describe('parseTrafficPolicy', () => {
    const good: [string, TrafficPolicy][] = [
      ['replace', REPLACE],
      ['canary:1', canary(1)],
      ['canary:10', canary(10)],
      ['canary:99', canary(99)],
    ];
    for (const [text, policy] of good) it(`accepts ${text}`, () => assert.deepEqual(parseTrafficPolicy(text), policy));
    for (const bad of [
      '',
      'Replace',
      'canary',
      'canary:0',
      'canary:100',
      'canary:-5',
      'canary:5.5',
      'canary: 5',
      'blue-green',
    ])
      it(`rejects ${JSON.stringify(bad)}`, () =>
        assert.throws(() => parseTrafficPolicy(bad), /replace.*canary:<1-99>/));
  });

  describe('planDeploySplit', () => {
    const table: [string, EndpointState, TrafficPolicy, TrafficSplit][] = [
      ['first deployment, replace', endpoint([], {}), REPLACE, { '0': 100 }],
      ['first deployment, canary: the only model must serve everything', endpoint([], {}), canary(10), { '0': 100 }],
      ['replace: previous drops to 0 (left deployed)', endpoint(['a:1'], { a: 100 }), REPLACE, { '0': 100 }],
      ['canary 10 %: previous keeps 90', endpoint(['a:1'], { a: 100 }), canary(10), { '0': 10, a: 90 }],
      [
        'canary while a canary runs: the main serving version keeps the rest',
        endpoint(['a:1', 'b:2'], { a: 80, b: 20 }),
        canary(25),
        { '0': 25, a: 75 },
      ],
      [
        'tie on traffic: the newer version counts as serving',
        endpoint(['a:1', 'b:2'], { a: 50, b: 50 }),
        canary(10),
        { '0': 10, b: 90 },
      ],
      ['deployed models without traffic: treated as first deployment', endpoint(['a:1'], {}), canary(30), { '0': 100 }],
    ];
    for (const [what, ep, policy, expected] of table) {
      it(what, () => {
        const split = planDeploySplit(ep, policy);
        assert.deepEqual(split, expected);
        assert.equal(sum(split), 100);
        assert.ok((split['0'] ?? 0) > 0, 'the new model always serves');
      });
    }
    it('sums to 100 with the new model serving for every canary percentage', () => {
      for (let p = 1; p <= 99; p++) {
        const split = planDeploySplit(endpoint(['a:1'], { a: 100 }), canary(p));
        assert.equal(sum(split), 100);
        assert.ok((split['0'] ?? 0) > 0 && (split.a ?? 0) > 0);
      }
    });
  });

  describe('planUndeploy (keep-K by serving history, after the new model is live)', () => {
    const table: [string, EndpointState, string[], number, string[]][] = [
      ['only the new model', endpoint(['n:2'], { n: 100 }), ['n'], 2, []],
      ['replace, keep 2: previous stays at 0 % for rollback', endpoint(['a:1', 'n:2'], { n: 100 }), ['n', 'a'], 2, []],
      ['replace, keep 2: the oldest goes', endpoint(['a:1', 'b:2', 'n:3'], { n: 100 }), ['n', 'b', 'a'], 2, ['a']],
      ['keep 3', endpoint(['a:1', 'b:2', 'c:3', 'n:4'], { n: 100 }), ['n', 'c', 'b', 'a'], 3, ['a']],
      [
        'keep 1: everything without traffic goes',
        endpoint(['a:1', 'b:2', 'n:3'], { n: 100 }),
        ['n', 'b', 'a'],
        1,
        ['b', 'a'],
      ],
      [
        'canary: models with traffic are never undeployed, even beyond keep',
        endpoint(['a:1', 'b:2', 'n:3'], { a: 50, b: 40, n: 10 }),
        ['n', 'a', 'b'],
        1,
        [],
      ],
      ['no history: newest by version is kept', endpoint(['c:7', 'a:5', 'b:6', 'n:8'], { n: 100 }), [], 2, ['b', 'a']],
      [
        'after a rollback (v3 → v2) and a new v4: v2 served last before v4, so v3 goes, not v2',
        endpoint(['v2:2', 'v3:3', 'v4:4'], { v4: 100 }),
        ['v4', 'v2', 'v3'],
        2,
        ['v3'],
      ],
    ];
    for (const [what, ep, history, keep, expected] of table) {
      it(what, () => {
        const undeploy = planUndeploy(ep, history, keep);
        assert.deepEqual(undeploy, expected);
        for (const id of undeploy) assert.equal(ep.trafficSplit[id] ?? 0, 0, `${id} carries no traffic`);
        assert.ok(ep.deployedModels.length - undeploy.length >= Math.min(keep, ep.deployedModels.length));
      });
    }
  });

  it('servingModel is the one with most traffic, none when nothing serves', () => {
    assert.equal(servingModel(endpoint(['a:1', 'b:2'], { a: 10, b: 90 }))?.id, 'b');
    assert.equal(servingModel(endpoint(['a:1'], {})), undefined);
  });

  it('splitWithout drops the leaving model and zero entries', () => {
    assert.deepEqual(splitWithout({ a: 0, b: 100, c: 0 }, 'a'), { b: 100 });
  });
});

describe('pipeline/traffic-split trafficSplitProblem', () => {
  const rows: [string, TrafficSplit, SplitRules, RegExp | undefined][] = [
    ['the empty split (undeploying the last model, a deploy at 0 %)', {}, {}, undefined],
    ['a deploy taking all traffic', { '0': 100 }, { mustInclude: '0', knownIds: ['0'] }, undefined],
    ['a canary', { '0': 20, '11': 80 }, { mustInclude: '0', knownIds: ['0', '11'] }, undefined],
    ['a deploy that does not place the new model', { '11': 100 }, { mustInclude: '0' }, /must include "0"/],
    ['a sum under 100', { '0': 50, '11': 40 }, {}, /must sum to 100, got 90/],
    ['a fraction', { '0': 100.5 }, {}, /integers 0–100/],
    ['a negative share', { '0': 110, '11': -10 }, {}, /integers 0–100/],
    ['an unknown id', { '0': 50, '99': 50 }, { knownIds: ['0', '11'] }, /unknown deployed model 99/],
    ['any id when no ids are given', { '99': 100 }, {}, undefined],
    ['an undeploy moving the traffic off first', { '22': 100, '11': 0 }, { mustExclude: '11' }, undefined],
    ['an undeploy of a model still taking traffic', { '11': 100 }, { mustExclude: '11' }, /11 .*still has traffic/],
  ];
  for (const [what, split, rules, problem] of rows)
    it(`${problem ? 'refuses' : 'accepts'} ${what}`, () => {
      const got = trafficSplitProblem(split, rules);
      if (problem) assert.match(got ?? '', problem);
      else assert.equal(got, undefined);
    });
});
