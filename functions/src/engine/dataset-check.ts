// The seam to the trainer's dataset rules: the drop check reads the trainer's declared dataset schema (its folder's
// trainer.yaml → dataset.schema.json, docs/trainer-contract.md) and streams the object through the contract's
// validator, so no trainer code is loaded and memory stays bounded whatever the file's size.
import type { Readable } from 'node:stream';
import type * as DatasetSchemaModule from '../contract/dataset-schema';
import type * as DatasetValidatorModule from '../contract/dataset-validator';
import { loadOncePerKey } from '../load-once';

export type { DatasetProblem } from '../contract/dataset-validator';
export { describeProblem } from '../contract/dataset-validator';

/** What the drop check uses of a validation: rows, the kept problems and the count of all of them. */
export type DatasetValidation = Pick<
  DatasetValidatorModule.DatasetValidation,
  'rowCount' | 'problems' | 'problemCount'
>;

/**
 * Checks a training CSV stream against the schema of the trainer in `trainerDir`, without training on it. Resolves
 * for bad content; rejects only if the stream errors (e.g. ObjectGoneError) or the trainer's schema cannot be loaded.
 */
export type DatasetValidator = (input: Readable, trainerDir: string) => Promise<DatasetValidation>;

/** The trainer's schema, loaded once per folder (a failed load is retried next time). */
const schemaOf = loadOncePerKey((trainerDir): Promise<DatasetSchemaModule.DatasetSchema> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadTrainerDatasetSchema } = require('../contract/dataset-schema') as typeof DatasetSchemaModule;
  return loadTrainerDatasetSchema(trainerDir);
});

/**
 * The trainer's declared rules, with the label required (a training set). Loaded on first use: only
 * onDatasetFinalized validates datasets, so the other functions never load ajv or the CSV parser at cold start.
 */
export const validateTrainingDataset: DatasetValidator = async (input, trainerDir) => {
  let schema;
  try {
    schema = await schemaOf(trainerDir);
  } catch (err) {
    input.destroy();
    throw err;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateDatasetStream } = require('../contract/dataset-validator') as typeof DatasetValidatorModule;
  const { rowCount, problems, problemCount } = await validateDatasetStream(input, schema, { requireLabel: true });
  return { rowCount, problems, problemCount };
};
