// The scoring run's two passes against a store: both stream (the upload takes lines while the input is still being
// read), the merge gives the in-memory merge's file whatever the results' order, and a run whose results do not
// cover the input uploads nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import {
  mergeResults,
  rowCountObject,
  writeInstances,
  type PinnedObject,
} from '../../../functions/src/engine/scoring-passes';
import { BatchResultsError, mergePredictions, ROW_KEY } from '../../../functions/src/pipeline/batch-results';
import type { ObjectInfo } from '../../../functions/src/ports';
import { MemoryObjectStore } from '../../support/memory-store';
import { mulberry32 } from '../../support/prng';

const REPO = join(__dirname, '../../..');
const TRAINER = join(REPO, 'trainer');
const INSTANCES = { bucket: 'artifacts', name: 'scoring/r1/instances.jsonl' };
const OUT = { bucket: 'data', name: 'score/test.predictions.csv' };

/** A store whose streams come in small chunks and whose uploads record when each chunk arrived. */
class ChunkingStore extends MemoryObjectStore {
  readonly uploads: { name: string; chunks: number; firstChunkAtRead: number }[] = [];
  bytesRead = 0;
  override readStream(bucket: string, name: string, generation: string) {
    const inner = super.readStream(bucket, name, generation);
    const count = (n: number) => void (this.bytesRead += n);
    return Readable.from(
      (async function* () {
        for await (const chunk of inner) {
          const buf = chunk as Buffer;
          for (let at = 0; at < buf.length; at += 4096) {
            count(Math.min(4096, buf.length - at));
            yield buf.subarray(at, at + 4096);
          }
        }
      })(),
      { objectMode: false },
    );
  }
  override async writeStream(
    bucket: string,
    name: string,
    source: AsyncIterable<Buffer | string>,
    opts?: { contentType?: string },
  ): Promise<ObjectInfo> {
    const upload = { name, chunks: 0, firstChunkAtRead: -1 };
    this.uploads.push(upload);
    const seen = this.bytesRead;
    const readSoFar = () => this.bytesRead - seen;
    async function* counted() {
      for await (const chunk of source) {
        if (upload.chunks++ === 0) upload.firstChunkAtRead = readSoFar();
        yield chunk;
      }
    }
    return super.writeStream(bucket, name, counted(), opts);
  }
}

describe('engine/scoring-passes', () => {
  let csv: string;
  let rowsInFile: number;
  before(async () => {
    const test = await readFile(join(REPO, 'test/fixtures/titanic/test.csv'), 'utf8');
    // 418 rows × 10: enough chunks for the streaming to show.
    const [header, ...body] = test.trimEnd().split(/\r?\n/);
    const lines: string[] = [];
    for (let copy = 0; copy < 10; copy++)
      for (const l of body) lines.push(l.replace(/^(\d+)/, (id) => String(Number(id) + copy * 10_000)));
    rowsInFile = lines.length;
    csv = `${header}\n${lines.join('\n')}\n`;
  });

  async function dropped(store: MemoryObjectStore): Promise<PinnedObject> {
    const info = await store.write('data', 'score/test.csv', csv);
    return { bucket: 'data', name: 'score/test.csv', generation: info.generation };
  }
  const predict = (i: Record<string, unknown>) => ({
    survived: i.Sex === 'female' ? 1 : 0,
    probability: i.Sex === 'female' ? 0.74 : 0.19,
  });

  /** The job: every instance's {key, prediction}, shuffled into `files` files. */
  async function job(store: MemoryObjectStore, files: number, seed: number, drop = new Set<number>()) {
    const lines = store.text(INSTANCES.bucket, INSTANCES.name)!.trimEnd().split('\n');
    const out = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((i) => !drop.has(i[ROW_KEY] as number))
      .map((i) => JSON.stringify({ key: String(i[ROW_KEY]), prediction: predict(i) }));
    const random = mulberry32(seed);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    const per = Math.ceil(out.length / files);
    const infos: ObjectInfo[] = [];
    for (let f = 0; f < files; f++) {
      const name = `scoring/r1/prediction-m-t/prediction.results-0000${f}-of-0000${files}`;
      infos.push(await store.write('artifacts', name, `${out.slice(f * per, (f + 1) * per).join('\n')}\n`));
    }
    return { infos, out };
  }

  it('pass 1 writes one instance per row while it reads, and records the row count', async () => {
    const store = new ChunkingStore();
    const ds = await dropped(store);
    const { rows } = await writeInstances(store, ds, TRAINER, INSTANCES);
    assert.equal(rows, rowsInFile);
    const lines = store.text(INSTANCES.bucket, INSTANCES.name)!.trimEnd().split('\n');
    assert.equal(lines.length, rowsInFile);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(first[ROW_KEY], 0);
    assert.equal(first.Sex, 'male');
    assert.equal(JSON.parse(lines[4179]!)[ROW_KEY], 4179);
    const upload = store.uploads.find((u) => u.name === INSTANCES.name)!;
    assert.ok(upload.chunks > 10, `the instances went up in ${upload.chunks} chunks`);
    assert.ok(upload.firstChunkAtRead < csv.length / 4, 'the upload began before the input was read');
    const count = rowCountObject(INSTANCES);
    assert.deepEqual(JSON.parse(store.text(count.bucket, count.name)!), { rows: rowsInFile });
  });

  it('pass 2 gives the in-memory merge’s file, in input order, whatever the results’ split and order', async () => {
    const store = new ChunkingStore();
    const ds = await dropped(store);
    await writeInstances(store, ds, TRAINER, INSTANCES);
    const inputRows = (parse(csv, { columns: true }) as Record<string, string>[]).map((r) => ({
      PassengerId: Number(r.PassengerId),
    }));
    let expected: string | undefined;
    for (const [files, seed] of [
      [1, 1],
      [3, 2],
      [7, 3],
    ] as const) {
      const { infos, out } = await job(store, files, seed);
      const merged = await mergeResults(store, ds, TRAINER, infos, OUT, INSTANCES);
      assert.deepEqual(merged.header, ['PassengerId', 'survived', 'probability']);
      const text = store.text(OUT.bucket, OUT.name)!;
      const reference = mergePredictions(inputRows, { id: 'PassengerId', features: [] }, [
        { name: 'all', text: out.join('\n') },
      ]).csv;
      assert.equal(text, reference);
      expected ??= text;
      assert.equal(text, expected);
      for (const f of infos) await store.write('artifacts', f.name, '');
    }
    const parsed = parse(expected!, { columns: true }) as Record<string, string>[];
    assert.equal(parsed.length, rowsInFile);
    assert.equal(parsed[0]?.PassengerId, '892');
    assert.equal(parsed[418]?.PassengerId, '10892');
    const uploads = store.uploads.filter((u) => u.name === OUT.name);
    assert.equal(uploads.length, 3);
  });

  it('pass 2 fails naming the rows the results miss and uploads nothing', async () => {
    const store = new ChunkingStore();
    const ds = await dropped(store);
    await writeInstances(store, ds, TRAINER, INSTANCES);
    const { infos } = await job(store, 2, 5, new Set([0, 4000]));
    await assert.rejects(mergeResults(store, ds, TRAINER, infos, OUT, INSTANCES), (err: unknown) => {
      assert.ok(err instanceof BatchResultsError);
      assert.deepEqual(err.missing, [0, 4000]);
      assert.match(
        err.message,
        /no prediction for 2 of 4180 rows: row 1 \(PassengerId 892\); row 4001 \(PassengerId 91130\)/,
      );
      return true;
    });
    assert.equal(await store.stat(OUT.bucket, OUT.name), undefined);
    assert.equal(store.uploads.filter((u) => u.name === OUT.name).length, 0, 'no upload begun');
  });

  it('pass 2 without the recorded count (instances of an older run) still refuses rows past the input', async () => {
    const store = new ChunkingStore();
    const ds = await dropped(store);
    await writeInstances(store, ds, TRAINER, INSTANCES);
    const { infos } = await job(store, 1, 6);
    const extra = await store.write(
      'artifacts',
      'scoring/r1/prediction-m-t/prediction.results-extra',
      `${JSON.stringify({ key: String(rowsInFile + 3), prediction: { survived: 1, probability: 0.5 } })}\n`,
    );
    await assert.rejects(mergeResults(store, ds, TRAINER, [...infos, extra], OUT), (err: unknown) => {
      assert.ok(err instanceof BatchResultsError);
      assert.match(err.message, new RegExp(`1 output lines unusable: key ${rowsInFile + 3}: names no input row`));
      return true;
    });
    assert.equal(await store.stat(OUT.bucket, OUT.name), undefined, 'the begun upload was abandoned');
    // And without the extra line, the same call writes the file.
    const merged = await mergeResults(store, ds, TRAINER, infos, OUT);
    assert.equal(merged.rows, rowsInFile);
  });

  it('pass 1 writes nothing when the file no longer validates', async () => {
    const store = new ChunkingStore();
    const info = await store.write('data', 'score/bad.csv', csv.replace('\n893,3,', '\n893,x,'));
    await assert.rejects(
      writeInstances(store, { bucket: 'data', name: 'score/bad.csv', generation: info.generation }, TRAINER, INSTANCES),
      /no longer validates/,
    );
    assert.equal(await store.stat(INSTANCES.bucket, INSTANCES.name), undefined);
  });
});
