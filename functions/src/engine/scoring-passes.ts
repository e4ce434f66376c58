// The scoring run's two passes over the dropped file, each one stream in bounded memory whatever the file's size
// (drops may be MAX_DATASET_BYTES; the function has 1 GiB): the validator reads the object chunk by chunk and hands
// each typed row on, and what the pass makes of the rows goes out through the store's writeStream as it is made.
//  1. instances: validate + write `instances.jsonl` (one line per row, its index as the key) in one read;
//  2. merge: the job's results files (any order, any number) are read line by line into a PredictionTable keyed by
//     row (pipeline/batch-results.ts: about 9 bytes a row per prediction field, the only memory that grows with the
//     file), then the input is streamed again and each row's line of `<name>.predictions.csv` written in input order.
// The output is paced by the input: the next chunk of the object is read only once what the last one produced has
// been taken by the upload, so neither side buffers more than a chunk or two.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import {
  checkScoringColumns,
  idCell,
  instanceLine,
  PredictionTable,
  predictionsLine,
  rowName,
  type ScoringColumns,
} from '../pipeline/batch-results';
import { ObjectSink, type ObjectTarget } from '../pipeline/object-sink';
import type { ObjectInfo, ObjectStore } from '../ports';
import { scanScoringRows, scoringColumns } from './dataset-check';

/** An object version: the dropped file the run validated. */
export interface PinnedObject {
  bucket: string;
  name: string;
  generation: string;
}

/**
 * Where pass 1 records how many rows it wrote, next to the instances: pass 2 then knows before writing anything
 * whether the results cover every row, so a run that fails on its results never starts an upload.
 */
export const rowCountObject = (instances: ObjectTarget): ObjectTarget => ({
  bucket: instances.bucket,
  name: `${instances.name.replace(/\.jsonl$/, '')}.rows.json`,
});

/** The object's stream, read one chunk ahead of what `beforeNext` lets through. */
function paced(input: Readable, beforeNext: () => Promise<void>): Readable {
  return Readable.from(
    (async function* () {
      try {
        for await (const chunk of input) {
          yield chunk as Buffer;
          await beforeNext();
        }
      } finally {
        input.destroy();
      }
    })(),
    { objectMode: false },
  );
}

const noLongerValid = (ds: PinnedObject) =>
  new Error(`gs://${ds.bucket}/${ds.name}#${ds.generation} no longer validates`);

/**
 * Pass 1: validates the dropped file again (the generation the run validated) and writes its instances, one JSON line
 * per row with the row index as ROW_KEY. Nothing is written if the file no longer validates.
 */
export async function writeInstances(
  store: ObjectStore,
  ds: PinnedObject,
  trainerDir: string,
  target: ObjectTarget,
): Promise<{ rows: number }> {
  const columns = await scoringColumns(trainerDir);
  checkScoringColumns(columns);
  const sink = new ObjectSink(store, target, 'application/jsonl');
  try {
    const input = paced(store.readStream(ds.bucket, ds.name, ds.generation), () => sink.flush());
    const scan = await scanScoringRows(input, trainerDir, (row, index) =>
      sink.push(instanceLine(row, index, columns.features)),
    );
    if (scan.problemCount > 0) throw noLongerValid(ds);
    await sink.end();
    const count = rowCountObject(target);
    await store.write(count.bucket, count.name, JSON.stringify({ rows: scan.rowCount }), {
      contentType: 'application/json',
    });
    return { rows: scan.rowCount };
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/** Every line of the results files into a table keyed by row (the files' order does not matter). */
async function readResults(
  store: ObjectStore,
  files: readonly ObjectInfo[],
  rowCount: number | undefined,
): Promise<PredictionTable> {
  const table = new PredictionTable(rowCount);
  for (const f of files) {
    const lines = createInterface({ input: store.readStream(f.bucket, f.name, f.generation), crlfDelay: Infinity });
    let n = 0;
    for await (const text of lines) table.add(text, `${f.name} line ${++n}`);
  }
  return table;
}

/** The row count pass 1 recorded (undefined for instances written before it did). */
async function readRowCount(store: ObjectStore, instances: ObjectTarget): Promise<number | undefined> {
  const count = rowCountObject(instances);
  const got = await store.read(count.bucket, count.name, { maxBytes: 1024 });
  if (!got) return undefined;
  const rows = (JSON.parse(got.data.toString('utf8')) as { rows?: unknown }).rows;
  return typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0 ? rows : undefined;
}

/**
 * Pass 2: merges the job's results files with the dropped file into `target` (the predictions CSV): the header, then
 * one line per input row in input order. `instances` (pass 1's target) leads to the recorded row count. Throws BatchResultsError (and writes nothing) unless every row has exactly
 * one prediction.
 */
export async function mergeResults(
  store: ObjectStore,
  ds: PinnedObject,
  trainerDir: string,
  results: readonly ObjectInfo[],
  target: ObjectTarget,
  instances?: ObjectTarget,
): Promise<{ rows: number; header: string[] }> {
  const rowCount = instances && (await readRowCount(store, instances));
  const table = await readResults(store, results, rowCount);
  const columns: ScoringColumns = await scoringColumns(trainerDir);
  const header = table.header(columns);
  // Results known not to cover the input: the input is read only to name the rows, nothing is uploaded.
  const incomplete =
    table.knownIncomplete || (rowCount !== undefined && table.resultsError(rowCount, new Map()) !== undefined);
  let sink = incomplete ? undefined : new ObjectSink(store, target, 'text/csv');
  sink?.push(predictionsLine(header));
  const names = new Map<number, string>();
  const seen = { missing: 0, failed: 0, conflicting: 0 };
  try {
    const input = paced(store.readStream(ds.bucket, ds.name, ds.generation), () => sink?.flush() ?? Promise.resolve());
    const scan = await scanScoringRows(input, trainerDir, (row, index) => {
      if (table.covers(index)) {
        sink?.push(predictionsLine([idCell(index, columns, row), ...table.cells(index)]));
        return;
      }
      if (table.listed(index, seen)) names.set(index, rowName(index, columns, row));
      if (sink) void sink.abort();
      sink = undefined;
    });
    if (scan.problemCount > 0) throw noLongerValid(ds);
    const error = table.resultsError(scan.rowCount, names);
    if (error) throw error;
    if (!sink) throw new Error('the predictions were abandoned though the results cover the input');
    await sink.end();
    return { rows: scan.rowCount, header };
  } catch (err) {
    await sink?.abort();
    throw err;
  }
}
