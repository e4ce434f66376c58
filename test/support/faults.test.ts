import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ObjectGoneError, PORT_METHODS, PreconditionFailedError, type Ports } from '../../functions/src/ports';
import { InjectedFault, withFaults, type FaultKind } from './faults';

/** Ports whose every method records that it ran (the effect) and returns `name`; store.write can lose a CAS. */
function recordingPorts() {
  const effects: string[] = [];
  const port = (name: string, methods: readonly string[]) =>
    Object.fromEntries(
      methods.map((m) => [
        m,
        async (...args: unknown[]) => {
          effects.push(`${name}.${m}`);
          if (name === 'store' && m === 'write' && (args[3] as { ifGenerationMatch?: string })?.ifGenerationMatch)
            throw new PreconditionFailedError('generation mismatch');
          return `${name}.${m}`;
        },
      ]),
    );
  const ports = Object.fromEntries(Object.entries(PORT_METHODS).map(([name, ms]) => [name, port(name, ms)])) as Record<
    string,
    Record<string, (...args: unknown[]) => Promise<unknown>>
  >;
  return { ports: { ...ports, now: () => new Date(0) } as unknown as Ports, effects };
}

const ALL = Object.entries(PORT_METHODS).flatMap(([p, ms]) => ms.map((m) => [p, m] as const));

/** Calls `n` methods in a fixed round-robin order; returns what each call ended with. */
async function drive(ports: Ports, n: number): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) {
    const [p, m] = ALL[i % ALL.length] as (typeof ALL)[number];
    try {
      await (ports as unknown as Record<string, Record<string, () => Promise<unknown>>>)[p]?.[m]?.();
      outcomes.push('ok');
    } catch (err) {
      outcomes.push(err instanceof InjectedFault ? `${err.kind}:${err.code}` : (err as Error).name);
    }
  }
  return outcomes;
}

describe('test/support/faults (seeded fault layer over the ports)', () => {
  it('gives the same fault sequence for the same seed, and another for another seed', async () => {
    const run = async (seed: number) => {
      const f = withFaults(recordingPorts().ports, { seed, transientRate: 0.2, permanentRate: 0.05 });
      return { outcomes: await drive(f.ports, 2000), events: f.stats.events };
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(a.outcomes, b.outcomes);
    assert.deepEqual(a.events, b.events);
    assert.notDeepEqual(a.outcomes, c.outcomes);
    assert.ok(a.events.length > 300, `only ${a.events.length} faults`);
  });

  it('respects the configured rates within 1 point over 20,000 calls', async () => {
    const f = withFaults(recordingPorts().ports, { seed: 1, transientRate: 0.2, permanentRate: 0.05, afterShare: 0.3 });
    await drive(f.ports, 20_000);
    const t = f.stats.totals();
    const rate = (n: number) => n / t.calls;
    assert.equal(t.calls, 20_000);
    const transient = t.faults['transient-before'] + t.faults['transient-after'];
    assert.ok(Math.abs(rate(transient) - 0.2) < 0.01, `transient ${rate(transient)}`);
    assert.ok(Math.abs(rate(t.faults.permanent) - 0.05) < 0.01, `permanent ${rate(t.faults.permanent)}`);
    assert.ok(Math.abs(t.faults['transient-after'] / transient - 0.3) < 0.03, 'after share');
    assert.equal(t.ok + transient + t.faults.permanent, t.calls);
  });

  it('throws BEFORE faults without the effect and AFTER faults once the effect happened', async () => {
    for (const [afterShare, kind, effectCount] of [
      [0, 'transient-before', 0],
      [1, 'transient-after', 1],
    ] as const) {
      const { ports, effects } = recordingPorts();
      const f = withFaults(ports, { seed: 3, transientRate: 1, permanentRate: 0, afterShare });
      await assert.rejects(f.ports.builds.startBuild({ runId: 'r', datasetUri: 'gs://b/d.csv' }), (err) => {
        assert.ok(err instanceof InjectedFault);
        assert.equal(err.kind, kind);
        return true;
      });
      assert.equal(effects.length, effectCount, kind);
    }
    const { ports, effects } = recordingPorts();
    const f = withFaults(ports, { seed: 3, transientRate: 0, permanentRate: 1 });
    await assert.rejects(f.ports.publisher.publish('t', {}), { kind: 'permanent' });
    assert.equal(effects.length, 0);
  });

  it('shapes faults as the services do: gRPC codes for API ports, HTTP statuses for the object store', async () => {
    const f = withFaults(recordingPorts().ports, { seed: 11, transientRate: 0.5, permanentRate: 0.3 });
    await drive(f.ports, 3000);
    const codes = (store: boolean, kinds: FaultKind[]) =>
      new Set(
        f.stats.events
          .filter((e) => e.method.startsWith('store.') === store && kinds.includes(e.kind))
          .map((e) => e.code),
      );
    assert.deepEqual([...codes(false, ['transient-before', 'transient-after'])].sort(), [14, 4].sort());
    assert.deepEqual([...codes(false, ['permanent'])].sort(), [3, 7]);
    assert.deepEqual([...codes(true, ['transient-before', 'transient-after'])].sort(), [429, 503]);
    assert.deepEqual([...codes(true, ['permanent'])].sort(), [400, 403]);
    const grpc = new InjectedFault(14, 'transient-before', 'builds.startBuild', true);
    assert.match(grpc.message, /^14 UNAVAILABLE: /);
    assert.equal(grpc.details, 'injected transient-before fault');
    assert.equal(new InjectedFault(503, 'transient-after', 'store.write', false).details, undefined);
  });

  it('passes a PreconditionFailedError from the store through untouched, even when a fault was drawn', async () => {
    const f = withFaults(recordingPorts().ports, { seed: 5, transientRate: 1, permanentRate: 0, afterShare: 1 });
    await assert.rejects(
      f.ports.store.write('b', 'ledger.json', '{}', { ifGenerationMatch: '0' }),
      (err) => err instanceof PreconditionFailedError && err.message === 'generation mismatch',
    );
    const s = f.stats.byMethod['store.write'];
    assert.deepEqual(s, {
      calls: 1,
      ok: 0,
      realErrors: 1,
      faults: { 'transient-before': 0, 'transient-after': 0, permanent: 0 },
    });
    assert.equal(f.stats.events.length, 0);
  });

  it('fails only the selected methods, and none while disabled, without shifting the sequence', async () => {
    const f = withFaults(recordingPorts().ports, {
      seed: 9,
      transientRate: 0.5,
      permanentRate: 0,
      methods: ['store.write', 'builds'],
    });
    await drive(f.ports, 1700);
    const failed = new Set(f.stats.events.map((e) => e.method));
    assert.deepEqual([...failed].sort(), [
      'builds.findBuildForRun',
      'builds.getBuild',
      'builds.startBuild',
      'store.write',
    ]);

    const on = withFaults(recordingPorts().ports, { seed: 9, transientRate: 0.5, permanentRate: 0 });
    const paused = withFaults(recordingPorts().ports, { seed: 9, transientRate: 0.5, permanentRate: 0 });
    await drive(on.ports, 200);
    paused.setEnabled(false);
    assert.ok((await drive(paused.ports, 100)).every((o) => o === 'ok'));
    paused.setEnabled(true);
    await drive(paused.ports, 100);
    const decisions = (events: typeof on.stats.events) => events.map(({ call, kind }) => ({ call, kind })); // codes depend on the method
    assert.ok(paused.stats.events.length > 20);
    assert.deepEqual(decisions(paused.stats.events), decisions(on.stats.events.filter((e) => e.call > 100)));
  });

  it('faults a store stream before its first byte or after its last; a real stream error passes through', async () => {
    const { ports } = recordingPorts();
    const opened: string[] = [];
    (ports.store as unknown as Record<string, unknown>).readStream = (_b: string, name: string) => {
      opened.push(name);
      return name === 'gone'
        ? new Readable({
            read() {
              this.destroy(new ObjectGoneError('gone'));
            },
          })
        : Readable.from([Buffer.from('abc')]);
    };
    const read = async (p: Ports, name: string): Promise<[string, string]> => {
      let got = '';
      try {
        for await (const chunk of p.store.readStream('b', name, '1'))
          got += Buffer.from(chunk as Uint8Array).toString();
        return [got, 'ok'];
      } catch (err) {
        return [got, err instanceof InjectedFault ? `${err.kind}:${err.code}` : (err as Error).name];
      }
    };
    const before = withFaults(ports, { seed: 1, transientRate: 1, permanentRate: 0, afterShare: 0 });
    assert.deepEqual((await read(before.ports, 'o'))[0], '');
    assert.match((await read(before.ports, 'o'))[1], /^transient-before:(503|429)$/);
    assert.deepEqual(opened, [], 'a before-fault never opens the real stream');
    const after = withFaults(ports, { seed: 1, transientRate: 1, permanentRate: 0, afterShare: 1 });
    assert.deepEqual(await read(after.ports, 'o'), ['abc', 'transient-after:503']);
    const none = withFaults(ports, { seed: 1, transientRate: 0, permanentRate: 0 });
    assert.deepEqual(await read(none.ports, 'o'), ['abc', 'ok']);
    assert.deepEqual(await read(none.ports, 'gone'), ['', 'ObjectGoneError']);
    assert.equal(none.stats.byMethod['store.readStream']?.realErrors, 1);
  });

  it('leaves the original ports alone and still reaches their other members', async () => {
    const { ports } = recordingPorts();
    const original = ports.store.write;
    Object.assign(ports.training, { finish: () => 'test control' });
    const f = withFaults(ports, { seed: 1, transientRate: 1, permanentRate: 0 });
    assert.equal(ports.store.write, original);
    assert.equal((f.ports.training as unknown as { finish: () => string }).finish(), 'test control');
    assert.equal(f.ports.now().getTime(), 0);
    assert.throws(() => withFaults(ports, { seed: 1, transientRate: 0.8, permanentRate: 0.3 }), RangeError);
  });
});
