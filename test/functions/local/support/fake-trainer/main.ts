// A stand-in trainer for the twin tests: writes a "model" recording the arguments and variables it was run with.
// FAKE_TRAINER_FAIL in the dataset's content makes it fail; FAKE_TRAINER_SLOW makes it slow (crash tests).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const data = readFileSync(args[args.indexOf('--data') + 1] as string, 'utf8');
if (data.includes('FAKE_TRAINER_FAIL')) {
  console.error('bad data: FAKE_TRAINER_FAIL');
  process.exit(1);
}
const delay = data.includes('FAKE_TRAINER_SLOW') ? 1500 : 0;
setTimeout(() => {
  const dir = process.env.AIP_MODEL_DIR as string;
  mkdirSync(dir, { recursive: true });
  const model = { args, modelDir: dir, jobId: process.env.CLOUD_ML_JOB_ID, rows: data.trim().split('\n').length };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
}, delay);
