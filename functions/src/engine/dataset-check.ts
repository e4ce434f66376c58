// The seam to the trainer's dataset rules: the drop check reads the trainer's declared dataset schema (its folder's
// trainer.yaml → dataset.schema.json, docs/trainer-contract.md) and streams the object through the contract's
// validator, so no trainer code is loaded and memory stays bounded whatever the file's size.
import type { Readable } from 'node:stream';
import type * as DatasetSchemaModule from '../contract/dataset-schema';
import type * as DatasetValidatorModule from '../contract/dataset-validator';
import { loadOncePerKey } from '../load-once';
import type { ScoringColumns } from '../pipeline/batch-results';

export type { DatasetProblem } from '../contract/dataset-validator';
export { describeProblem } from '../contract/dataset-validator';

/** What the drop check uses of a validation: rows, the kept problems and the count of all of them. */
export type DatasetValidation = Pick<
  DatasetValidatorModule.DatasetValidation,
  'rowCount' | 'problems' | 'problemCount'
> & {
  /** A training drop lacks the label column: it may be rows to score (the rejection says where to drop them). */
  labelMissing?: boolean;
};

/** What the dropped file is checked for: training (label required) or scoring (label not read). */
export type DatasetPurpose = 'training' | 'scoring';

/**
 * Checks a training CSV stream against the schema of the trainer in `trainerDir`, without training on it. Resolves
 * for bad content; rejects only if the stream errors (e.g. ObjectGoneError) or the trainer's schema cannot be loaded.
 */
export type DatasetValidator = (
  input: Readable,
  trainerDir: string,
  purpose?: DatasetPurpose,
) => Promise<DatasetValidation>;

/** The trainer's schema, loaded once per folder (a failed load is retried next time). */
const schemaOf = loadOncePerKey((trainerDir): Promise<DatasetSchemaModule.DatasetSchema> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadTrainerDatasetSchema } = require('../contract/dataset-schema') as typeof DatasetSchemaModule;
  return loadTrainerDatasetSchema(trainerDir);
});

async function schemaFor(input: Readable, trainerDir: string): Promise<DatasetSchemaModule.DatasetSchema> {
  try {
    return await schemaOf(trainerDir);
  } catch (err) {
    input.destroy();
    throw err;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const validator = () => require('../contract/dataset-validator') as typeof DatasetValidatorModule;

/**
 * The trainer's declared rules, with the label required for a training set and not read for rows to score. Loaded
 * on first use: only onDatasetFinalized validates datasets, so the other functions never load ajv or the CSV parser
 * at cold start.
 */
export const validateTrainingDataset: DatasetValidator = async (input, trainerDir, purpose = 'training') => {
  const schema = await schemaFor(input, trainerDir);
  const requireLabel = purpose === 'training';
  const { rowCount, problems, problemCount } = await validator().validateDatasetStream(input, schema, {
    requireLabel,
  });
  const label = schema.table.label;
  const labelMissing =
    requireLabel && problems.some((p) => p.column === label && p.row === undefined && /is missing/.test(p.message));
  return { rowCount, problems, problemCount, ...(labelMissing ? { labelMissing } : {}) };
};

/** The columns scoring reads: the schema's id and features. */
export async function scoringColumns(trainerDir: string): Promise<ScoringColumns> {
  const { id, features } = (await schemaOf(trainerDir)).table;
  return { ...(id ? { id } : {}), features };
}

/**
 * Streams a scoring file through the validator, handing each valid typed row to `onRow` with its index (in file
 * order; the indices are the rows' only when the file validates: check problemCount). Bounded memory.
 */
export async function scanScoringRows(
  input: Readable,
  trainerDir: string,
  onRow: (row: Record<string, unknown>, index: number) => void,
): Promise<{ rowCount: number; problemCount: number }> {
  const schema = await schemaFor(input, trainerDir);
  let index = 0;
  const { rowCount, problemCount } = await validator().validateDatasetStream(input, schema, {
    requireLabel: false,
    onRow: (row) => onRow(row, index++),
  });
  return { rowCount, problemCount };
}
