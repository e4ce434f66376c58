// One measurement in a fresh process (so peak RSS is this step's alone): `train <csv> <model-dir>` runs the
// trainer's own entry (trainer/src/main.ts run(): stream-read, validate, hold-out fit + CV, write the artifact);
// `validate <csv>` streams the file through the drop check's validation. Prints one `RESULT {json}` line:
// wall and CPU time of the step in-process (no interpreter start-up) and the process's peak RSS (getrusage maxRSS).
import { readFileSync } from 'node:fs';
import { run } from '../../trainer/src/main';
import { validation } from './validation';

async function main(): Promise<void> {
  const [step, csv, modelDir] = process.argv.slice(2);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let detail: Record<string, unknown>;
  if (step === 'train') {
    const log = console.log;
    console.log = () => undefined; // the trainer's JSON log lines
    const { code, message } = await run({ env: 'local', data: csv as string, modelDir: modelDir as string, seed: 42 });
    console.log = log;
    if (code !== 0) throw new Error(`training exited ${code}: ${message}`);
    const metrics = JSON.parse(readFileSync(`${modelDir}/metrics.json`, 'utf8')) as {
      metrics: Record<string, number>;
      cv: { metrics: Record<string, number> };
      extra: { lambda: number };
    };
    detail = {
      ...metrics.metrics,
      holdoutAccuracy: metrics.metrics.accuracy,
      cvAccuracy: metrics.cv.metrics.accuracy,
      lambda: metrics.extra.lambda,
    };
  } else if (step === 'validate') {
    const result = await validation.run(csv as string);
    if (result.problemCount > 0) throw new Error(`validation found ${result.problemCount} problems`);
    detail = { rowCount: result.rowCount, validator: validation.name };
  } else throw new Error(`unknown step ${step}`);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`RESULT ${JSON.stringify({ ms, cpuMs, peakRssMb, ...detail })}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
