// `npm run bench:cold-start`: what each Cloud Function pays at cold start for its Google Cloud clients, measured in
// fresh processes, against the eager baseline (every client package loaded at module scope) in the same run.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The clients each function's steps use (functions/src/steps → ports → gcp adapters). */
const FUNCTIONS: Record<string, string> = {
  onDatasetFinalized: 'storage,cloudBuild',
  onBuildStatus: 'storage,pipeline',
  onTrainingStatus: 'storage,pipeline,model,endpoint',
  onReconcileTick: 'storage,pipeline,endpoint,pubsub',
};
const RUNS = Number(process.env.COLD_START_RUNS ?? 5);
const probe = join(__dirname, 'probe.js');

interface Sample {
  importMs: number;
  clientsMs: number;
  rssMb: number;
  packages: string[];
}
const sample = (args: string[]): Sample =>
  JSON.parse(execFileSync(process.execPath, [probe, ...args], { encoding: 'utf8' })) as Sample;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function measure(args: string[]): { total: number; rss: number; packages: string[] } {
  const runs = Array.from({ length: RUNS }, () => sample(args));
  return {
    total: median(runs.map((r) => r.importMs + r.clientsMs)),
    rss: median(runs.map((r) => r.rssMb)),
    packages: runs[0]?.packages ?? [],
  };
}

execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
const eager = measure(['eager']);
console.log(`\nCold start of each function (import + first use of its clients), median of ${RUNS} fresh processes`);
console.log(`node ${process.version}; eager baseline = every client package at module scope\n`);
console.log('function           | clients loaded                | ms (eager) | ratio | RSS MB (eager)');
console.log('-------------------|-------------------------------|------------|-------|---------------');
for (const [fn, clients] of Object.entries(FUNCTIONS)) {
  const lazy = measure(['lazy', clients]);
  const ratio = (lazy.total / eager.total).toFixed(2);
  console.log(
    `${fn.padEnd(18)} | ${lazy.packages.join(',').padEnd(29)} | ${lazy.total.toFixed(0).padStart(4)} (${eager.total.toFixed(0)}) | ${ratio.padStart(5)} | ${lazy.rss.toFixed(0)} (${eager.rss.toFixed(0)})`,
  );
}
