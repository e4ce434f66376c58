// `vertex-retrain validate <file> [--trainer <dir>]`: the data-drop check on a local file, before dropping it.
// The same code path as onDatasetFinalized: the trainer's dataset schema (trainer.yaml → dataset.schema.json) and the
// streaming validator over a file stream, with no trainer code loaded.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command as CommandType } from 'commander' with { 'resolution-mode': 'import' };
import type * as DatasetSchemaModule from '../contract/dataset-schema';
import type * as DatasetValidatorModule from '../contract/dataset-validator';

export interface ValidateCommandOptions {
  /** The trainer folder (default: env TRAINER_DIR, else `trainer`). */
  trainer?: string;
  /** A scoring file: the label column is not required. */
  scoring?: boolean;
  json?: boolean;
}

/** The trainer folder the CLI uses: `--trainer`, else env TRAINER_DIR, else `trainer`. */
export const trainerDir = (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  flag ?? env.TRAINER_DIR ?? 'trainer';

/** Validates `file`; writes the verdict to `out` and returns the exit code (0 valid, 2 rejected). */
export async function validateFile(
  file: string,
  opts: ValidateCommandOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  // Loaded here, not at the top: ajv and the CSV parser load only when this command runs, so the CLI starts fast.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadTrainerDatasetSchema } = require('../contract/dataset-schema') as typeof DatasetSchemaModule;
  const { formatValidation, validateDatasetStream } =
    require('../contract/dataset-validator') as typeof DatasetValidatorModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dir = trainerDir(opts.trainer);
  const schema = await loadTrainerDatasetSchema(dir);
  await stat(file); // a missing file is an error (exit 1), not a rejected dataset
  const result: DatasetValidatorModule.DatasetValidation = await validateDatasetStream(createReadStream(file), schema, {
    requireLabel: !opts.scoring,
  });
  if (opts.json)
    out.write(`${JSON.stringify({ file, trainer: dir, valid: result.problemCount === 0, ...result }, null, 2)}\n`);
  else if (result.problemCount === 0)
    out.write(
      `${file}: valid (${result.rowCount} rows${
        result.classCounts
          ? `; ${schema.table.label}: ${Object.entries(result.classCounts)
              .map(([k, n]) => `${n} × ${k}`)
              .join(', ')}`
          : ''
      })${result.notes.map((n) => `\nnote: ${n}`).join('')}\n`,
    );
  else out.write(`${file}: ${formatValidation(result)}\n`);
  return result.problemCount === 0 ? 0 : 2;
}

/** Adds the `validate` command to the CLI. */
export function registerValidate(program: CommandType): void {
  program
    .command('validate <file>')
    .description("check a CSV against the trainer's dataset schema, as a data drop is checked (exit 2 if rejected)")
    .option('--trainer <dir>', 'the trainer folder (default: $TRAINER_DIR or trainer)')
    .option('--scoring', 'a file to score: the label column is not required')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: ValidateCommandOptions) => {
      process.exitCode = await validateFile(file, o, process.stdout);
    });
}
