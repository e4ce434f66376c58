// The fault layer itself, at volume: every call either reaches the port once or not at all, as its fault kind says,
// so the later suites can trust what it reports (a fault AFTER the call means the effect happened exactly once).
import assert from 'node:assert/strict';
import { PORT_METHODS, type Ports } from '../../functions/src/ports';
import { InjectedFault, withFaults } from '../support/faults';
import { count, isFullRun, recordSuite } from './support/results';

const SEED = 424_242;

describe('reliability: fault layer', () => {
  const calls = isFullRun() ? 100_000 : 10_000;

  it(`${calls.toLocaleString('en-US')} calls: each effect happens once or never, exactly as the outcome says`, async () => {
    const effects = new Map<number, number>(); // call token → times the real port ran it
    const methods = Object.entries(PORT_METHODS).flatMap(([p, ms]) => ms.map((m) => [p, m] as const));
    const ports = Object.fromEntries(
      Object.entries(PORT_METHODS).map(([p, ms]) => [
        p,
        Object.fromEntries(
          ms.map((m) => [m, async (token: number) => void effects.set(token, (effects.get(token) ?? 0) + 1)]),
        ),
      ]),
    ) as unknown as Ports;
    const f = withFaults({ ...ports, now: () => new Date() }, { seed: SEED, transientRate: 0.1, permanentRate: 0.02 });
    const outcomes: Record<string, number> = {};
    let duplicates = 0;
    let lost = 0;
    for (let token = 0; token < calls; token++) {
      const [p, m] = methods[token % methods.length] as (typeof methods)[number];
      let outcome = 'ok';
      try {
        await (f.ports as unknown as Record<string, Record<string, (t: number) => Promise<void>>>)[p]?.[m]?.(token);
      } catch (err) {
        assert.ok(err instanceof InjectedFault);
        outcome = err.kind;
      }
      count(outcomes, outcome);
      const ran = effects.get(token) ?? 0;
      const expected = outcome === 'ok' || outcome === 'transient-after' ? 1 : 0;
      if (ran > expected) duplicates++;
      if (ran < expected) lost++;
    }
    recordSuite({
      suite: 'fault layer',
      cases: calls,
      outcomes,
      crashes: 0,
      duplicates,
      lost,
      notes: `seed ${SEED}; transient 10 %, permanent 2 %`,
    });
    assert.equal(duplicates, 0);
    assert.equal(lost, 0);
    assert.deepEqual(f.stats.totals().calls, calls);
  });
});
