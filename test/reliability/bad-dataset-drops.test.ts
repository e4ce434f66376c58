// The bad dataset variants dropped through onDatasetFinalized with the real validator: REJECTED with the reasons,
// the user's file untouched (same bytes, same generation), no build, `rejected/<name>.reasons.json` written. A file
// over MAX_DATASET_BYTES is REJECTED without being read. The local bucket's store refuses names that would escape it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setPortsForTesting } from '../../functions/src/backend';
import { InvalidObjectNameError, localLayout } from '../../functions/src/local/layout';
import { LocalObjectStore } from '../../functions/src/local/object-store';
import { createLogger } from '../../functions/src/log';
import { harness, storageEvent, type Harness, type LogLine } from '../support/functions-harness';
import { DATASET_CASES, largeValidCsv } from './support/dataset-variants';
import { count, recordSuite } from './support/results';

const CAP = 256 * 1024;

describe('reliability: bad datasets dropped through onDatasetFinalized', () => {
  let h: Harness;
  const outcomes: Record<string, number> = {};
  let serverErrors = 0;
  let cases = 0;
  before(async () => {
    h = await harness({ MAX_DATASET_BYTES: String(CAP) });
    const log = createLogger(h.config, { write: (l: string) => void h.logs.push(JSON.parse(l) as LogLine) });
    setPortsForTesting(h.ports, { config: h.config, log }); // the real validator (validateTrainingDataset)
  });
  after(() => h.close());

  async function dropThrough(name: string, bytes: Buffer) {
    const info = await h.store.write(h.config.dataBucket, name, bytes, { contentType: 'text/csv' });
    const status = await h.deliver(
      'onDatasetFinalized',
      storageEvent({ ...info, md5Hash: info.md5Hash as string }, h.clock.now.toISOString()),
    );
    cases++;
    if (status >= 500) serverErrors++;
    const run = (await h.ledger.list()).find(
      (r) => r.dataset?.name === name && r.dataset.generation === info.generation,
    );
    count(outcomes, run?.state ?? 'no run');
    const after = await h.store.read(h.config.dataBucket, name);
    return { status, run, info, after };
  }

  for (const c of DATASET_CASES.filter((c) => c.outcome === 'REJECTED' && !c.name.includes('60 MB'))) {
    const reason = c.schemaReason ?? (c.reason as string);
    it(`${c.name} → REJECTED (${reason}), file untouched, no build, reasons file written`, async () => {
      const bytes = c.bytes();
      if (bytes.length > CAP) return; // the size cap case below covers big files
      const builds = h.builds.started.length;
      const name = `datasets/${c.name.replace(/[^a-z0-9]+/gi, '-')}.csv`;
      const { status, run, info, after } = await dropThrough(name, bytes);
      assert.equal(status, 204);
      assert.equal(run?.state, 'REJECTED');
      assert.ok(
        run.rejection?.reasons.some((r) => r.includes(reason)),
        JSON.stringify(run.rejection?.reasons.slice(0, 3)),
      );
      assert.ok(after && after.data.equals(bytes), 'same bytes');
      assert.equal(after?.info.generation, info.generation, 'same generation');
      assert.equal(h.builds.started.length, builds, 'no build');
      const report = h.store.text(h.config.dataBucket, `rejected/${name.slice('datasets/'.length)}.reasons.json`);
      assert.ok(report, 'reasons file');
      assert.equal((JSON.parse(report) as { runId: string }).runId, run.runId);
    });
  }

  it(`a file over MAX_DATASET_BYTES (${CAP} bytes) → REJECTED without being read`, async () => {
    const reads = h.store.read.bind(h.store);
    let readBig = 0;
    h.store.read = async (bucket, name, opts) => (name.endsWith('big.csv') && readBig++, reads(bucket, name, opts));
    try {
      const bytes = largeValidCsv(CAP * 2);
      const { run, after, info } = await dropThrough('datasets/big.csv', bytes);
      assert.equal(run?.state, 'REJECTED');
      assert.match(run.rejection?.reasons[0] ?? '', /over the \d+-byte limit/);
      assert.equal(readBig - 1, 0, 'not read by the function (the one read is this test checking the bytes)');
      assert.ok(after?.data.equals(bytes));
      assert.equal(after?.info.generation, info.generation);
    } finally {
      h.store.read = reads;
    }
  });

  it('the local store refuses object names that would escape the bucket folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'escape-'));
    try {
      const store = new LocalObjectStore(localLayout(root));
      const bad = [
        '../x.csv',
        'datasets/../../x.csv',
        '/etc/passwd',
        'a\u0000b',
        'a\nb',
        'a\\..\\b',
        'datasets//x',
        '.',
        '..',
      ];
      for (const name of bad) {
        for (const op of [
          () => store.write('data', name, 'x'),
          () => store.read('data', name),
          () => store.stat('data', name),
        ]) {
          cases++;
          await assert.rejects(op, InvalidObjectNameError, name);
        }
      }
      await assert.rejects(() => store.write('../data', 'x.csv', 'x'), InvalidObjectNameError);
      assert.deepEqual(
        readdirSync(root).filter((f) => !['locks', 'tmp', 'meta', 'buckets'].includes(f)),
        [],
      );
      count(outcomes, 'name refused', bad.length * 3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  after(() =>
    recordSuite({
      suite: 'bad input: dataset drops and object names (function level)',
      cases,
      outcomes,
      serverErrors,
      crashes: 0,
      notes: `real validator; MAX_DATASET_BYTES=${CAP} for the size cap; every rejected file kept byte- and generation-identical`,
    }),
  );
});
