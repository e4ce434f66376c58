import assert from 'node:assert/strict';
import type { EndpointState, TrafficSplit } from '../../../functions/src/ports';
import { planDeploySplit, planUndeploy, splitWithout } from '../../../functions/src/pipeline/traffic-split';
import { mulberry32 } from '../../support/prng';

const sum = (s: TrafficSplit): number => Object.values(s).reduce((a, b) => a + b, 0);

/** A random but valid endpoint: 0–6 deployed models, and (when any) a split over some of them summing to 100. */
function randomEndpoint(random: () => number): EndpointState {
  const count = Math.floor(random() * 7);
  const deployedModels = Array.from({ length: count }, (_, i) => ({
    id: String(1000 + i),
    model: 'projects/p/locations/r/models/m',
    modelVersionId: String(i + 1),
  }));
  const trafficSplit: TrafficSplit = {};
  if (count > 0) {
    const holders = deployedModels.filter(() => random() < 0.5);
    if (holders.length === 0) holders.push(deployedModels[count - 1]!);
    let left = 100;
    holders.forEach((m, i) => {
      const share = i === holders.length - 1 ? left : Math.floor(random() * (left + 1));
      trafficSplit[m.id] = share;
      left -= share;
    });
  }
  return { name: 'projects/p/locations/r/endpoints/e', deployedModels, trafficSplit };
}

describe('pipeline/traffic-split: properties over 5,000 seeded random endpoints', () => {
  const random = mulberry32(20261126);
  const cases = Array.from({ length: 5000 }, () => ({
    endpoint: randomEndpoint(random),
    percent: 1 + Math.floor(random() * 99),
    keep: 2 + Math.floor(random() * 4),
  }));

  it('every deploy split sums to 100, gives the new model ("0") traffic, and uses only integer shares', () => {
    for (const { endpoint, percent } of cases) {
      for (const policy of [{ kind: 'replace' } as const, { kind: 'canary', percent } as const]) {
        const split = planDeploySplit(endpoint, policy);
        assert.equal(sum(split), 100, JSON.stringify({ endpoint, policy, split }));
        assert.ok((split['0'] ?? 0) > 0, JSON.stringify(split));
        assert.ok(Object.values(split).every((v) => Number.isInteger(v) && v > 0));
        for (const id of Object.keys(split)) {
          if (id !== '0')
            assert.ok(
              endpoint.deployedModels.some((m) => m.id === id),
              `unknown id ${id}`,
            );
        }
      }
    }
  });

  it('undeploying after go-live never removes a model with traffic nor the live one, and keeps `keep` models', () => {
    for (const { endpoint, keep } of cases) {
      const live = endpoint.deployedModels.at(-1);
      if (!live) continue;
      const undeploy = planUndeploy(endpoint, [live.id], keep);
      const withTraffic = endpoint.deployedModels.filter((m) => (endpoint.trafficSplit[m.id] ?? 0) > 0).length;
      if (keep > withTraffic) assert.ok(!undeploy.includes(live.id), 'the most recently serving model is kept');
      for (const id of undeploy) assert.equal(endpoint.trafficSplit[id] ?? 0, 0, `undeploys ${id} with traffic`);
      const remaining = endpoint.deployedModels.length - undeploy.length;
      assert.ok(remaining >= Math.min(keep, endpoint.deployedModels.length), JSON.stringify({ endpoint, keep }));
      // The split sent with each undeploy still sums to 100: the endpoint is never left without a serving version.
      for (const id of undeploy) assert.equal(sum(splitWithout(endpoint.trafficSplit, id)), 100);
    }
  });
});
