// The drop check's validation step, as ONE swappable function: today the Cloud Function validates a dropped file
// with the trainer's preprocess (validateDataset on the bytes it downloaded). When the drop check moves to another
// validator, point `validation` at it and the bench measures the new path unchanged.
import { validateDataset } from '../../trainer/src/preprocess';

export interface Validation {
  /** What is measured, printed with the figures. */
  name: string;
  /** Validates the file's bytes; returns the rows seen and the problems found. */
  run(bytes: Buffer): { rowCount: number; problemCount: number };
}

export const validation: Validation = {
  name: 'trainer/src/preprocess validateDataset (the drop check today)',
  run: (bytes) => validateDataset(bytes),
};
