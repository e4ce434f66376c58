// The model the benchmark serves, and the training time. Uses the trainer's own functions when they exist on this
// branch (preprocess.parseTrainingSet → train.train → artifact.buildArtifact/serializeArtifact, checked with
// artifact.predictorFromArtifact); otherwise falls back to a FAKE predictor (servers/fake-model-preload.js) and
// says so. Modules are required by computed path so the bench compiles before the model module has landed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PreparedModel {
  kind: 'real' | 'fake';
  /** Directory holding model.json (AIP_STORAGE_URI for the server). */
  dir: string;
  /** Why the fake was used, or what the real model is. */
  note: string;
  /** In-process wall time of each training run (891 rows), real models only. */
  trainingMs: number[];
}

type Fn = (...args: never[]) => unknown;
const load = createRequire(__filename);

function trainerFunctions(root: string): Record<string, Fn> | string {
  const wanted = {
    preprocess: ['parseTrainingSet'],
    train: ['train'],
    artifact: ['buildArtifact', 'serializeArtifact', 'predictorFromArtifact', 'ARTIFACT_FILE'],
  };
  const found: Record<string, Fn> = {};
  for (const [module, names] of Object.entries(wanted)) {
    let exports: Record<string, unknown>;
    try {
      exports = load(join(root, 'trainer/src', module)) as Record<string, unknown>;
    } catch (err) {
      return `trainer/src/${module}.ts cannot be loaded (${(err as Error).message.split('\n')[0]})`;
    }
    for (const name of names) {
      if (exports[name] === undefined) return `trainer/src/${module}.ts has no export ${name}`;
      found[name] = exports[name] as Fn;
    }
  }
  return found;
}

export function prepareModel(root: string, trainingCsv: string, trainingRuns: number): PreparedModel {
  const dir = mkdtempSync(join(tmpdir(), 'bench-model-'));
  const fns = trainerFunctions(root);
  if (typeof fns === 'string') return fake(dir, fns);
  const csv = readFileSync(trainingCsv);
  const rows = (fns.parseTrainingSet as (b: Buffer) => unknown[])(csv);
  const train = fns.train as (rows: unknown[]) => { fitted: unknown };
  const trainingMs: number[] = [];
  let fitted: unknown;
  for (let i = 0; i < trainingRuns; i++) {
    const started = performance.now();
    fitted = train(rows).fitted;
    trainingMs.push(performance.now() - started);
  }
  const artifact = (fns.buildArtifact as (f: unknown, c: object) => object)(fitted, {
    codeVersion: 'bench',
    seed: 42,
    trainingData: { uri: trainingCsv, sha256: createHash('sha256').update(csv).digest('hex'), rows: rows.length },
  });
  const text = (fns.serializeArtifact as (a: object) => string)(artifact);
  try {
    (fns.predictorFromArtifact as (t: string) => unknown)(text);
  } catch (err) {
    return fake(dir, `predictorFromArtifact rejects the trained artifact (${(err as Error).message})`);
  }
  writeFileSync(join(dir, fns.ARTIFACT_FILE as unknown as string), text);
  return { kind: 'real', dir, note: `real model trained on ${rows.length} rows`, trainingMs };
}

function fake(dir: string, why: string): PreparedModel {
  // Weights of the stand-in predictor in servers/fake-model-preload.js (15 features).
  const weights = [1.9, 1.1, 2.6, -0.4, 1.2, -0.3, -0.1, 0.2, 0.6, 0.3, 0.1, -0.5, -0.2, 1.5, 0.2];
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ weights, intercept: -2.3 }));
  return { kind: 'fake', dir, note: `FAKE predictor: ${why}`, trainingMs: [] };
}
