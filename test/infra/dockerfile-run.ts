// Runs trainer/Dockerfile without Docker: each stage is a folder standing in for its file system, COPY copies from
// the repository (the build context) or from an earlier stage's folder, RUN runs in a shell in the stage's WORKDIR
// with its ENV and Node 22 first on the PATH (the base image's node), and the final stage's ENTRYPOINT trains on
// the bundled data; then the serving command (SERVING_COMMAND, as the model's containerSpec runs it) serves that
// model and must answer /health and /predict. What it cannot check: the base image itself, USER (the folder
// belongs to whoever runs this) and EXPOSE. Needs the npm registry: each stage has its own empty npm cache.
// Run: npm run check:dockerfile [-- --keep]   (~1 min; not part of npm test)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { DockerfileParser, type Copy } from 'dockerfile-ast';
import { SERVING_COMMAND } from '../../trainer/src/image-commands';

const REPO = join(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'dockerfile-run-'));
const keep = process.argv.includes('--keep');
// The base image's node: the Node 22 of the `node` devDependency (npm scripts put it first on the PATH).
const nodeBin = dirname(process.execPath);

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint?: string[];
}

const inStage = (stage: Stage, path: string): string => join(stage.root, posix.resolve(stage.workdir, path));

function copy(from: string, to: string, intoDir: boolean): void {
  const target = intoDir ? join(to, posix.basename(from)) : to;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(from, target, { recursive: true });
}

function step(text: string): void {
  console.log(`  ${text}`);
}

const dockerfile = DockerfileParser.parse(readFileSync(join(REPO, 'trainer/Dockerfile'), 'utf8'));
const stages: Stage[] = [];
let stage: Stage | undefined;
const started = performance.now();
for (const instruction of dockerfile.getInstructions()) {
  const keyword = instruction.getKeyword();
  const args = instruction.getArguments().map((a) => a.getValue());
  if (keyword === 'FROM') {
    const from = dockerfile.getFROMs()[stages.length];
    const name = from?.getBuildStage() ?? `stage${stages.length}`;
    stage = { name, root: join(scratch, name), workdir: '/', env: {} };
    stages.push(stage);
    mkdirSync(stage.root, { recursive: true });
    console.log(`FROM ${args.join(' ')}  → ${stage.root}`);
    continue;
  }
  if (!stage) throw new Error(`${keyword} before FROM`);
  const current: Stage = stage;
  switch (keyword) {
    case 'WORKDIR':
      current.workdir = posix.resolve(current.workdir, args[0] as string);
      mkdirSync(inStage(current, '.'), { recursive: true });
      step(`WORKDIR ${current.workdir}`);
      break;
    case 'ENV':
      for (const p of dockerfile
        .getENVs()
        .find((e) => e === instruction)
        ?.getProperties() ?? []) {
        current.env[p.getName()] = p.getValue() ?? '';
      }
      step(`ENV ${args.join(' ')}`);
      break;
    case 'COPY': {
      const fromStage = (instruction as Copy).getFromFlag()?.getValue();
      const sources = args.slice(0, -1);
      const dest = args.at(-1) as string;
      const intoDir = dest.endsWith('/') || sources.length > 1;
      for (const source of sources) {
        const base = fromStage ? stages.find((s) => s.name === fromStage) : undefined;
        if (fromStage && !base) throw new Error(`COPY --from=${fromStage}: no such stage`);
        const path = base ? join(base.root, source) : join(REPO, source);
        if (!existsSync(path))
          throw new Error(`COPY ${source}: not found in ${base ? `stage ${fromStage}` : 'the context'}`);
        copy(path, inStage(current, dest), intoDir);
      }
      step(`COPY ${fromStage ? `--from=${fromStage} ` : ''}${args.join(' ')}`);
      break;
    }
    case 'RUN': {
      const command = instruction.getArgumentsContent() ?? '';
      step(`RUN ${command}`);
      const result = spawnSync('sh', ['-c', command], {
        cwd: inStage(current, '.'),
        // The stage's own npm cache, as in a container: `npm cache clean --force` must not empty this machine's.
        env: {
          ...process.env,
          ...current.env,
          PATH: `${nodeBin}:${process.env.PATH}`,
          npm_config_cache: join(current.root, 'root/.npm'),
        },
        stdio: 'inherit',
      });
      if (result.status !== 0) throw new Error(`RUN ${command}: exit ${result.status}`);
      break;
    }
    case 'ENTRYPOINT':
      current.entrypoint = JSON.parse(instruction.getArgumentsContent() ?? '[]') as string[];
      step(`ENTRYPOINT ${JSON.stringify(current.entrypoint)}`);
      break;
    default:
      step(`${keyword} ${args.join(' ')} (not emulated)`);
  }
}

const final = stages.at(-1) as Stage;
const app = inStage(final, '.');
const modules = join(app, 'node_modules');
const packages = readdirSync(modules).flatMap((d) =>
  d.startsWith('@') ? readdirSync(join(modules, d)).map((s) => `${d}/${s}`) : d.startsWith('.') ? [] : [d],
);
const bytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = join(dir, e.name);
    return sum + (e.isDirectory() ? bytes(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);
console.log(
  `\nruntime stage: ${packages.length} top-level packages in node_modules, ${(bytes(modules) / 1e6).toFixed(0)} MB; ` +
    `built in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);

async function main(): Promise<void> {
  const env = { PATH: `${nodeBin}:${process.env.PATH}`, ...final.env };
  const entrypoint = final.entrypoint ?? [];
  const modelDir = join(scratch, 'model');
  const train = spawnSync(
    entrypoint[0] as string,
    [...entrypoint.slice(1), '--env', 'local', '--data', join(REPO, 'trainer/data/train.csv'), '--model-dir', modelDir],
    { cwd: app, env, encoding: 'utf8' },
  );
  if (train.status !== 0)
    throw new Error(`ENTRYPOINT (training) exited ${train.status}: ${train.stderr || train.stdout}`);
  console.log(`ENTRYPOINT (training): exit 0, wrote ${readdirSync(modelDir).sort().join(', ')}`);

  const port = 18000 + Math.floor(Math.random() * 2000);
  const [serveBin, ...serveArgs] = SERVING_COMMAND as readonly string[];
  const server = spawn(serveBin as string, [...serveArgs, '--host', '127.0.0.1'], {
    cwd: app,
    env: { ...env, AIP_STORAGE_URI: modelDir, AIP_HTTP_PORT: String(port) },
    stdio: 'ignore',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    let health = 0;
    for (let i = 0; i < 100 && health !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      health = await fetch(`${base}/health`).then(
        (r) => r.status,
        () => 0,
      );
    }
    if (health !== 200) throw new Error('serving command: /health never answered 200');
    const res = await fetch(`${base}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        instances: [{ Pclass: 1, Name: 'Allen, Miss. Elisabeth Walton', Sex: 'female', Age: 29 }],
      }),
    });
    const body = (await res.json()) as { predictions?: { survived: number; probability: number }[] };
    if (res.status !== 200 || body.predictions?.length !== 1)
      throw new Error(`predict: ${res.status} ${JSON.stringify(body)}`);
    console.log(
      `serving command ${JSON.stringify(SERVING_COMMAND)}: /health 200, /predict 200 ${JSON.stringify(body)}`,
    );
  } finally {
    server.kill('SIGTERM');
  }
}

main()
  .then(() => console.log('\ntrainer/Dockerfile: OK (stages run directly; base image, USER and EXPOSE not checked)'))
  .catch((err: unknown) => {
    console.error(`\ntrainer/Dockerfile: FAILED: ${(err as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (keep) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  });
