// What the Cloud Build twin builds: a content-addressed local "image" of a trainer, from its folder's trainer.yaml
// and Dockerfile, read at every build (the Dockerfile is checked: every COPY source exists, the ENTRYPOINT is in exec
// form). The image folder stands for the final stage's WORKDIR, the commands' working directory:
//   - a `node` ENTRYPOINT (the default trainer): the image's build stage compiles TypeScript, so esbuild bundles the
//     two commands (training ENTRYPOINT and serving command) from their sources into the paths the Dockerfile puts
//     them at (`dist/trainer/src/*.js`); npm packages stay external, as the image's `node_modules` layer pinned by
//     the lock file, whose hash is part of the manifest;
//   - any other ENTRYPOINT (`python main.py`): the files the final stage COPYs from the context, at their paths
//     under the WORKDIR; RUN steps are not run (the packages they install come from the host, host-interpreter.ts).
// The digest is the sha256 of the manifest, which lists the sha256 of every file: the same sources give the same
// digest, any change gives a new one.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { loadManifest, trainerPath } from '../contract/manifest';
import { DockerfileError, parseDockerfile } from './dockerfile';
import type { DockerfileStage } from './dockerfile';
import type { LocalLayout } from './layout';

/** The image's configuration, like an OCI image config: what to run, where, with which environment. */
export interface ImageManifest {
  schemaVersion: 1;
  /** The training command (the Dockerfile's ENTRYPOINT, or trainer.yaml train.command), relative to the image folder. */
  entrypoint: string[];
  /** trainer.yaml train.args: after the contract's arguments, as on Vertex (absent: none, or an older image). */
  trainArgs?: string[];
  /** The model's serving `containerSpec.command`. */
  servingCommand: string[];
  /** The final stage's ENV (absent in images built before it was recorded). */
  env?: Record<string, string>;
  /** Image-relative path → `sha256:<hex>` of the file. */
  files: Record<string, string>;
  /**
   * `sha256:<hex>` of what the image's dependency layer is made from: package-lock.json for a bundled image, the
   * Dockerfile (its RUN steps) for a copied one.
   */
  dependencies: string;
}

export interface BuiltImage {
  /** `sha256:<hex>` */
  digest: string;
  dir: string;
  manifest: ImageManifest;
}

/** A trainer folder: its trainer.yaml says which Dockerfile, which context and which serving command. */
export interface TrainerSource {
  trainerDir: string;
}

/** A bundle made without a manifest (tests): the repository root and the two `node` commands. */
export interface BundleSource {
  /** Holds package-lock.json and the command sources. */
  projectRoot: string;
  entrypoint: readonly string[];
  servingCommand: readonly string[];
}

export type ImageSource = TrainerSource | BundleSource;

/** How an image is made, from a trainer folder: what imageRecipe found in its manifest and Dockerfile. */
export interface ImageRecipe {
  /** The build context: where COPY sources (and a bundle's sources) are read. */
  context: string;
  /** `bundle`: a `node` ENTRYPOINT, bundled from sources; `copy`: the files the final stage copies. */
  kind: 'bundle' | 'copy';
  entrypoint: string[];
  trainArgs: string[];
  servingCommand: string[];
  env: Record<string, string>;
  /** The final stage (kind `copy` reads its COPY instructions). */
  stage?: DockerfileStage;
  /** The Dockerfile's text (kind `copy`: its hash is the dependency layer's). */
  dockerfileText?: string;
}

/** The image's ENV for a process the twins start, without PATH: the host's PATH is what finds the host's programs. */
export function imageEnvironment(manifest: Pick<ImageManifest, 'env'>): Record<string, string> {
  const { PATH: _path, ...env } = manifest.env ?? {};
  return env;
}

/** Words for a build log: where the image comes from. */
export function describeSource(source: ImageSource): string {
  return 'trainerDir' in source ? source.trainerDir : source.projectRoot;
}

const GLOB = /[*?[]/;
/** The image folder's description of itself. */
const MANIFEST_NAME = 'manifest.json';

/** Every COPY/ADD source from the context exists inside it (what `docker build` checks first). */
async function contextProblems(context: string, stages: DockerfileStage[]): Promise<string[]> {
  const problems: string[] = [];
  for (const copy of stages.flatMap((s) => s.copies.filter((c) => !c.from))) {
    for (const source of copy.sources) {
      if (/^https?:\/\//.test(source)) {
        problems.push(`line ${copy.line}: ${copy.instruction} of a URL (${source}) is not supported locally`);
        continue;
      }
      if (GLOB.test(source)) continue; // checked when copied (kind copy), built by the image's own stage otherwise
      const abs = resolve(context, source);
      const rel = relative(context, abs);
      if (rel.startsWith('..') || isAbsolute(rel))
        problems.push(`line ${copy.line}: ${source} is outside the build context`);
      else if (!(await stat(abs).catch(() => undefined)))
        problems.push(`line ${copy.line}: ${copy.instruction} ${source}: no such file in the build context ${context}`);
    }
  }
  return problems;
}

/** Reads a trainer folder's manifest and Dockerfile into a recipe. Throws ContractError or DockerfileError. */
export async function imageRecipe(trainerDir: string): Promise<ImageRecipe> {
  const loaded = await loadManifest(trainerDir);
  const { manifest } = loaded;
  const context = trainerPath(loaded, manifest.image.context ?? '.');
  const file = trainerPath(loaded, manifest.image.dockerfile);
  const dockerfileText = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new DockerfileError(file, [
      err.code === 'ENOENT' ? 'no such file (trainer.yaml image.dockerfile)' : err.message,
    ]);
  });
  const stages = parseDockerfile(dockerfileText, file);
  const stage = stages.at(-1) as DockerfileStage;
  const command = manifest.train?.command?.length ? manifest.train.command : stage.entrypoint;
  const problems = await contextProblems(context, stages);
  if (!command) problems.push('the final stage has no ENTRYPOINT (and trainer.yaml train.command is empty)');
  if (problems.length > 0) throw new DockerfileError(file, problems);
  const entrypoint = [...(command as string[])];
  const kind = entrypoint[0] === 'node' ? 'bundle' : 'copy';
  return {
    context,
    kind,
    entrypoint,
    trainArgs: [...(manifest.train?.args ?? [])],
    servingCommand: [...manifest.serve.command, ...(manifest.serve.args ?? [])],
    env: stage.env,
    ...(kind === 'copy' ? { stage, dockerfileText } : {}),
  };
}

/** `dist/trainer/src/main.js` → `trainer/src/main.ts`: the source a compiled command path comes from. */
export function sourceOf(compiledPath: string): string {
  return compiledPath.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** `sha256:<hex>` → the image folder `images/sha256-<hex>/`. */
export function imageDir(layout: LocalLayout, digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`not an image digest: ${digest}`);
  return join(layout.images, digest.replace(':', '-'));
}

/** Reads a built image's manifest by digest; undefined if no such image. */
export async function readImage(layout: LocalLayout, digest: string): Promise<BuiltImage | undefined> {
  const dir = imageDir(layout, digest);
  const text = await readFile(join(dir, MANIFEST_NAME), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : { digest, dir, manifest: JSON.parse(text) as ImageManifest };
}

/** Bundles the two `node` commands from their TypeScript sources in `projectRoot` (see the header). */
async function bundledFiles(
  projectRoot: string,
  commands: readonly (readonly string[])[],
): Promise<Map<string, Buffer>> {
  // Loaded here: only the process that builds pays for esbuild.
  const esbuild = await import('esbuild');
  const outputs = commands.map((command) => {
    const script = command[1];
    if (command[0] !== 'node' || !script)
      throw new Error(`a bundled image runs \`node <script>\` commands, got ${JSON.stringify(command)}`);
    return script;
  });
  const files = new Map<string, Buffer>();
  for (const output of outputs) {
    const result = await esbuild.build({
      entryPoints: [join(projectRoot, sourceOf(output))],
      absWorkingDir: projectRoot,
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      write: false,
      outfile: join(projectRoot, output),
      logLevel: 'silent',
      legalComments: 'none',
    });
    for (const file of result.outputFiles) files.set(output, Buffer.from(file.contents));
  }
  return files;
}

/** Every file under `dir`, as paths relative to it (posix separators). */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** The files the final stage COPYs from the context, keyed by their path under the final WORKDIR. */
async function copiedFiles(recipe: ImageRecipe): Promise<Map<string, Buffer>> {
  const stage = recipe.stage as DockerfileStage;
  const files = new Map<string, Buffer>();
  const place = (copy: { line: number }, containerPath: string, data: Buffer) => {
    const rel = posix.relative(stage.workdir, containerPath);
    if (rel === '' || rel.startsWith('..') || posix.isAbsolute(rel))
      throw new Error(
        `Dockerfile line ${copy.line}: copies to ${containerPath}, outside the WORKDIR ${stage.workdir} (the local twin runs the commands from the WORKDIR)`,
      );
    // The image folder's own file: a trainer file of that name would be overwritten.
    if (rel === MANIFEST_NAME)
      throw new Error(`Dockerfile line ${copy.line}: ${rel} at the WORKDIR is reserved locally`);
    files.set(rel, data);
  };
  for (const copy of stage.copies) {
    if (copy.from)
      throw new Error(
        `Dockerfile line ${copy.line}: COPY --from=${copy.from} (a multi-stage build) is not supported for a non-node image by the local build twin`,
      );
    const dest = posix.resolve(copy.workdir, copy.dest);
    const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      if (GLOB.test(source))
        throw new Error(
          `Dockerfile line ${copy.line}: wildcards (${source}) are not supported by the local build twin`,
        );
      const abs = resolve(recipe.context, source);
      if ((await stat(abs)).isDirectory()) {
        // COPY dir dest: the directory's contents go into dest.
        for (const rel of await walk(abs))
          place(copy, posix.join(dest, rel), await readFile(join(abs, ...rel.split('/'))));
      } else {
        place(copy, intoDir ? posix.join(dest, posix.basename(source)) : dest, await readFile(abs));
      }
    }
  }
  return files;
}

/** Builds the image and stores it as `images/sha256-<hex>/` (reused if that digest exists). Throws on build errors. */
export async function buildImage(layout: LocalLayout, source: ImageSource): Promise<BuiltImage> {
  const recipe: ImageRecipe =
    'trainerDir' in source
      ? await imageRecipe(source.trainerDir)
      : {
          context: source.projectRoot,
          kind: 'bundle',
          entrypoint: [...source.entrypoint],
          trainArgs: [],
          servingCommand: [...source.servingCommand],
          env: {},
        };
  let files: Map<string, Buffer>;
  let dependencies: string;
  if (recipe.kind === 'bundle') {
    files = await bundledFiles(recipe.context, [recipe.entrypoint, recipe.servingCommand]);
    dependencies = sha256(await readFile(join(recipe.context, 'package-lock.json')));
  } else {
    files = await copiedFiles(recipe);
    dependencies = sha256(recipe.dockerfileText ?? '');
  }
  const manifest: ImageManifest = {
    schemaVersion: 1,
    entrypoint: recipe.entrypoint,
    ...(recipe.trainArgs.length > 0 ? { trainArgs: recipe.trainArgs } : {}),
    servingCommand: recipe.servingCommand,
    ...(Object.keys(recipe.env).length > 0 ? { env: recipe.env } : {}),
    files: Object.fromEntries(
      [...files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, d]) => [p, sha256(d)]),
    ),
    dependencies,
  };
  const manifestText = JSON.stringify(manifest, null, 2);
  const digest = sha256(manifestText);
  const dir = imageDir(layout, digest);
  if (await stat(join(dir, MANIFEST_NAME)).catch(() => undefined)) return { digest, dir, manifest };
  // Assemble beside the final folder, then rename: an image folder is either complete or absent.
  const staging = join(layout.tmp, `image-${randomBytes(6).toString('hex')}`);
  for (const [path, data] of files) {
    await mkdir(dirname(join(staging, path)), { recursive: true });
    await writeFile(join(staging, path), data);
  }
  await writeFile(join(staging, MANIFEST_NAME), manifestText);
  await mkdir(layout.images, { recursive: true });
  try {
    await rename(staging, dir);
  } catch (err) {
    // Another build of the same content won the race: same digest, same content.
    await rm(staging, { recursive: true, force: true });
    if (!(await stat(join(dir, MANIFEST_NAME)).catch(() => undefined))) throw err;
  }
  return { digest, dir, manifest };
}
