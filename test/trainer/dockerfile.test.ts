// The Dockerfile's test: no Docker engine is available, so the image is checked statically against the repository.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, matchesGlob, posix, relative, resolve } from 'node:path';
import { DockerfileParser, type Copy, type Instruction } from 'dockerfile-ast';
import ts from 'typescript';
import { SERVING_COMMAND, TRAINING_COMMAND } from '../../trainer/src/image-commands';

interface Stage {
  name: string | null;
  image: string | null;
  tag: string | null;
  instructions: Instruction[];
}

const DOCKERFILE = 'trainer/Dockerfile';
const dockerfile = DockerfileParser.parse(readFileSync(DOCKERFILE, 'utf8'));

function stages(): Stage[] {
  const result: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = dockerfile.getFROMs()[result.length];
      assert.ok(from);
      result.push({
        name: from.getBuildStage(),
        image: from.getImageName(),
        tag: from.getImageTag(),
        instructions: [],
      });
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

const args = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const runs = (stage: Stage) => of(stage, 'RUN').map((i) => i.getArgumentsContent() ?? '');
/** The stage's working directory after its last WORKDIR (absolute paths only, as this Dockerfile uses). */
const workdir = (stage: Stage) => args(of(stage, 'WORKDIR').at(-1) as Instruction)[0] ?? '/';
/** [sources, destination, --from stage] of each COPY, destination resolved against the stage's WORKDIR. */
const copies = (stage: Stage) =>
  of(stage, 'COPY').map((copy) => {
    const paths = copy.getArguments().map((a) => a.getValue()); // flags are not arguments
    return {
      sources: paths.slice(0, -1),
      dest: posix.resolve(workdir(stage), paths.at(-1) as string),
      from: (copy as Copy).getFromFlag()?.getValue(),
    };
  });

/** Where `tsc -p tsconfig.build.json` writes the compiled form of a source file, relative to the repository. */
function compiledPath(source: string): string {
  const config = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.build.json',
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
    },
  );
  assert.ok(config?.options.outDir && config.options.rootDir);
  assert.ok(
    config.fileNames.map((f) => relative('.', f)).includes(source),
    `${source} is not compiled by tsconfig.build.json`,
  );
  const out = resolve(config.options.outDir, relative(config.options.rootDir, source)).replace(/\.ts$/, '.js');
  return relative('.', out);
}

describe('trainer/Dockerfile', () => {
  const all = stages();
  const final = all.at(-1) as Stage;
  const build = all[0] as Stage;

  it('is multi-stage, every stage on node:22 slim', () => {
    assert.ok(all.length >= 2, 'expected a build stage and a runtime stage');
    for (const stage of all) {
      assert.equal(stage.image, 'node');
      assert.match(stage.tag ?? '', /^22(\.\d+){0,2}-slim$/);
    }
    assert.ok(build.name, 'the build stage is named so the runtime stage can copy from it');
  });

  it('builds with npm ci and npm run build', () => {
    assert.ok(runs(build).some((r) => /\bnpm ci\b/.test(r)));
    assert.ok(runs(build).some((r) => /\bnpm run build\b/.test(r)));
  });

  it('installs production dependencies only in the runtime stage, as a non-root user, with NODE_ENV=production', () => {
    const installs = runs(final).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    assert.equal(installs.length, 1);
    assert.match(installs[0] as string, /\bnpm ci\b.*--omit=dev/);
    // ...of the trainer workspace only (not the functions' clients), whose manifest the stage copies in first.
    const workspace = /--workspace[= ](\S+)/.exec(installs[0] as string)?.[1];
    assert.equal(workspace, 'trainer', 'the runtime install is limited to the trainer workspace');
    const root = JSON.parse(readFileSync('package.json', 'utf8')) as { workspaces?: string[] };
    assert.deepEqual(root.workspaces, ['trainer']);
    assert.ok(
      copies(final).some((c) => !c.from && c.sources.includes('trainer/package.json')),
      'the runtime stage copies trainer/package.json before npm ci',
    );
    const users = of(final, 'USER').map((u) => args(u)[0]);
    assert.ok(users.length > 0, 'the runtime stage sets USER');
    assert.ok(!['root', '0', '0:0'].includes(users.at(-1) as string), `USER ${users.at(-1)} is root`);
    const env = dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()]));
    assert.deepEqual(
      env.filter(([name]) => name === 'NODE_ENV'),
      [['NODE_ENV', 'production']],
    );
  });

  it('trainer/package.json lists exactly the npm packages trainer/src imports, at the root package.json ranges', () => {
    const trainerPkg = JSON.parse(readFileSync('trainer/package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const rootPkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const file of readdirSync('trainer/src', { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      // Static imports, require() calls and dynamic import()s alike.
      const { importedFiles } = ts.preProcessFile(readFileSync(join('trainer/src', file), 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.') || fileName.startsWith('node:')) continue;
        const parts = fileName.split('/');
        imported.add(fileName.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
      }
    }
    assert.ok(imported.has('csv-parse') && imported.has('@google-cloud/storage'), [...imported].join());
    assert.deepEqual(Object.keys(trainerPkg.dependencies).sort(), [...imported].sort());
    // One product, one version: the trainer's codeVersion() reads the nearest package.json, which under tsx is this one.
    assert.equal((trainerPkg as { version?: string }).version, (rootPkg as { version?: string }).version);
    for (const [name, range] of Object.entries(trainerPkg.dependencies)) {
      assert.equal(range, rootPkg.dependencies[name], `${name}: trainer ${range}, root ${rootPkg.dependencies[name]}`);
    }
  });

  it('sets no AIP_* variable (Vertex AI sets them)', () => {
    for (const instruction of dockerfile.getInstructions()) {
      assert.doesNotMatch(`${instruction.getKeyword()} ${instruction.getArgumentsContent()}`, /AIP_/);
    }
  });

  it('has training as ENTRYPOINT, the same command as TRAINING_COMMAND', () => {
    const entrypoints = of(final, 'ENTRYPOINT');
    assert.equal(entrypoints.length, 1);
    const json = dockerfile
      .getENTRYPOINTs()
      .at(-1)
      ?.getJSONStrings()
      .map((s) => s.getJSONValue());
    assert.deepEqual(json, [...TRAINING_COMMAND], 'ENTRYPOINT must be in JSON (exec) form');
    assert.equal(of(final, 'CMD').length, 0, 'a CMD would be appended to the serving command too');
  });

  for (const [name, command, source] of [
    ['training', TRAINING_COMMAND, 'trainer/src/main.ts'],
    ['serving', SERVING_COMMAND, 'trainer/src/serve.ts'],
  ] as const) {
    it(`runs the ${name} command from a file the build produces from ${source}`, function () {
      if (!existsSync(source)) this.skip(); // main.ts lands with the model module
      assert.equal(command[0], 'node');
      const script = posix.resolve(workdir(final), command[1] as string);
      // The runtime stage gets the script through a COPY from the build stage...
      const copy = copies(final).find((c) => c.from === build.name && (script + '/').startsWith(c.dest + '/'));
      assert.ok(copy, `no COPY --from=${build.name} brings ${script} into the runtime stage`);
      const inBuild = posix.join(copy.sources[0] as string, posix.relative(copy.dest, script));
      // ...where `npm run build` compiled it from the source file, itself copied into the build stage.
      assert.equal(inBuild, posix.join(workdir(build), compiledPath(source)));
      const sourceInBuild = posix.join(workdir(build), source);
      const landsAt = (from: string, dest: string) =>
        (source + '/').startsWith(from.replace(/\/?$/, '/'))
          ? posix.join(dest, posix.relative(from, source))
          : undefined;
      assert.ok(
        copies(build).some((c) => !c.from && c.sources.some((s) => landsAt(s, c.dest) === sourceInBuild)),
        `${source} is not copied to ${sourceInBuild} in the build stage`,
      );
    });
  }

  it('copies only files that exist in the repository and that .dockerignore does not exclude', () => {
    const ignored = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    assert.ok(ignored.some((p) => p.startsWith('!')) === false, 'negated patterns are not handled by this check');
    for (const pattern of ['node_modules', 'dist', '.git', '.vertex-retrain']) assert.ok(ignored.includes(pattern));
    const fromContext = all.flatMap((stage) =>
      copies(stage)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    );
    assert.ok(fromContext.length > 0);
    for (const source of fromContext) {
      assert.ok(existsSync(source), `COPY source ${source} does not exist`);
      const prefixes = source.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
      for (const pattern of ignored) {
        assert.ok(!prefixes.some((p) => matchesGlob(p, pattern)), `COPY source ${source} is excluded by "${pattern}"`);
      }
    }
  });
});
