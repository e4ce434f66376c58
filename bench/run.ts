// `npm run bench`: the prediction server against a bare node:http ceiling (separate processes, same run), plus
// start → healthy, RSS under load and the in-process training time. Prints figures with targets and PASS/FAIL.
// Options: --duration <s> (per server and load case, default 6; or BENCH_DURATION) split into --rounds <n> (3)
// alternating slices, --connections <n> (10), --starts <n> (5), --training-runs <n> (5). Results also go to bench/results/ (git-ignored).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { passengers, predictBody } from './lib/instances';
import { LoadRecorder, type LoadFigures } from './lib/load';
import { prepareModel } from './lib/model';
import { sampleRss, startServer, type ServerSpec } from './lib/server-process';
import { fmt, median, table } from './lib/table';

const root = resolve(__dirname, '..');
const TARGETS = { ratio: 0.7, rps100: 2000, p99Ms: 2, startMs: 200, rssMb: 80 };
const HEALTH = '/v1/endpoints/1/deployedModels/2'; // Vertex-style routes, colon included
const PREDICT = `${HEALTH}:predict`;

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '6' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    starts: { type: 'string', default: '5' },
    'training-runs': { type: 'string', default: '5' },
  },
});
const durationS = Number(opts.duration);
const connections = Number(opts.connections);
const rounds = Number(opts.rounds);
const starts = Number(opts.starts);
const trainingRuns = Number(opts['training-runs']);

/** Rebuilds dist/ when a trainer source is newer than the compiled server. */
function ensureBuild(): void {
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
      ),
    );
  const compiled = join(root, 'dist/trainer/src/serve.js');
  let builtAt = 0;
  try {
    builtAt = statSync(compiled).mtimeMs;
  } catch {
    // not built yet
  }
  if (builtAt >= newest(join(root, 'trainer/src'))) return;
  console.log('dist/ is stale: building');
  const tsc = require.resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

interface ServerFigures {
  startMs: number[];
  load: Record<1 | 100, LoadFigures>;
  peakRssMb: number;
}

/** A 200 with one prediction per instance, or an error saying what came back. */
async function checkPredict(port: number, body: string, count: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${PREDICT}`, { method: 'POST', body });
  const answer = (await res.json()) as { predictions?: unknown[] };
  if (res.status !== 200 || answer.predictions?.length !== count) {
    throw new Error(`${count}-instance request answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
  }
}

/**
 * Both servers side by side: start times alternate, and each load case runs in `rounds` alternating slices so
 * drift in the (shared, noisy) machine hits both alike.
 */
async function benchServers(specs: Record<'bare' | 'served', ServerSpec>, bodies: Record<1 | 100, string>) {
  const kinds = ['bare', 'served'] as const;
  const startMs = { bare: [] as number[], served: [] as number[] };
  for (let i = 0; i < starts; i++) {
    for (const kind of kinds) {
      const server = await startServer(specs[kind]);
      startMs[kind].push(server.startToHealthyMs);
      await server.stop();
    }
  }
  const servers = { bare: await startServer(specs.bare), served: await startServer(specs.served) };
  const rss = {
    bare: sampleRss(servers.bare.child.pid as number),
    served: sampleRss(servers.served.child.pid as number),
  };
  const load = { bare: {}, served: {} } as Record<'bare' | 'served', Record<1 | 100, LoadFigures>>;
  let peak = { bare: NaN, served: NaN };
  try {
    for (const n of [1, 100] as const) {
      await checkPredict(servers.served.port, bodies[n], n);
      const recorders = Object.fromEntries(
        kinds.map((kind) => [
          kind,
          new LoadRecorder({ url: `http://127.0.0.1:${servers[kind].port}${PREDICT}`, body: bodies[n], connections }),
        ]),
      ) as Record<'bare' | 'served', LoadRecorder>;
      for (const kind of kinds) await recorders[kind].warmUp();
      for (let r = 0; r < rounds; r++) for (const kind of kinds) await recorders[kind].slice(durationS / rounds);
      for (const kind of kinds) load[kind][n] = recorders[kind].figures();
    }
  } finally {
    peak = { bare: rss.bare.stop(), served: rss.served.stop() };
    await Promise.all(kinds.map((kind) => servers[kind].stop()));
  }
  const figures = (kind: 'bare' | 'served'): ServerFigures => ({
    startMs: startMs[kind],
    load: load[kind],
    peakRssMb: peak[kind],
  });
  return { bare: figures('bare'), served: figures('served') };
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

async function main(): Promise<void> {
  if (process.versions.node.split('.')[0] !== '22') console.warn(`warning: running on Node ${process.version}, not 22`);
  ensureBuild();
  const model = prepareModel(root, join(root, 'trainer/data/train.csv'), trainingRuns);
  const all = passengers(join(root, 'trainer/data/test.csv'));
  const bodies = { 1: predictBody(all, 1), 100: predictBody(all, 100) };
  const env = { PATH: process.env.PATH, NODE_ENV: 'production' };

  const preload = model.kind === 'fake' ? ['--require', join(root, 'bench/servers/fake-model-preload.js')] : [];
  const { bare, served } = await benchServers(
    {
      bare: { args: [join(root, 'bench/servers/bare-http-server.js')], env, healthPath: HEALTH },
      served: {
        args: [...preload, join(root, 'dist/trainer/src/serve.js'), '--host', '127.0.0.1'],
        env: {
          ...env,
          AIP_STORAGE_URI: model.dir,
          AIP_HEALTH_ROUTE: HEALTH,
          AIP_PREDICT_ROUTE: PREDICT,
          LOG_LEVEL: 'warn',
        },
        healthPath: HEALTH,
      },
    },
    bodies,
  );

  const [b1, s1, b100, s100] = [bare.load[1], served.load[1], bare.load[100], served.load[100]];
  const ratio = s1.reqPerSec / b1.reqPerSec;
  const clean = (f: LoadFigures) => (f.failures === 0 ? '' : ` (${f.failures} FAILED REQUESTS)`);
  const lat = (f: LoadFigures) => `${fmt(f.p50Ms, 2)} / ${fmt(f.p99Ms, 2)} ms${clean(f)}`;
  const startMedian = median(served.startMs);
  const rows = [
    [
      '1 instance: req/s',
      fmt(b1.reqPerSec),
      `${fmt(s1.reqPerSec)} (${fmt(ratio * 100)}% of bare)${clean(s1)}`,
      `>= ${TARGETS.ratio * 100}% of bare`,
      verdict(ratio >= TARGETS.ratio && s1.failures === 0),
    ],
    ['1 instance: p50 / p99', lat(b1), lat(s1), `p99 <= ${TARGETS.p99Ms} ms`, verdict(s1.p99Ms <= TARGETS.p99Ms)],
    [
      '100 instances: req/s',
      fmt(b100.reqPerSec),
      `${fmt(s100.reqPerSec)}${clean(s100)}`,
      `>= ${fmt(TARGETS.rps100)}`,
      verdict(s100.reqPerSec >= TARGETS.rps100 && s100.failures === 0),
    ],
    ['100 instances: p50 / p99', lat(b100), lat(s100), '-', ''],
    [
      `start -> healthy (median of ${starts})`,
      `${fmt(median(bare.startMs))} ms`,
      `${fmt(startMedian)} ms (max ${fmt(Math.max(...served.startMs))})`,
      `<= ${TARGETS.startMs} ms`,
      verdict(startMedian <= TARGETS.startMs),
    ],
    [
      'peak RSS under load',
      `${fmt(bare.peakRssMb, 1)} MB`,
      `${fmt(served.peakRssMb, 1)} MB`,
      `<= ${TARGETS.rssMb} MB`,
      verdict(served.peakRssMb <= TARGETS.rssMb),
    ],
  ];

  console.log(
    `\nPrediction server benchmark: Node ${process.version}, ${cpus().length} cores, ${connections} connections,`,
  );
  console.log(
    `${durationS} s per server and load case in ${rounds} alternating slices (after 1 s warm-up); servers are separate processes.`,
  );
  console.log(
    `Model: ${model.note}${model.kind === 'fake' ? ' (figures to be re-measured with the real model)' : ''}\n`,
  );
  console.log(table(['metric', 'bare node:http (ceiling)', 'prediction server', 'target', 'result'], rows));
  const trainingMedian = median(model.trainingMs);
  console.log(
    model.trainingMs.length
      ? `\nTraining (train() in-process, 891 rows, evaluation + final fit): median ${fmt(trainingMedian)} ms of ${trainingRuns} runs (${model.trainingMs.map((t) => fmt(t)).join(', ')} ms)`
      : '\nTraining time: not measured (the training function is not on this branch)',
  );

  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const figures = { model: { kind: model.kind, note: model.note, trainingMs: model.trainingMs }, bare, served };
  writeFileSync(
    file,
    JSON.stringify({ options: { durationS, connections, starts }, targets: TARGETS, figures }, null, 1),
  );
  console.log(`Figures: ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
