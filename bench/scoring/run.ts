// Benchmark of a scoring run's two passes (not a timed test): generates a label-less Titanic CSV (200 MB by default;
// BENCH_SCORING_MB to change; BENCH_SCORING_SHARDS results files, default 8) into a local object store in a temp
// folder (the local stack's LocalObjectStore: objects on disk, so RSS measures the passes, not the store), then runs
// the real functions the scoring run calls: pass 1 (validate + write the instances JSONL) and, after a fake job that
// answers every instance and scatters the results over the shards in random order, pass 2 (read the results into the
// row-keyed table, stream the input again, write <name>.predictions.csv). Prints each pass's time, input MB/s and
// peak RSS above the process's RSS before it, and checks the predictions file's row count and order.
import { createInterface } from 'node:readline';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { mergeResults, writeInstances } from '../../functions/src/engine/scoring-passes';
import { ROW_KEY } from '../../functions/src/pipeline/batch-results';
import { localLayout } from '../../functions/src/local/layout';
import { LocalObjectStore } from '../../functions/src/local/object-store';
import type { ObjectInfo } from '../../functions/src/ports';

const root = path.resolve(__dirname, '../..');
const TRAINER = path.join(root, 'trainer');
const targetBytes = Number(process.env.BENCH_SCORING_MB ?? 200) * 1024 * 1024;
const shards = Number(process.env.BENCH_SCORING_SHARDS ?? 8);
const mb = (b: number) => b / 1024 / 1024;

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);

/** Wall seconds of `run` and its peak RSS above the RSS when it began. */
async function phase<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number; rss: number; peakRss: number }> {
  const before = process.memoryUsage().rss;
  peak = before;
  const start = process.hrtime.bigint();
  const result = await run();
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9, rss: peak - before, peakRss: peak };
}

/** test.csv's rows with fresh ids, repeated up to the target size, as chunks. */
async function* scoringCsv(): AsyncGenerator<string> {
  const rows = (await readFile(path.join(root, 'test/fixtures/titanic/test.csv'), 'utf8'))
    .split(/\r?\n/)
    .filter(Boolean);
  const header = rows.shift() as string;
  const bodies = rows.map((r) => r.slice(r.indexOf(',')));
  let written = 0;
  let id = 1;
  yield `${header}\n`;
  while (written < targetBytes) {
    let buf = '';
    for (const body of bodies) buf += `${id++}${body}\n`;
    written += buf.length;
    yield buf;
  }
}

/** A fake BatchPredictionJob: every instance answered, the lines scattered over `shards` files at random. */
async function fakeJob(store: LocalObjectStore, instances: ObjectInfo, folder: string): Promise<ObjectInfo[]> {
  const outs = Array.from({ length: shards }, () => new PassThrough());
  const pad = (n: number) => String(n).padStart(5, '0');
  const written = outs.map((out, k) =>
    store.writeStream('artifacts', `${folder}prediction.results-${pad(k)}-of-${pad(shards)}`, out),
  );
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000) as number;
  // Lines held back at random and released later, so each shard is out of order too.
  const held: string[][] = outs.map(() => []);
  const lines = createInterface({ input: store.readStream('artifacts', instances.name, instances.generation) });
  for await (const text of lines) {
    const i = JSON.parse(text) as Record<string, unknown>;
    const female = i.Sex === 'female';
    const line = `${JSON.stringify({ key: String(i[ROW_KEY]), prediction: { survived: female ? 1 : 0, probability: female ? 0.74 : 0.19 } })}\n`;
    const k = Math.floor(random() * shards);
    const bucket = held[k] as string[];
    bucket.push(line);
    if (bucket.length >= 4096) {
      for (let a = bucket.length - 1; a > 0; a--) {
        const b = Math.floor(random() * (a + 1));
        [bucket[a], bucket[b]] = [bucket[b] as string, bucket[a] as string];
      }
      const out = outs[k] as PassThrough;
      if (!out.write(bucket.join(''))) await once(out, 'drain');
      held[k] = [];
    }
  }
  outs.forEach((out, k) => out.end((held[k] as string[]).reverse().join('')));
  return Promise.all(written);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-scoring-'));
  try {
    const store = new LocalObjectStore(localLayout(dir));
    const drop = await store.writeStream('data', 'score/big.csv', scoringCsv(), { contentType: 'text/csv' });
    const ds = { bucket: 'data', name: drop.name, generation: drop.generation };
    const inputMb = mb(drop.size);
    const target = { bucket: 'artifacts', name: 'scoring/bench/instances.jsonl' };
    console.log(`scoring bench: ${inputMb.toFixed(0)} MB input, ${shards} results files, node ${process.version}`);

    const p1 = await phase(() => writeInstances(store, ds, TRAINER, target));
    const instances = (await store.stat(target.bucket, target.name)) as ObjectInfo;
    const results = await fakeJob(store, instances, 'scoring/bench/prediction-m-t/');
    const out = { bucket: 'data', name: 'score/big.predictions.csv' };
    const p2 = await phase(() => mergeResults(store, ds, TRAINER, results, out, target));
    const predictions = (await store.stat(out.bucket, out.name)) as ObjectInfo;

    // The predictions file: one line per row, ids in input order (1, 2, 3, …).
    let n = 0;
    let ordered = true;
    for await (const line of createInterface({
      input: store.readStream(out.bucket, out.name, predictions.generation),
    })) {
      if (n > 0 && !line.startsWith(`${n},`)) ordered = false;
      n++;
    }
    const rows = p1.result.rows;
    const resultsMb = mb(results.reduce((s, r) => s + r.size, 0));
    const row = (name: string, p: { seconds: number; rss: number; peakRss: number }, detail: string) =>
      console.log(
        `${name.padEnd(28)} ${p.seconds.toFixed(1).padStart(6)} s  ${(inputMb / p.seconds).toFixed(1).padStart(6)} MB/s of input  ` +
          `peak RSS ${mb(p.peakRss).toFixed(0).padStart(4)} MB (+${mb(p.rss).toFixed(0)} MB over the phase's start)  ${detail}`,
      );
    row('pass 1 validate + instances', p1, `${rows} rows → ${mb(instances.size).toFixed(0)} MB JSONL`);
    row(
      'pass 2 results + merge',
      p2,
      `${resultsMb.toFixed(0)} MB results → ${mb(predictions.size).toFixed(0)} MB CSV, header ${p2.result.header.join(',')}`,
    );
    console.log(
      `predictions file: ${n - 1} rows (${n - 1 === rows ? 'all' : 'NOT all'}), ${ordered ? 'in input order' : 'NOT in input order'}`,
    );
    if (n - 1 !== rows || !ordered) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
