// The sample data a trainer folder ships, for the demo: the CSV files in its `data/` folder, told apart by its dataset
// schema. The one whose header has the label column is a training set (what the demo drops); one without the label
// is a score file (what the demo asks the endpoint about). Cells are typed by the schema, as a client sends JSON.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadTrainerDatasetSchema } from '../contract/dataset-schema';
import type { DatasetSchema } from '../contract/dataset-schema';
import { readInstances } from './instances';

export interface TrainerSamples {
  /** The training set to drop. */
  training: string;
  /** The file whose rows are predicted: a score file, else the training set (its label left out). */
  score: string;
  schema: DatasetSchema;
}

/** The header of a CSV file. */
async function header(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const records: string[][] = parse(firstLine, { bom: true, relax_quotes: true });
  const [row] = records;
  return row ?? [];
}

/** Finds the samples in `<trainerDir>/data/` (first by name when there are several). Throws when there is none. */
export async function trainerSamples(trainerDir: string): Promise<TrainerSamples> {
  const schema = await loadTrainerDatasetSchema(trainerDir);
  const folder = join(trainerDir, 'data');
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith('.csv')).sort();
  const labelled: string[] = [];
  const unlabelled: string[] = [];
  for (const name of names) {
    const file = join(folder, name);
    ((await header(file)).includes(schema.table.label) ? labelled : unlabelled).push(file);
  }
  const training = labelled[0];
  if (!training)
    throw new Error(
      `${folder}: no sample training set (a .csv file whose header has the label column "${schema.table.label}")`,
    );
  return { training, score: unlabelled[0] ?? training, schema };
}

/** One typed cell: the schema's integer and number columns as numbers, booleans as booleans, the rest as text. */
function typed(schema: DatasetSchema, column: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const type = schema.byName.get(column)?.type;
  if ((type === 'integer' || type === 'number') && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (type === 'boolean' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return value;
}

/** Up to `limit` rows of the score file as prediction instances, typed by the schema, without the label. */
export async function sampleInstances(samples: TrainerSamples, limit: number): Promise<Record<string, unknown>[]> {
  const { schema } = samples;
  return readInstances(await readFile(samples.score, 'utf8'), limit).map((row) =>
    Object.fromEntries(
      Object.entries(row)
        .filter(([column]) => column !== schema.table.label)
        .map(([column, value]) => [column, typed(schema, column, value)]),
    ),
  );
}
