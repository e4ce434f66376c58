// examples/diabetes/Dockerfile: checked statically (no Docker engine here), then run stage by stage in a scratch
// folder standing in for the image's file system. What the stage run cannot do: the base image and its pip. The
// RUN pip install line is stood in for by this machine's Python with Debian's packages (python3-sklearn,
// python3-jsonschema): the test checks that interpreter imports every pinned package Debian ships, and the two
// Google clients, which Debian does not ship, are imported only for gs:// URIs. USER's useradd is not run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, matchesGlob, posix } from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';
import { instance, readRows, type Row } from './csv';
import { DATA, EXAMPLE, HEALTH, PREDICT, python, runPython, serve } from './python';

const dockerfile = DockerfileParser.parse(readFileSync(join(EXAMPLE, 'Dockerfile'), 'utf8'));
const manifest = parseYaml(readFileSync(join(EXAMPLE, 'trainer.yaml'), 'utf8')) as {
  image: { dockerfile: string; context: string };
  serve: { command: string[]; port: number };
};
const instructions = dockerfile.getInstructions();
const of = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const workdir = () => args(of('WORKDIR').at(-1) as Instruction)[0] as string;
const copies = () =>
  of('COPY').map((c) => ({
    from: (c as Copy).getFromFlag()?.getValue(),
    sources: args(c).slice(0, -1),
    dest: args(c).at(-1),
  }));

/** requirements.txt as name → exact version. */
function requirements(): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of readFileSync(join(EXAMPLE, 'requirements.txt'), 'utf8').split('\n')) {
    const text = line.replace(/#.*/, '').trim();
    if (!text) continue;
    const pin = /^([A-Za-z0-9._-]+)==(\d+(\.\d+)*)$/.exec(text);
    assert.ok(pin, `requirements.txt: "${text}" is not pinned to an exact version (name==x.y.z)`);
    pins.set((pin[1] as string).toLowerCase(), pin[2] as string);
  }
  return pins;
}

/** What each Python file of the example imports: local modules and top-level third-party packages, by file. */
function imports(): Map<string, { local: string[]; external: string[] }> {
  const stdlib = new Set(
    spawnSync(python(), ['-c', 'import sys; print("\\n".join(sys.stdlib_module_names))'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean),
  );
  const files = readdirSync(EXAMPLE).filter((f) => f.endsWith('.py'));
  const locals = new Set(files.map((f) => f.replace(/\.py$/, '')));
  const result = new Map<string, { local: string[]; external: string[] }>();
  for (const file of files) {
    const text = readFileSync(join(EXAMPLE, file), 'utf8');
    // `from google.cloud import storage` imports the package google.cloud.storage: join a google.* name's parts.
    const names = [...text.matchAll(/^\s*(?:from\s+([\w.]+)\s+import\s+(\w+)|import\s+([\w.]+))/gm)].map((m) =>
      m[1] ? (m[1].startsWith('google') ? `${m[1]}.${m[2]}` : m[1]) : (m[3] as string),
    );
    result.set(file, {
      local: [...new Set(names.filter((n) => locals.has(n)).map((n) => `${n}.py`))],
      // google.cloud.storage and google.cloud.pubsub_v1 are distinct packages: keep three levels for google.*
      external: [
        ...new Set(
          names
            .filter((n) => !locals.has(n) && !stdlib.has(n.split('.')[0] as string))
            .map((n) => (n.startsWith('google.') ? n.split('.').slice(0, 3).join('.') : (n.split('.')[0] as string))),
        ),
      ],
    });
  }
  return result;
}

/** The files a command needs: the script and, transitively, the local modules it imports. */
function closure(script: string, graph: Map<string, { local: string[] }>): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of graph.get(file)?.local ?? []) visit(next);
  };
  visit(script);
  return seen;
}

// The pip distribution each imported package comes from.
const DISTRIBUTION: Record<string, string> = {
  numpy: 'numpy',
  sklearn: 'scikit-learn',
  jsonschema: 'jsonschema',
  'google.cloud.storage': 'google-cloud-storage',
  'google.cloud.pubsub_v1': 'google-cloud-pubsub',
};
// Pinned though not imported: scikit-learn's own dependency, pinned so the image is reproducible.
const PINNED_DEPENDENCIES = ['scipy'];

describe('examples/diabetes/Dockerfile', () => {
  before(() => python());

  it('is what trainer.yaml builds, from its own folder', () => {
    assert.equal(manifest.image.dockerfile, 'Dockerfile');
    assert.equal(posix.normalize(manifest.image.context), '.');
  });

  it('builds on a slim Python 3 base, as a non-root user after the install', () => {
    const froms = dockerfile.getFROMs();
    assert.ok(froms.length >= 1);
    for (const from of froms) {
      assert.equal(from.getImageName(), 'python');
      assert.match(from.getImageTag() ?? '', /^3\.\d+(\.\d+)?-slim(-[a-z]+)?$/);
    }
    const users = of('USER').map((u) => args(u)[0] as string);
    assert.ok(users.length > 0, 'USER is set');
    assert.ok(!['root', '0', '0:0'].includes(users.at(-1) as string), `USER ${users.at(-1)} is root`);
    const index = (i: Instruction | undefined) => instructions.indexOf(i as Instruction);
    const install = of('RUN').find((r) => /\bpip install\b/.test(r.getArgumentsContent() ?? ''));
    assert.ok(install, 'a RUN pip install');
    assert.ok(index(of('USER').at(-1)) > index(install), 'USER comes after the install (which needs root)');
  });

  it('installs exactly the pinned requirements.txt, copied in before its sources, without a pip cache', () => {
    const installs = of('RUN')
      .map((r) => r.getArgumentsContent() ?? '')
      .filter((r) => /\bpip3? install\b/.test(r));
    assert.equal(installs.length, 1);
    assert.match(installs[0] as string, /pip install --no-cache-dir -r requirements\.txt$/);
    const copyReq = of('COPY').findIndex((c) => args(c).includes('requirements.txt'));
    const copyCode = of('COPY').findIndex((c) => args(c).includes('main.py'));
    assert.ok(copyReq >= 0 && copyReq < copyCode, 'requirements.txt is copied before the code (layer caching)');
    const pins = requirements();
    for (const name of ['scikit-learn', 'numpy', 'google-cloud-storage', 'google-cloud-pubsub'])
      assert.ok(pins.has(name), `${name} is pinned`);
  });

  it('requirements.txt pins every third-party package the code imports, and nothing it does not', () => {
    const imported = new Set([...imports().values()].flatMap((f) => f.external));
    const needed = [...imported].map((name) => {
      assert.ok(DISTRIBUTION[name], `${name} is imported; which distribution provides it?`);
      return DISTRIBUTION[name] as string;
    });
    assert.deepEqual([...requirements().keys()].sort(), [...new Set([...needed, ...PINNED_DEPENDENCIES])].sort());
  });

  it('copies every file the training and serving commands need, from files that exist and are not ignored', () => {
    const graph = imports();
    const entrypoint = dockerfile
      .getENTRYPOINTs()
      .at(-1)
      ?.getJSONStrings()
      .map((s) => s.getJSONValue());
    assert.deepEqual(entrypoint, ['python', 'main.py'], 'ENTRYPOINT in JSON (exec) form');
    assert.equal(of('CMD').length, 0, 'a CMD would be appended to the serving command too');
    assert.equal(manifest.serve.command[0], 'python');
    const copied = new Set(
      copies()
        .filter((c) => !c.from && posix.resolve(workdir(), c.dest as string).replace(/\/$/, '') === workdir())
        .flatMap((c) => c.sources),
    );
    const needed = new Set([
      ...closure('main.py', graph),
      ...closure(manifest.serve.command[1] as string, graph),
      'dataset.schema.json', // preprocess.py reads it beside itself
    ]);
    for (const file of needed) assert.ok(copied.has(file), `${file} is not copied into ${workdir()}`);
    const ignored = readFileSync(join(EXAMPLE, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const source of copies().flatMap((c) => c.sources)) {
      assert.ok(existsSync(join(EXAMPLE, source)), `COPY ${source}: no such file in the context`);
      assert.ok(!ignored.some((p) => matchesGlob(source, p)), `COPY ${source} is excluded by .dockerignore`);
    }
  });

  it('sets no AIP_* variable (Vertex AI sets them) and exposes the manifest’s serving port', () => {
    for (const i of instructions) assert.doesNotMatch(`${i.getKeyword()} ${i.getArgumentsContent()}`, /AIP_/);
    assert.deepEqual(
      of('EXPOSE').map((e) => args(e)[0]),
      [String(manifest.serve.port)],
    );
  });

  it('runs stage by stage: COPY into a scratch image, then the ENTRYPOINT trains and the serving command serves', async function () {
    this.timeout(60_000);
    const scratch = mkdtempSync(join(tmpdir(), 'diabetes-image-'));
    try {
      let dir = scratch;
      const env: Record<string, string> = {};
      for (const i of instructions) {
        const keyword = i.getKeyword();
        if (keyword === 'WORKDIR') dir = join(scratch, posix.resolve('/', args(i)[0] as string));
        if (keyword === 'WORKDIR') mkdirSync(dir, { recursive: true });
        if (keyword === 'ENV')
          for (const p of dockerfile
            .getENVs()
            .find((e) => e === i)
            ?.getProperties() ?? [])
            env[p.getName()] = p.getValue() ?? '';
        if (keyword === 'COPY') {
          const paths = args(i);
          for (const source of paths.slice(0, -1)) cpSync(join(EXAMPLE, source), join(dir, posix.basename(source)));
        }
        if (keyword === 'RUN' && /\bpip install\b/.test(i.getArgumentsContent() ?? '')) {
          // The host interpreter stands in for the image's pip: it must import what Debian ships of the pins.
          const debian = ['numpy', 'scipy', 'sklearn', 'jsonschema'];
          const probe = spawnSync(python(), ['-c', `import ${debian.join(', ')}`], { encoding: 'utf8' });
          assert.equal(probe.status, 0, probe.stderr);
        }
      }
      const modelDir = join(scratch, 'model');
      const [, ...entryArgs] = JSON.parse(of('ENTRYPOINT').at(-1)?.getArgumentsContent() ?? '[]') as string[];
      const trained = runPython(
        entryArgs[0] as string,
        [
          ...entryArgs.slice(1),
          '--env',
          'local',
          '--endpoint_version',
          '1',
          '--data',
          join(process.cwd(), DATA),
          '--run-id',
          'r',
        ],
        { ...env, AIP_MODEL_DIR: modelDir },
        dir,
      );
      assert.equal(trained.status, 0, trained.stderr);
      assert.deepEqual(readdirSync(modelDir).sort(), ['metrics.json', 'model.json']);
      const server = await serve(modelDir, { cwd: dir, command: manifest.serve.command.slice(1), env });
      try {
        assert.equal((await fetch(server.url + HEALTH)).status, 200);
        const res = await fetch(server.url + PREDICT, {
          method: 'POST',
          body: JSON.stringify({ instances: [instance(readRows().rows[0] as Row)] }),
        });
        assert.equal(res.status, 200);
        const { predictions } = (await res.json()) as { predictions: { value: number }[] };
        assert.ok(Number.isFinite(predictions[0]?.value));
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
