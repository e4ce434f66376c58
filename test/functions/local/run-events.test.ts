import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localLayout, type LocalLayout } from '../../../functions/src/local/layout';
import { LocalRunEvents, readRunEvents } from '../../../functions/src/local/run-events';
import { buildRunEvent } from '../../../functions/src/pipeline/run-event';
import type { RunState } from '../../../functions/src/pipeline/run-record';

const SOURCE = '//vertex-retrain/projects/local-project/locations/local';
const event = (runId: string, to: RunState, from?: RunState, second = 0) =>
  buildRunEvent(SOURCE, {
    runId,
    to,
    ...(from ? { from } : {}),
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  });

describe('local/run-events', () => {
  let root: string;
  let layout: LocalLayout;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'run-events-'));
    layout = localLayout(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('appends one JSON line per event in the stack folder and reads them back in order, per run if asked', async () => {
    const events = new LocalRunEvents(layout);
    await events.publish(event('a', 'RECEIVED'));
    await events.publish(event('b', 'RECEIVED'));
    await events.publish(event('a', 'BUILDING', 'RECEIVED', 1));
    assert.equal(layout.runEvents, join(root, 'run-events.jsonl'));
    const lines = (await readFile(layout.runEvents, 'utf8')).split('\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '');
    assert.deepEqual(
      (await readRunEvents(layout)).map((e) => `${e.subject}:${e.data.to}`),
      ['a:RECEIVED', 'b:RECEIVED', 'a:BUILDING'],
    );
    assert.deepEqual(
      (await readRunEvents(layout, 'a')).map((e) => e.data.to),
      ['RECEIVED', 'BUILDING'],
    );
  });

  it('no file yet reads as no events; a line still being written and foreign lines are skipped', async () => {
    assert.deepEqual(await readRunEvents(layout), []);
    await new LocalRunEvents(layout).publish(event('a', 'RECEIVED'));
    await appendFile(layout.runEvents, 'not json\n{"x":1}\n{"specversion":"1.0","data":{"ru');
    assert.deepEqual(
      (await readRunEvents(layout)).map((e) => e.data.to),
      ['RECEIVED'],
    );
  });

  it('several processes appending at once: every line whole, none lost', async function () {
    this.timeout(60_000);
    const writer = `
      const { LocalRunEvents } = require(${JSON.stringify(join(__dirname, '../../../functions/src/local/run-events.ts'))});
      const { buildRunEvent } = require(${JSON.stringify(join(__dirname, '../../../functions/src/pipeline/run-event.ts'))});
      const events = new LocalRunEvents({ runEvents: process.argv[1] });
      const big = 'x'.repeat(20000);
      Promise.all(Array.from({ length: 50 }, (_, i) => events.publish(buildRunEvent('s', {
        runId: process.argv[2] + '-' + i, to: 'RECEIVED', at: '2026-01-01T00:00:00Z', details: { big },
      }))));
    `;
    await Promise.all(
      ['p1', 'p2', 'p3'].map((p) =>
        promisify(execFile)(process.execPath, ['-r', 'tsx/cjs', '-e', writer, layout.runEvents, p]),
      ),
    );
    const read = await readRunEvents(layout);
    assert.equal(read.length, 150);
    assert.equal(new Set(read.map((e) => e.subject)).size, 150);
  });
});
