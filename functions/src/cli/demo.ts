// `vertex-retrain demo`: the whole flow once, on this machine. Starts the local stack for a trainer (default: the
// repository's trainer/ folder; `--trainer <dir>` another), drops the trainer's sample training set into the data bucket,
// follows the run stage by stage, asks the served endpoint about a few rows of its score file, prints the run's
// lineage, stops everything. Exit 0 only if predictions came back. A trainer this machine cannot run (a missing
// interpreter or module) is refused before anything starts, with what to install.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { objectPath } from '../local/layout';
import { LocalObjectStore } from '../local/object-store';
import type { RunRecord } from '../pipeline/run-record';
import { loadManifest } from '../contract/manifest';
import { loadTrainerDatasetSchema } from '../contract/dataset-schema';
import { checkTrainerHost } from '../local/stack';
import { followRun } from './follow';
import { predictLocal, renderPredictions } from './predict';
import { renderOutcome } from './run-outcome-view';
import { renderLineage, runDuration } from './run-view';
import { RunReader } from './runs';
import { sampleInstances, trainerSamples } from './trainer-samples';
import { stackTrainerDir, startStack, stopStack } from './up';

export interface DemoOptions {
  /** The stack folder; default: a fresh one of its own under the system's temp folder, so every demo is the same. */
  dir?: string;
  /** The trainer folder (default: stackTrainerDir, the repository's trainer/ folder). */
  trainerDir?: string;
  port: number;
  /** How many rows of the trainer's score file to predict. */
  rows: number;
  timeoutMs: number;
  verbose?: boolean;
  out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Figures a demo run measured (printed, and returned for the end-to-end test). */
export interface DemoResult {
  runId: string;
  state: string;
  /** From the data drop to the first prediction served by the endpoint. */
  dropToPredictionMs?: number;
  /** From process start to the end of the demo. */
  totalMs: number;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function demo(opts: DemoOptions): Promise<DemoResult> {
  const out = opts.out ?? process.stdout;
  const say = (line = '') => out.write(`${line}\n`);
  const startMs = performance.now();
  const trainerDir = opts.trainerDir ?? stackTrainerDir(undefined);
  // Before any folder or process: the host can run this trainer, and it ships sample data.
  const host = await checkTrainerHost(trainerDir);
  const samples = await trainerSamples(trainerDir);
  const { manifest } = await loadManifest(trainerDir);
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'vertex-retrain-demo-')));
  const stack = await startStack({
    dir,
    trainerDir,
    host,
    port: opts.port,
    verbose: opts.verbose,
    reconcileIntervalMs: 250,
    out,
  });
  try {
    say(`trainer: ${relative(process.cwd(), trainerDir) || '.'} (${manifest.name}, ${manifest.task})`);
    say(`stack folder: ${stack.layout.root}${opts.dir ? '' : ' (fresh for this demo; --dir <folder> to choose one)'}`);
    say(
      `local stack up in ${secs(performance.now() - startMs)} (functions, router, build/training/endpoint twins on 127.0.0.1)`,
    );
    const { dataBucket, datasetPrefix, artifactsBucket } = stack.names;
    // A file already named after its trainer (trainer.yaml `name`) keeps its name; any other is prefixed with it.
    const file = basename(samples.training);
    const objectFile = file.startsWith(manifest.name) ? file : `${manifest.name}-${file}`;
    const name = `${datasetPrefix}${objectFile}`;
    const data = await readFile(samples.training);
    const store = new LocalObjectStore(stack.layout);
    const dropped = await store.write(dataBucket, name, data, { contentType: 'text/csv' });
    const dropMs = performance.now();
    const uri = `gs://${dataBucket}/${name}`;
    say(
      `dropped ${relative(process.cwd(), samples.training)} as ${uri} (generation ${dropped.generation}, ${data.length} bytes)`,
    );
    say(`  = ${join(stack.dropFolder, objectFile)}`);
    say();
    const reader = new RunReader(store, artifactsBucket);
    const run = await followRun({
      fetch: () => reader.forDataset(dataBucket, name, dropped.generation),
      out,
      timeoutMs: opts.timeoutMs,
    });
    say();
    if (run.state !== 'DEPLOYED') {
      say(renderLineage(run).join('\n'));
      throw new Error(`the run ended ${run.state}, not DEPLOYED`);
    }
    const instances = await sampleInstances(samples, opts.rows);
    const response = await predictLocal(stack, instances);
    const dropToPredictionMs = performance.now() - dropMs;
    say(`predictions from ${stack.predictUrl}`);
    say(`(deployed model ${response.deployedModelId}, model version ${response.modelVersionId}):`);
    const { table } = await loadTrainerDatasetSchema(trainerDir);
    say(renderPredictions(instances, response, table).join('\n'));
    say();
    say(renderLineage(run).join('\n'));
    say();
    say(`run ${run.runId}: ${run.state} in ${secs(runDuration(run, new Date()))} after the drop`);
    say(`data drop → first served prediction: ${secs(dropToPredictionMs)}`);
    const totalMs = performance.now();
    say(`whole demo (process start → predictions): ${secs(totalMs)}`);
    // The reconciler writes the cost estimate and report.html on its next tick once the run is final: show where.
    const finalized = await waitForReport(reader, dataBucket, name, dropped.generation, 5000);
    if (finalized) {
      const localPath = (b: string, n: string) => objectPath(stack.layout, b, n);
      say(
        renderOutcome(finalized, { localPath })
          .filter((l) => /cost|report/.test(l))
          .join('\n'),
      );
    }
    return { runId: run.runId, state: run.state, dropToPredictionMs, totalMs };
  } finally {
    await stopStack(stack);
  }
}

/** The run record once the reconciler has written its report, or undefined after `timeoutMs`. */
async function waitForReport(
  reader: RunReader,
  bucket: string,
  name: string,
  generation: string,
  timeoutMs: number,
): Promise<RunRecord | undefined> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const run = await reader.forDataset(bucket, name, generation);
    if (run?.report) return run;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
