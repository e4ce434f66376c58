// The drop check's validation step, as ONE swappable function: what onDatasetFinalized runs on a dropped object —
// validateDatasetStream (functions/src/contract/dataset-validator.ts) streaming the file against the trainer's
// dataset.schema.json. If the drop check moves to another validator, point `validation` at it.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { loadTrainerDatasetSchema } from '../../functions/src/contract/dataset-schema';
import { validateDatasetStream } from '../../functions/src/contract/dataset-validator';

export interface Validation {
  /** What is measured, printed with the figures. */
  name: string;
  /** Validates the file, streamed; resolves to the rows seen and the problems found. */
  run(file: string): Promise<{ rowCount: number; problemCount: number }>;
}

const TRAINER = path.resolve(__dirname, '../../trainer');

export const validation: Validation = {
  name: 'functions/src/contract/dataset-validator validateDatasetStream with trainer/dataset.schema.json (the drop check)',
  run: async (file) => validateDatasetStream(createReadStream(file), await loadTrainerDatasetSchema(TRAINER)),
};
