// A trainer's manifest, trainer.yaml: read, checked against schemas/trainer-manifest.schema.json, and the
// cross-field rules a schema cannot say (the gate metric is one of the declared metrics; names are unique).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import manifestSchema from './schemas/trainer-manifest.schema.json';
import { check, ContractError, newAjv } from './ajv';

export type Task = 'binary-classification' | 'multiclass-classification' | 'regression';
export type Direction = 'higher' | 'lower';

export interface MetricDeclaration {
  name: string;
  direction: Direction;
  description?: string;
}

export interface TrainerManifest {
  apiVersion: 'vertex-retrain/v1';
  name: string;
  description?: string;
  task: Task;
  image: { dockerfile: string; context?: string };
  train?: { command?: string[]; args?: string[] };
  serve: { command: string[]; args?: string[]; port: number; predictRoute: string; healthRoute: string };
  dataset: { schema: string };
  metrics: MetricDeclaration[];
  gate: { metric: string; floor: number; tolerance?: number };
  local?: { requires?: { command: string; module?: string; install?: string }[] };
}

/** A manifest with where it came from: `dir` is the trainer folder every relative path resolves against. */
export interface LoadedManifest {
  dir: string;
  manifest: TrainerManifest;
}

export const MANIFEST_FILE = 'trainer.yaml';

const validate = newAjv().compile(manifestSchema);

/** Parses and checks a manifest's text. `source` names the file in errors. Throws ContractError. */
export function parseManifest(text: string, source = MANIFEST_FILE): TrainerManifest {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0)
    throw new ContractError(
      source,
      doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0]}`),
    );
  const manifest = check<TrainerManifest>(validate, doc.toJS(), source);
  const problems: string[] = [];
  const seen = new Set<string>();
  manifest.metrics.forEach((m, i) => {
    if (seen.has(m.name)) problems.push(`metrics[${i}].name: "${m.name}" is declared twice`);
    seen.add(m.name);
  });
  if (!seen.has(manifest.gate.metric))
    problems.push(
      `gate.metric: "${manifest.gate.metric}" is not one of the declared metrics (${[...seen].join(', ')})`,
    );
  if (problems.length > 0) throw new ContractError(source, problems);
  return manifest;
}

/** Reads `<dir>/trainer.yaml`. Throws ContractError naming the file and every bad field. */
export async function loadManifest(dir: string): Promise<LoadedManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ContractError(file, [
      code === 'ENOENT' ? 'no trainer manifest here (is --trainer the trainer folder?)' : String(error),
    ]);
  }
  return { dir, manifest: parseManifest(text, file) };
}

/** `loadManifest` for a caller that cannot wait (building the cloud adapters' settings at cold start). */
export function loadManifestSync(dir: string): LoadedManifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ContractError(file, [
      code === 'ENOENT' ? 'no trainer manifest here (is --trainer the trainer folder?)' : String(error),
    ]);
  }
  return { dir, manifest: parseManifest(text, file) };
}

/** The path of a file the manifest names, resolved against the trainer folder. */
export function trainerPath(loaded: LoadedManifest, relative: string): string {
  return path.resolve(loaded.dir, relative);
}

/** The gate's view: whether higher or lower is better for a declared metric; undefined for an undeclared one. */
export function metricDirection(manifest: Pick<TrainerManifest, 'metrics'>, name: string): Direction | undefined {
  return manifest.metrics.find((m) => m.name === name)?.direction;
}
