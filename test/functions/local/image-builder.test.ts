import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVING_COMMAND, TRAINING_COMMAND } from '../../../trainer/src/image-commands';
import { buildImage, imageRecipe, readImage, sourceOf } from '../../../functions/src/local/image-builder';
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

  describe('from a trainer folder (trainer.yaml + Dockerfile)', () => {
    let trainer: string;
    const MANIFEST = [
      'apiVersion: vertex-retrain/v1',
      'name: tiny',
      'task: regression',
      'image: { dockerfile: Dockerfile }',
      "serve: { command: ['python', 'serve.py'], args: ['--quiet'], port: 8080, predictRoute: /predict, healthRoute: /health }",
      'dataset: { schema: schema.json }',
      'metrics: [{ name: rmse, direction: lower }]',
      'gate: { metric: rmse, floor: 10 }',
      '',
    ].join('\n');
    const DOCKERFILE = [
      'FROM python:3.11-slim',
      'ENV PYTHONDONTWRITEBYTECODE=1 PATH=/opt/venv/bin:$PATH',
      'WORKDIR /app',
      'COPY requirements.txt ./',
      'RUN pip install -r requirements.txt',
      'COPY main.py serve.py ./',
      'COPY pkg ./pkg',
      'COPY schema.json conf/schema.json',
      'ENTRYPOINT ["python", "main.py"]',
      '',
    ].join('\n');

    beforeEach(async () => {
      trainer = join(project, 'tiny');
      await mkdir(join(trainer, 'pkg', 'sub'), { recursive: true });
      await writeFile(join(trainer, 'trainer.yaml'), MANIFEST);
      await writeFile(join(trainer, 'Dockerfile'), DOCKERFILE);
      await writeFile(join(trainer, 'requirements.txt'), 'scikit-learn==1.2.1\n');
      await writeFile(join(trainer, 'main.py'), 'print("train")\n');
      await writeFile(join(trainer, 'serve.py'), 'print("serve")\n');
      await writeFile(join(trainer, 'schema.json'), '{}');
      await writeFile(join(trainer, 'pkg', 'sub', 'util.py'), 'X = 1\n');
      await writeFile(join(trainer, 'not-copied.txt'), 'left out\n');
    });

    it('copies what the final stage COPYs, at its paths under the WORKDIR, with the ENV and both commands', async () => {
      const layout = localLayout(root);
      const image = await buildImage(layout, { trainerDir: trainer });
      assert.deepEqual(Object.keys(image.manifest.files), [
        'conf/schema.json',
        'main.py',
        'pkg/sub/util.py',
        'requirements.txt',
        'serve.py',
      ]);
      assert.equal(await readFile(join(image.dir, 'pkg/sub/util.py'), 'utf8'), 'X = 1\n');
      assert.deepEqual(image.manifest.entrypoint, ['python', 'main.py']);
      assert.deepEqual(image.manifest.servingCommand, ['python', 'serve.py', '--quiet']);
      assert.deepEqual(image.manifest.env, { PYTHONDONTWRITEBYTECODE: '1', PATH: '/opt/venv/bin:$PATH' });
      assert.deepEqual(await readImage(layout, image.digest), image);
    });

    it('gives the same digest for the same folder, a new one when a copied file or the Dockerfile changes', async () => {
      const layout = localLayout(root);
      const a = await buildImage(layout, { trainerDir: trainer });
      await writeFile(join(trainer, 'not-copied.txt'), 'changed, but not in the image\n');
      assert.equal((await buildImage(layout, { trainerDir: trainer })).digest, a.digest);
      await writeFile(join(trainer, 'main.py'), 'print("train v2")\n');
      const b = await buildImage(layout, { trainerDir: trainer });
      assert.notEqual(b.digest, a.digest);
      await writeFile(join(trainer, 'Dockerfile'), DOCKERFILE.replace('RUN pip install', 'RUN pip install --no-deps'));
      assert.notEqual((await buildImage(layout, { trainerDir: trainer })).digest, b.digest);
    });

    it('fails naming the Dockerfile line of a COPY source that is not in the context', async () => {
      await rm(join(trainer, 'serve.py'));
      await assert.rejects(
        buildImage(localLayout(root), { trainerDir: trainer }),
        /Dockerfile: line 6: COPY serve\.py: no such file in the build context/,
      );
    });

    it('refuses what it cannot stand in for: COPY --from for a non-node image, a copy outside the WORKDIR', async () => {
      await writeFile(join(trainer, 'Dockerfile'), DOCKERFILE.replace('COPY pkg ./pkg', 'COPY --from=build /x ./x'));
      await assert.rejects(buildImage(localLayout(root), { trainerDir: trainer }), /line 7: COPY --from=build/);
      await writeFile(join(trainer, 'Dockerfile'), DOCKERFILE.replace('COPY pkg ./pkg', 'COPY pkg /opt/pkg'));
      await assert.rejects(
        buildImage(localLayout(root), { trainerDir: trainer }),
        /copies to \/opt\/pkg\/sub\/util\.py, outside the WORKDIR \/app/,
      );
    });

    it('train.command replaces the ENTRYPOINT; train.args are kept apart, to follow the contract arguments', async () => {
      const manifest = MANIFEST.replace(
        'serve:',
        "train: { command: ['python', '-m', 'pkg'], args: ['--fast'] }\nserve:",
      );
      await writeFile(join(trainer, 'trainer.yaml'), manifest);
      const image = await buildImage(localLayout(root), { trainerDir: trainer });
      assert.deepEqual(image.manifest.entrypoint, ['python', '-m', 'pkg']);
      assert.deepEqual(image.manifest.trainArgs, ['--fast']);
    });

    it('a trainer without ENTRYPOINT or train.command is refused', async () => {
      await writeFile(join(trainer, 'Dockerfile'), DOCKERFILE.replace(/ENTRYPOINT.*\n/, ''));
      await assert.rejects(imageRecipe(trainer), /the final stage has no ENTRYPOINT/);
    });

    it('the two bundled trainers: Titanic is bundled with the commands trainer/src/image-commands.ts names', async () => {
      const titanic = await imageRecipe('trainer');
      assert.equal(titanic.kind, 'bundle');
      assert.deepEqual(titanic.entrypoint, TRAINING_COMMAND);
      assert.deepEqual(titanic.servingCommand, SERVING_COMMAND);
      const diabetes = await imageRecipe('examples/diabetes');
      assert.equal(diabetes.kind, 'copy');
      assert.deepEqual(
        [diabetes.entrypoint, diabetes.servingCommand],
        [
          ['python', 'main.py'],
          ['python', 'serve.py'],
        ],
      );
    });
  });
});
