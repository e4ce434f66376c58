// Benchmark of the streaming dataset check (not a timed test): generates a Titanic-shaped CSV (1 GB by default;
// BENCH_VALIDATE_MB to change) in a temp folder, validates it with the Titanic schema through the same function
// the drop check and `vertex-retrain validate` call (validateDatasetStream on a file stream), and prints time, MB/s
// and peak RSS against the goal (≤ 300 MB peak RSS, ≥ 50 MB/s). Baselines measured in the same run on the same file:
// the raw read (file stream + line count: the floor), the validator's own tokeniser alone (decode + CsvRecords, no
// checks) and papaparse alone (what the validator used before); the validate time is printed as a ratio to each.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { CsvRecords, decodeCsvText } from '../../functions/src/contract/dataset-decode';
import { loadTrainerDatasetSchema } from '../../functions/src/contract/dataset-schema';
import { validateDatasetStream } from '../../functions/src/contract/dataset-validator';

const root = path.resolve(__dirname, '../..');
const targetBytes = Number(process.env.BENCH_VALIDATE_MB ?? 1024) * 1024 * 1024;

async function generate(file: string): Promise<number> {
  const rows = readFileSync(path.join(root, 'test/fixtures/titanic/train.csv'), 'utf8').split('\r\n').filter(Boolean);
  const header = rows.shift() as string;
  const bodies = rows.map((r) => r.slice(r.indexOf(',')));
  const out = createWriteStream(file);
  let written = 0;
  let id = 1;
  let buf = `${header}\r\n`;
  while (written < targetBytes) {
    for (const body of bodies) buf += `${id++}${body}\r\n`;
    written += buf.length;
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
    buf = '';
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return id - 1;
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const mb = (b: number) => b / 1024 / 1024;

/** Wall and CPU seconds of `run`. */
async function timed(run: () => Promise<unknown>): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await run();
  const cpu = process.cpuUsage(cpuStart);
  return [Number(process.hrtime.bigint() - start) / 1e9, (cpu.user + cpu.system) / 1e6];
}

/** Baseline: the raw read, counting line ends (the floor for any check reading the file). */
async function readOnly(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  return lines;
}

/** Baseline: the validator's decode + tokeniser with no checks (records counted). */
async function tokenizeOnly(file: string): Promise<number> {
  let records = 0;
  const r = new CsvRecords(
    ',',
    () => records++,
    () => undefined,
  );
  for await (const text of decodeCsvText(createReadStream(file))) r.push(text);
  r.end();
  return records;
}

/** Baseline: papaparse alone on the file (what the validator parsed with before). */
function papaparseOnly(file: string): Promise<void> {
  return new Promise<void>((resolve) =>
    Papa.parse(createReadStream(file, { encoding: 'utf8' }) as unknown as File, {
      chunk: () => undefined,
      complete: () => resolve(),
    }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-validate-'));
  const file = path.join(dir, 'titanic-big.csv');
  try {
    const rows = await generate(file);
    const { size } = await stat(file);
    const schema = await loadTrainerDatasetSchema(path.join(root, 'trainer'));
    const loadBefore = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    global.gc?.();
    peak = process.memoryUsage().rss;
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const result = await validateDatasetStream(createReadStream(file), schema);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const validatePeak = Math.max(peak, process.memoryUsage().rss);
    const baselines: [string, [number, number]][] = [
      ['read only (file stream + line count)', await timed(() => readOnly(file))],
      ['tokeniser only (decode + CsvRecords, no checks)', await timed(() => tokenizeOnly(file))],
      ['papaparse only (the parser used before)', await timed(() => papaparseOnly(file))],
    ];
    const rate = mb(size) / seconds;
    const cpuRate = mb(size) / cpuSeconds;
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    console.log(
      `file: ${mb(size).toFixed(0)} MB, ${rows} data rows (generated); load average ${loadBefore} before, ${load} after`,
    );
    console.log(
      `validate: ${seconds.toFixed(2)} s wall, ${rate.toFixed(1)} MB/s; ${cpuSeconds.toFixed(2)} s CPU, ${cpuRate.toFixed(1)} MB per CPU-second; peak RSS ${mb(validatePeak).toFixed(0)} MB`,
    );
    for (const [name, [wall, cpuOf]] of baselines)
      console.log(
        `baseline, ${name}: ${wall.toFixed(2)} s wall, ${(mb(size) / wall).toFixed(1)} MB/s; ${cpuOf.toFixed(2)} s CPU, ${(mb(size) / cpuOf).toFixed(1)} MB per CPU-second; validate takes ${(cpuSeconds / cpuOf).toFixed(2)}x its CPU`,
      );
    console.log(
      `result: ${result.rowCount} rows, ${result.problemCount} problems${result.notes.length ? `; ${result.notes.join('; ')}` : ''}`,
    );
    // On a shared 2-core machine wall time also measures the neighbours: the rate goal is shown on CPU time too.
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `goal: peak RSS <= 300 MB ${met(mb(validatePeak) <= 300)}; >= 50 MB/s ${met(rate >= 50)} on wall time, ${met(cpuRate >= 50)} per CPU-second`,
    );
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
