// terraform/sources.tf against what runs: the function archive holds every file the deployed function loads (the
// compiled modules the entry module reaches, the npm manifest and lock the buildpack installs from, cloudbuild.yaml
// next to package.json) and nothing of the local stack, the CLI or the test helpers; the trainer archive holds
// everything trainer/Dockerfile COPYs from its context, byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { matchesGlob, relative, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import ts from 'typescript';
import { loadManifest, trainerPath } from '../../functions/src/contract/manifest';
import { reachableSources } from './module-reach';
import { loadBuildConfig } from './cloudbuild-config';
import { TerraformConfig } from './terraform-config';

/** The entry module's one require that only local mode takes (RETRAIN_ENV=local: the local stack's ports). */
const LOCAL_BACKEND_EDGE = { from: 'functions/src/backend.ts', specifier: './local' };

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
  // sources.tf drops anything under node_modules/ from both archives ...
  if (file.includes('node_modules/') && /strcontains\(f, "node_modules\/"\)/.test(expression)) return false;
  // ... and, from the function archive, what `!can(regex("...", f))` names.
  for (const m of expression.matchAll(/!can\(regex\("((?:[^"\\]|\\.)*)", f\)\)/g)) {
    if (new RegExp(m[1]!.replace(/\\\\/g, '\\')).test(file)) return false;
  }
  return archivePatterns(expression, vars).some((p) => matchesGlob(file, p));
}

/** dist/ path of a source file as `npm run build` emits it (.ts → .js; JSON copied as is). */
const compiledPath = (source: string): string => `dist/${source.replace(/\.ts$/, '.js')}`;

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

  it('the function archive holds the entry module, every module it reaches (JSON schemas too), the npm manifests (root and workspaces), the lock and cloudbuild.yaml', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; workspaces?: string[] };
    const compiled = compiledFiles();
    assert.ok(compiled.includes(pkg.main), `package.json main ${pkg.main} is not built by tsconfig.build.json`);
    const reached = reachableSources('functions/src/index.ts', [LOCAL_BACKEND_EDGE]).map(compiledPath);
    assert.ok(reached.includes(pkg.main));
    assert.ok(
      reached.some((f) => f.endsWith('.json')),
      'the entry module requires JSON schemas',
    );
    // The manifest of every workspace package.json declares, so the buildpack's npm ci installs the lock's whole tree.
    const workspaces = (pkg.workspaces ?? []).map((w) => `${w}/package.json`);
    assert.ok(workspaces.length > 0);
    // findCloudbuildYaml() looks for cloudbuild.yaml next to package.json: both at the archive root.
    const needed = [pkg.main, 'package.json', 'package-lock.json', 'cloudbuild.yaml', ...workspaces, ...reached];
    assert.deepEqual(
      needed.filter((f) => !archiveHolds(functionFiles, f, defaults)),
      [],
    );
    // Source maps and the TypeScript sources stay out.
    for (const f of ['dist/functions/src/index.js.map', 'functions/src/index.ts', 'node_modules/x/dist/a.js']) {
      assert.equal(archiveHolds(functionFiles, f, defaults), false, f);
    }
  });

  it('the function archive carries no module the deployed function does not reach: not local/, cli/, testing/, nor the trainer', () => {
    const reached = new Set(reachableSources('functions/src/index.ts', [LOCAL_BACKEND_EDGE]).map(compiledPath));
    const carried = compiledFiles().filter((f) => archiveHolds(functionFiles, f, defaults));
    assert.deepEqual(
      carried.filter((f) => !reached.has(f) && !/^dist\/functions\/src\//.test(f)),
      [],
      'compiled files outside functions/src the entry module does not reach',
    );
    const excluded = compiledFiles().filter((f) => /^dist\/functions\/src\/(local|cli|testing)\//.test(f));
    assert.ok(excluded.length > 20, `only ${excluded.length} compiled files under local/, cli/, testing/`);
    assert.deepEqual(
      excluded.filter((f) => archiveHolds(functionFiles, f, defaults)),
      [],
    );
    // And none of those is needed: in vertex mode the entry module never requires them.
    assert.deepEqual(
      [...reached].filter((f) => /^dist\/functions\/src\/(local|cli|testing)\//.test(f)),
      [],
    );
    // Not even the local backend: local/function-entry.ts registers it and then loads index.ts, never the reverse.
    const withLocal = reachableSources('functions/src/index.ts');
    assert.deepEqual(
      withLocal.filter((f) => f.startsWith('functions/src/local/')),
      [],
    );
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

  it('the trainer archive is read byte for byte (binary files too): source_dir with everything else excluded', async () => {
    const tf = await TerraformConfig.load();
    const archive = tf.dataSource('archive_file.trainer_source').body;
    // No `source { content = file(...) }` blocks: file() reads UTF-8 text only and fails on a binary file.
    assert.equal(archive.source, undefined);
    assert.equal(archive.source_dir, '${local.repo_root}');
    assert.equal(archive.exclude_symlink_directories, true);
    // The expression without comments and line breaks.
    const excludes = String(archive.excludes)
      .replace(/#[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .replace(/\( /g, '(')
      .replace(/,? \)/g, ')');
    // What is excluded is exactly the repository (dotfiles named explicitly) minus trainer_source_files, plus
    // directories never walked.
    assert.ok(
      excludes.includes(
        'setsubtract(setunion(fileset(local.repo_root, "**"), fileset(local.repo_root, "{.*,**/.*,.*/**,**/.*/**}")), local.trainer_source_files)',
      ),
      excludes,
    );
    assert.match(excludes, /local\.trainer_source_skipped_dirs/);
    const skipped = (tf.local('trainer_source_skipped_dirs') as string[]).map((d) =>
      d.replace('${var.trainer_dir}', String(defaults.trainer_dir)),
    );
    // The skipped directories hold nothing the archive must carry, and include where the archive is written.
    const output = String(archive.output_path);
    assert.match(output, /^\$\{path\.module\}\/\.build\//);
    assert.ok(skipped.includes('terraform/.build'));
    for (const d of skipped) assert.equal(archiveHolds(trainerFiles, `${d}/x.ts`, defaults), false, d);
    // A binary file in the trainer folder is in the archive's file list (and in the content hash, filesha256).
    assert.equal(archiveHolds(trainerFiles, `${String(defaults.trainer_dir)}/models/baseline.pkl`, defaults), true);
    assert.match(String(tf.local('trainer_source_hash')), /filesha256\(/);
  });
});

describe('cross-check: the archive git-push builds publish (cloudbuild.yaml pack-source) ↔ terraform/sources.tf', () => {
  it('packs the same files as the trainer archive terraform apply uploads', async () => {
    const tf = await TerraformConfig.load();
    const trainerDir = String(tf.variables().trainer_dir!.default);
    const patterns = archivePatterns(String(tf.local('trainer_source_files')), { trainer_dir: trainerDir })
      .map((p) => p.replace(/\/\*\*$/, ''))
      .sort();
    const step = loadBuildConfig().steps.find((st) => st.id === 'pack-source')!;
    const files = /files=\(([^)]*)\)/.exec(step.args![1]!)?.[1];
    assert.ok(files, 'pack-source lists its files in files=(...)');
    const packed = files
      .split(/\s+/)
      .map((f) => f.replace(/^"\$\{_TRAINER_DIR\}"$/, trainerDir))
      .sort();
    assert.deepEqual(packed, patterns);
    assert.match(step.args![1]!, /tar --exclude=node_modules/);
  });
});

describe('cross-check: the archive check itself', () => {
  it('substitutes variables in patterns, and refuses one it has no value for', () => {
    const e = 'fileset(local.repo_root, "${var.trainer_dir}/**")';
    assert.equal(archiveHolds(e, 'my-trainer/Dockerfile', { trainer_dir: 'my-trainer' }), true);
    assert.equal(archiveHolds(e, 'trainer/Dockerfile', { trainer_dir: 'my-trainer' }), false);
    assert.throws(() => archiveHolds(e, 'trainer/Dockerfile'), /var\.trainer_dir/);
  });

  it('drops what a !can(regex("...", f)) filter names', () => {
    const e =
      '${[for f in fileset(local.repo_root, "dist/**/*.js") : f if !can(regex("^dist/functions/src/(local|cli)/", f))]}';
    assert.equal(archiveHolds(e, 'dist/functions/src/index.js'), true);
    assert.equal(archiveHolds(e, 'dist/functions/src/local/stack.js'), false);
    assert.equal(archiveHolds(e, 'dist/functions/src/cli/main.js'), false);
    assert.equal(archiveHolds(e, 'dist/functions/src/clients.js'), true);
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
