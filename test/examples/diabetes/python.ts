// Runs the diabetes trainer's Python commands for the tests: finds an interpreter that has the modules the trainer
// imports (the `python3` first on the PATH may be a pyenv shim without them; Debian's /usr/bin/python3 has them once
// python3-sklearn and python3-jsonschema are installed), and starts the training and serving commands.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort, stopChild, waitForHttp } from '../../../functions/src/local/child-process';

export const EXAMPLE = 'examples/diabetes';
// Routes other than the manifest's defaults, as Vertex may set them: the server must read AIP_*_ROUTE.
export const HEALTH = '/v1/health';
export const PREDICT = '/v1/models/diabetes:predict';
export const DATA = join(EXAMPLE, 'data/diabetes.csv');
const MODULES = ['sklearn', 'numpy', 'jsonschema'];
const INSTALL = 'apt-get install -y python3-sklearn python3-jsonschema';
const CANDIDATES = ['python3', '/usr/bin/python3'];

let found: string | undefined;

/** The first candidate interpreter that imports every module; throws naming what to install when none does. */
export function findPython(candidates: readonly string[] = CANDIDATES): string {
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', `import ${MODULES.join(', ')}`], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error(
    `no Python 3 with ${MODULES.join(', ')} among ${candidates.join(', ')}: install them with \`${INSTALL}\``,
  );
}

/** The interpreter the tests run the trainer with (found once). */
export function python(): string {
  return (found ??= findPython());
}

const childEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in the example folder
  AIP_MODEL_DIR: '',
  TRAINING_EVENTS_TOPIC: '',
  ...env,
});

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Python file of `cwd` (the example folder by default) to completion. */
export function runPython(file: string, args: string[], env?: NodeJS.ProcessEnv, cwd = EXAMPLE): Finished {
  const r = spawnSync(python(), [file, ...args], { cwd, env: childEnv(env), encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Paths made absolute (the commands run in the example folder); gs:// URIs as they are. */
const local = (uri: string): string => (uri.startsWith('gs://') ? uri : resolve(uri));

/** The training command with local-mode arguments, writing into modelDir. */
export function train(data: string, modelDir: string, extra: string[] = [], env?: NodeJS.ProcessEnv): Finished {
  return runPython(
    'main.py',
    ['--env', 'local', '--endpoint_version', '1', '--data', local(data), '--run-id', 'run-1', ...extra],
    { AIP_MODEL_DIR: local(modelDir), ...env },
  );
}

export interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export interface ServeOptions {
  /** The folder to run in (default: the example's). */
  cwd?: string;
  /** The Python file and its arguments (default: serve.py). */
  command?: string[];
  /** Wait until health is 200 (the model is loaded; default), or only until the server answers at all. */
  wait?: 'loaded' | 'listening';
  env?: NodeJS.ProcessEnv;
}

/** Starts the serving command on a free port, with the AIP_* variables Vertex sets. */
export async function serve(storageUri: string, options: ServeOptions = {}): Promise<Server> {
  const { cwd = EXAMPLE, command = ['serve.py'], wait = 'loaded', env = {} } = options;
  const port = await freePort();
  const child = spawn(python(), [...command, '--host', '127.0.0.1'], {
    cwd,
    env: childEnv({
      ...env,
      AIP_STORAGE_URI: storageUri,
      AIP_HTTP_PORT: String(port),
      AIP_HEALTH_ROUTE: HEALTH,
      AIP_PREDICT_ROUTE: PREDICT,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}${HEALTH}`, child, 15_000, (status) => wait === 'listening' || status === 200);
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { url, child, output: () => output, stop: () => stopChild(child) };
}
