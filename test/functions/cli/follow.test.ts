import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { followRun } from '../../../functions/src/cli/follow';
import { newRunRecord, type RunRecord } from '../../../functions/src/pipeline/run-record';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const base: RunRecord = newRunRecord('r', 'dataset-drop', t(0));

/** The run as the ledger shows it on successive polls. */
function sequence(): RunRecord[] {
  return [
    base,
    { ...base, state: 'BUILDING', stages: { RECEIVED: t(0), BUILDING: t(1) } },
    { ...base, state: 'TRAINING', stages: { RECEIVED: t(0), BUILDING: t(1), TRAINING: t(2) } },
    {
      ...base,
      state: 'DEPLOYED',
      stages: { RECEIVED: t(0), BUILDING: t(1), TRAINING: t(2), DEPLOYING: t(4), DEPLOYED: t(5) },
    },
  ];
}

function capture(isTTY: boolean) {
  const out = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

describe('cli/follow', () => {
  it('without a terminal, prints each finished stage once and returns the final run', async () => {
    const polls = sequence();
    const { out, text } = capture(false);
    const run = await followRun({
      fetch: async () => polls.shift() ?? polls.at(-1),
      out,
      timeoutMs: 5000,
      pollMs: 1,
      now: () => new Date(t(6)),
    });
    assert.equal(run.state, 'DEPLOYED');
    const lines = text().trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.trim().split(/\s+/)[1]),
      ['RECEIVED', 'BUILDING', 'TRAINING', 'DEPLOYING', 'DEPLOYED'],
    );
    assert.match(lines[2] ?? '', /2\.0 s$/);
  });

  it('on a terminal, redraws the stage list in place', async () => {
    const polls = sequence();
    const { out, text } = capture(true);
    await followRun({ fetch: async () => polls.shift(), out, timeoutMs: 5000, pollMs: 1, now: () => new Date(t(6)) });
    assert.ok(text().includes('\x1b[1A\x1b[0J'), 'moves up and clears before redrawing');
  });

  it('gives up after the timeout', async () => {
    const { out } = capture(false);
    await assert.rejects(
      followRun({ fetch: async () => undefined, out, timeoutMs: 30, pollMs: 5 }),
      /did not finish within/,
    );
  });
});
