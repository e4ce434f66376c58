// npm run bench:scale — the cost curve as the data grows (issue 15). First the 891 Kaggle rows trained in-process;
// then per size (default 10³..10⁶ rows of Titanic-shaped data, bench/scale/generate.ts): training (the trainer's run(), in a fresh process), the drop check's
// validation (bench/scale/validation.ts, in a fresh process), and, where a python3 with scikit-learn is found,
// scikit-learn's LogisticRegression (5-fold CV + final fit) on the same file in the same run. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, table } from '../lib/table';
import { parseTrainingTable } from '../../trainer/src/preprocess';
import { train } from '../../trainer/src/train';
import { generate, SOURCE } from './generate';

interface Result {
  ms: number;
  peakRssMb: number;
  [key: string]: unknown;
}

/** Runs a command that prints one `RESULT {json}` line; throws with its output otherwise. */
function measure(command: string, args: string[]): Result {
  const child = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    throw new Error(`${command} ${args.join(' ')} failed (${child.status}):\n${child.stdout}\n${child.stderr}`);
  }
  return JSON.parse(line.slice('RESULT '.length)) as Result;
}

/** The first interpreter that imports scikit-learn: $SKLEARN_PYTHON, python3 on PATH, then Debian's /usr/bin/python3. */
export function findSklearnPython(): { python: string; version: string } | undefined {
  const candidates = [process.env.SKLEARN_PYTHON, 'python3', '/usr/bin/python3'].filter(
    (c, i, all): c is string => !!c && all.indexOf(c) === i,
  );
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import sklearn, sys; print(sklearn.__version__, sys.executable)'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return undefined;
}

/**
 * The 891 Kaggle rows trained in this process (train(), no process start, no file I/O): the first call, what one
 * training job pays (code not yet optimised by the JIT), then the median of a few more.
 */
function titanicInProcess(repeats = 5): { rows: number; firstMs: number; medianMs: number; repeats: number } {
  const table = parseTrainingTable(readFileSync(SOURCE));
  const times = Array.from({ length: repeats + 1 }, () => {
    const started = performance.now();
    train(table);
    return performance.now() - started;
  });
  const rest = times.slice(1).sort((a, b) => a - b);
  return { rows: table.length, firstMs: times[0] as number, medianMs: rest[rest.length >> 1] as number, repeats };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sizes: { type: 'string', default: '1000,10000,100000,1000000' }, keep: { type: 'boolean' } },
  });
  const sizes = values.sizes.split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const node = (step: string, ...args: string[]): Result =>
    measure(process.execPath, ['--import', 'tsx', 'bench/scale/measure.ts', step, ...args]);
  const sklearn = findSklearnPython();
  console.log(`node ${process.version}; data in ${dir}`);
  console.log(
    sklearn
      ? `scikit-learn: ${sklearn.python} (sklearn ${sklearn.version})`
      : 'scikit-learn: no python3 with scikit-learn found ($SKLEARN_PYTHON, python3, /usr/bin/python3): ' +
          'comparison skipped (apt-get install -y python3-sklearn)',
  );
  const titanic = titanicInProcess();
  console.log(
    `${fmt(titanic.rows)} rows (${SOURCE}), train() in-process: first call ${fmt(titanic.firstMs / 1000, 3)} s, ` +
      `then median of ${titanic.repeats} ${fmt(titanic.medianMs / 1000, 3)} s (acceptance: < 0.5 s)`,
  );
  const rows: string[][] = [];
  const figures: Record<string, unknown>[] = [];
  try {
    for (const n of sizes) {
      const csv = join(dir, `titanic-${n}.csv`);
      await generate(csv, n);
      const modelDir = join(dir, `model-${n}`);
      mkdirSync(modelDir, { recursive: true });
      const trained = node('train', csv, modelDir);
      const validated = node('validate', csv);
      const sk = sklearn ? measure(sklearn.python, ['bench/scale/sklearn_lr.py', csv]) : undefined;
      figures.push({ rows: n, bytes: statSync(csv).size, train: trained, validate: validated, sklearn: sk });
      rows.push([
        fmt(n),
        fmt(statSync(csv).size / 1e6, 1),
        fmt(trained.ms / 1000, 2),
        fmt((trained.cpuMs as number) / 1000, 2),
        fmt(trained.peakRssMb),
        fmt(validated.ms / 1000, 2),
        fmt(validated.peakRssMb),
        sk ? fmt(sk.ms / 1000, 2) : 'n/a',
        sk ? fmt((sk.cpuMs as number) / 1000, 2) : 'n/a',
        sk ? fmt(sk.peakRssMb) : 'n/a',
        sk ? fmt(trained.ms / sk.ms, 2) : 'n/a',
        sk ? fmt((trained.cpuMs as number) / (sk.cpuMs as number), 2) : 'n/a',
        `${fmt(trained.holdoutAccuracy as number, 3)} / ${fmt(trained.cvAccuracy as number, 3)}`,
      ]);
      console.log(`  ${fmt(n)} rows done`);
      if (!values.keep) rmSync(csv);
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\n${table(
      [
        'rows',
        'MB',
        'train s',
        'train CPU s',
        'train peak RSS MB',
        'validate s',
        'validate peak RSS MB',
        'sklearn s',
        'sklearn CPU s',
        'sklearn RSS MB',
        'train / sklearn (wall)',
        '(CPU)',
        'hold-out / CV accuracy',
      ],
      rows,
    )}`,
  );
  const at = (n: number) => figures.find((f) => f.rows === n) as { train: Result } | undefined;
  const [a, b] = [at(100_000), at(1_000_000)];
  if (a && b) {
    const cpu = (f: { train: Result }): number => f.train.cpuMs as number;
    console.log(
      `\ntraining time 10⁶ / 10⁵ rows (10× the rows): wall ${fmt(b.train.ms / a.train.ms, 2)}, CPU ${fmt(cpu(b) / cpu(a), 2)}`,
    );
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  console.log(`validation: ${(figures[0]?.validate as Result | undefined)?.validator ?? ''}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scale.json', `${JSON.stringify({ sklearn, titanic, figures }, null, 1)}\n`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
