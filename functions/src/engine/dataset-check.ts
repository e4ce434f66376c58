// The seam to the trainer's dataset rules: the drop check must use exactly the rules the trainer trains with, so it
// calls trainer/src/preprocess.ts `validateDataset(bytes, {requireLabel: true})` rather than a copy of them.

/** One thing wrong with a dataset (the shape of the trainer's DatasetProblem). `row` is 1-based, header not counted. */
export interface DatasetProblem {
  row?: number;
  column?: string;
  message: string;
}

/** What a validator reports (the shape of the trainer's ValidationResult). */
export interface DatasetValidation {
  rowCount: number;
  problems: DatasetProblem[];
  /** All problems found; `problems` may be capped. */
  problemCount: number;
}

/** Checks a training CSV without training on it: pure, never throws for bad content. */
export type DatasetValidator = (bytes: Buffer) => DatasetValidation;

/** A problem as one line: `row 3, column Age: not a number`. */
export function describeProblem(p: DatasetProblem): string {
  const where = [p.row === undefined ? '' : `row ${p.row}`, p.column === undefined ? '' : `column ${p.column}`]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${p.message}` : p.message;
}

type TrainerPreprocess = { validateDataset(bytes: Buffer, opts: { requireLabel: boolean }): DatasetValidation };

/**
 * The trainer's own validation, with the label required (a training set). Loaded on first use: only
 * onDatasetFinalized validates datasets, so the other functions never load the CSV parser at cold start.
 */
export const validateTrainingDataset: DatasetValidator = (bytes) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const preprocess = require('../../../trainer/src/preprocess') as TrainerPreprocess;
  return preprocess.validateDataset(bytes, { requireLabel: true });
};
