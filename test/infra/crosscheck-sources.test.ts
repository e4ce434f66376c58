// terraform/sources.tf against what runs: the function archive holds every file the deployed function loads (the
// compiled code, the npm manifest and lock the buildpack installs from, cloudbuild.yaml next to package.json), and
// the trainer archive holds everything trainer/Dockerfile COPYs from its context.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { matchesGlob, relative, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import ts from 'typescript';
import { loadManifest, trainerPath } from '../../functions/src/contract/manifest';
import { TerraformConfig } from './terraform-config';

/** The `fileset(local.repo_root, "...")` patterns of an archive's file list, `{a,b}` alternatives expanded and
 * `${var.x}` replaced by `vars.x` (the variables' defaults in the tests below). */
export function archivePatterns(expression: string, vars: Record<string, unknown> = {}): string[] {
  const patterns = [...expression.matchAll(/fileset\(local\.repo_root,\s*"((?:[^"$]|\$\{[^}]*\})+)"\)/g)].map((m) =>
    m[1]!.replace(/\$\{var\.([a-z0-9_]+)\}/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`archive pattern uses var.${name}, which has no value here`);
      return String(vars[name]);
    }),
  );
  return patterns.flatMap((p) => {
    const alt = /\{([^}]*)\}/.exec(p);
    return alt ? alt[1]!.split(',').map((a) => p.replace(alt[0], a)) : [p];
  });
}

/** Whether the archive described by `expression` would hold `file` (a repository-relative path). */
export function archiveHolds(expression: string, file: string, vars: Record<string, unknown> = {}): boolean {
  // sources.tf drops anything under node_modules/ from both archives.
  if (file.includes('node_modules/') && /strcontains\(f, "node_modules\/"\)/.test(expression)) return false;
  return archivePatterns(expression, vars).some((p) => matchesGlob(file, p));
}

/** Repository-relative paths of the .js files `npm run build` (tsconfig.build.json) emits. */
function compiledFiles(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.build.json',
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
    },
  )!;
  const { outDir, rootDir } = parsed.options;
  return parsed.fileNames
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => relative('.', resolve(outDir!, relative(rootDir!, f))).replace(/\.ts$/, '.js'));
}

describe('cross-check: source archives (terraform/sources.tf)', () => {
  let functionFiles: string;
  let trainerFiles: string;
  let defaults: Record<string, unknown>;

  before(async () => {
    const tf = await TerraformConfig.load();
    defaults = Object.fromEntries(Object.entries(tf.variables()).map(([k, v]) => [k, v.default]));
    functionFiles = String(tf.local('function_source_files'));
    trainerFiles = String(tf.local('trainer_source_files'));
  });

  it('the function archive holds the entry module, every compiled file, the npm manifests (root and workspaces), the lock and cloudbuild.yaml', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; workspaces?: string[] };
    const compiled = compiledFiles();
    assert.ok(compiled.includes(pkg.main), `package.json main ${pkg.main} is not built by tsconfig.build.json`);
    // The manifest of every workspace package.json declares, so the buildpack's npm ci installs the lock's whole tree.
    const workspaces = (pkg.workspaces ?? []).map((w) => `${w}/package.json`);
    assert.ok(workspaces.length > 0);
    // findCloudbuildYaml() looks for cloudbuild.yaml next to package.json: both at the archive root.
    const needed = [pkg.main, 'package.json', 'package-lock.json', 'cloudbuild.yaml', ...workspaces, ...compiled];
    assert.deepEqual(
      needed.filter((f) => !archiveHolds(functionFiles, f, defaults)),
      [],
    );
    // Source maps and the TypeScript sources stay out.
    for (const f of ['dist/functions/src/index.js.map', 'functions/src/index.ts', 'node_modules/x/dist/a.js']) {
      assert.equal(archiveHolds(functionFiles, f, defaults), false, f);
    }
  });

  it("the function archive holds the trainer's manifest and the dataset schema it names (the drop check reads them), no trainer source", async () => {
    const dir = String(defaults.trainer_dir);
    const loaded = await loadManifest(dir);
    const schema = relative('.', trainerPath(loaded, loaded.manifest.dataset.schema));
    assert.deepEqual(
      [`${dir}/trainer.yaml`, schema].filter((f) => !archiveHolds(functionFiles, f, defaults)),
      [],
    );
    for (const f of [`${dir}/src/preprocess.ts`, `${dir}/Dockerfile`])
      assert.equal(archiveHolds(functionFiles, f, defaults), false, f);
  });

  it('the trainer archive holds every file trainer/Dockerfile copies from the build context, and .dockerignore', () => {
    const dockerfile = DockerfileParser.parse(readFileSync('trainer/Dockerfile', 'utf8'));
    const sources = dockerfile
      .getCOPYs()
      .filter((c) => c.getFromFlag() === null)
      .flatMap((c) =>
        c
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue()),
      );
    assert.ok(sources.includes('trainer/src'), `COPY sources: ${JSON.stringify(sources)}`);
    // A directory source is represented by one file in it.
    const files = sources.map((s) => (s.includes('.') ? s : `${s}/main.ts`));
    assert.deepEqual(
      [...files, '.dockerignore'].filter((f) => !archiveHolds(trainerFiles, f, defaults)),
      [],
    );
  });
});

describe('cross-check: the archive check itself', () => {
  it('substitutes variables in patterns, and refuses one it has no value for', () => {
    const e = 'fileset(local.repo_root, "${var.trainer_dir}/**")';
    assert.equal(archiveHolds(e, 'my-trainer/Dockerfile', { trainer_dir: 'my-trainer' }), true);
    assert.equal(archiveHolds(e, 'trainer/Dockerfile', { trainer_dir: 'my-trainer' }), false);
    assert.throws(() => archiveHolds(e, 'trainer/Dockerfile'), /var\.trainer_dir/);
  });

  const expr =
    '${sort([for f in setunion(fileset(local.repo_root, "dist/**/*.js"), fileset(local.repo_root, "{package.json,cloudbuild.yaml}")) : f if !strcontains(f, "node_modules/")])}';
  const cases: [string, boolean][] = [
    ['dist/functions/src/index.js', true],
    ['dist/trainer/src/schema.js', true],
    ['package.json', true],
    ['cloudbuild.yaml', true],
    ['package-lock.json', false],
    ['dist/functions/src/index.js.map', false],
    ['dist/node_modules/a.js', false],
  ];
  for (const [file, held] of cases) {
    it(`${held ? 'finds' : 'misses'} ${file}`, () => assert.equal(archiveHolds(expr, file), held));
  }
});
