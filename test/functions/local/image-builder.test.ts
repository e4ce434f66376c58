import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildImage, readImage, sourceOf } from '../../../functions/src/local/image-builder';
import { localLayout } from '../../../functions/src/local/layout';

describe('local/image-builder', () => {
  let project: string;
  let root: string;
  const source = () => ({
    projectRoot: project,
    entrypoint: ['node', 'dist/trainer/src/main.js'],
    servingCommand: ['node', 'dist/trainer/src/serve.js'],
  });

  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'proj-'));
    root = await mkdtemp(join(tmpdir(), 'vr-'));
    await mkdir(join(project, 'trainer', 'src'), { recursive: true });
    await writeFile(join(project, 'package-lock.json'), '{"lockfileVersion":3}');
    await writeFile(
      join(project, 'trainer/src/util.ts'),
      'export const greet = (n: string): string => `hello ${n}`;\n',
    );
    await writeFile(
      join(project, 'trainer/src/main.ts'),
      "import { greet } from './util';\nconsole.log(greet(process.argv[2] ?? 'x'));\n",
    );
    await writeFile(join(project, 'trainer/src/serve.ts'), "console.log('serving');\n");
  });
  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it('maps a compiled command path to its source', () => {
    assert.equal(sourceOf('dist/trainer/src/main.js'), 'trainer/src/main.ts');
  });

  it('bundles both commands into a runnable, content-addressed image folder', async () => {
    const layout = localLayout(root);
    const image = await buildImage(layout, source());
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(image.dir, join(root, 'images', image.digest.replace(':', '-')));
    assert.deepEqual(Object.keys(image.manifest.files), ['dist/trainer/src/main.js', 'dist/trainer/src/serve.js']);
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/trainer/src/main.js', 'image'], {
      cwd: image.dir,
    });
    assert.equal(stdout, 'hello image\n');
    assert.deepEqual(await readImage(layout, image.digest), image);
    assert.equal(
      JSON.parse(await readFile(join(image.dir, 'manifest.json'), 'utf8')).entrypoint[1],
      'dist/trainer/src/main.js',
    );
  });

  it('gives the same digest for the same sources and a new one when a source or the lock file changes', async () => {
    const layout = localLayout(root);
    const a = await buildImage(layout, source());
    const b = await buildImage(layout, source());
    assert.equal(a.digest, b.digest);
    await writeFile(join(project, 'trainer/src/util.ts'), 'export const greet = (n: string): string => `hi ${n}`;\n');
    const c = await buildImage(layout, source());
    assert.notEqual(c.digest, a.digest);
    await writeFile(join(project, 'package-lock.json'), '{"lockfileVersion":3,"x":1}');
    const d = await buildImage(layout, source());
    assert.notEqual(d.digest, c.digest);
  });

  it('fails with the compiler message when the sources do not build', async () => {
    await writeFile(join(project, 'trainer/src/main.ts'), "import { nope } from './missing';\nnope();\n");
    await assert.rejects(buildImage(localLayout(root), source()), /Could not resolve "\.\/missing"/);
  });
});
