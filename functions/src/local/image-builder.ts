// What the Cloud Build twin builds: a content-addressed local "image" of the trainer. esbuild bundles the image's
// two commands (training ENTRYPOINT and the serving command) from trainer/src into the same paths the Dockerfile
// puts them at (`dist/trainer/src/*.js`), so the commands run unchanged with the image folder as working directory.
// npm packages stay external, as the image's `node_modules` layer: they are pinned by the lock file, whose hash is
// part of the manifest. The digest is the sha256 of the manifest, which lists the sha256 of every file: the same
// sources give the same digest, any change gives a new one.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LocalLayout } from './layout';

/** The image's configuration, like an OCI image config: what to run, where. */
export interface ImageManifest {
  schemaVersion: 1;
  /** The training command (the Dockerfile's ENTRYPOINT), relative to the image folder. */
  entrypoint: string[];
  /** The model's serving `containerSpec.command`. */
  servingCommand: string[];
  /** Image-relative path → `sha256:<hex>` of the file. */
  files: Record<string, string>;
  /** `sha256:<hex>` of package-lock.json: the dependency layer the bundles resolve against. */
  dependencies: string;
}

export interface BuiltImage {
  /** `sha256:<hex>` */
  digest: string;
  dir: string;
  manifest: ImageManifest;
}

export interface ImageSource {
  /** The repository root: holds package.json, package-lock.json and the trainer sources. */
  projectRoot: string;
  entrypoint: readonly string[];
  servingCommand: readonly string[];
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
  const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : { digest, dir, manifest: JSON.parse(text) as ImageManifest };
}

/** Bundles the trainer and stores it as `images/sha256-<hex>/` (reused if that digest exists). Throws on build errors. */
export async function buildImage(layout: LocalLayout, source: ImageSource): Promise<BuiltImage> {
  // Loaded here: only the process that builds pays for esbuild.
  const esbuild = await import('esbuild');
  const commands = [source.entrypoint, source.servingCommand];
  const outputs = commands.map((command) => {
    const script = command[1];
    if (command[0] !== 'node' || !script) throw new Error(`unsupported image command: ${JSON.stringify(command)}`);
    return script;
  });
  const files = new Map<string, Buffer>();
  for (const output of outputs) {
    const result = await esbuild.build({
      entryPoints: [join(source.projectRoot, sourceOf(output))],
      absWorkingDir: source.projectRoot,
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      write: false,
      outfile: join(source.projectRoot, output),
      logLevel: 'silent',
      legalComments: 'none',
    });
    for (const file of result.outputFiles) files.set(output, Buffer.from(file.contents));
  }
  const lock = await readFile(join(source.projectRoot, 'package-lock.json'));
  const manifest: ImageManifest = {
    schemaVersion: 1,
    entrypoint: [...source.entrypoint],
    servingCommand: [...source.servingCommand],
    files: Object.fromEntries(
      [...files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([p, d]) => [p, sha256(d)]),
    ),
    dependencies: sha256(lock),
  };
  const manifestText = JSON.stringify(manifest, null, 2);
  const digest = sha256(manifestText);
  const dir = imageDir(layout, digest);
  if (await stat(join(dir, 'manifest.json')).catch(() => undefined)) return { digest, dir, manifest };
  // Assemble beside the final folder, then rename: an image folder is either complete or absent.
  const staging = join(layout.tmp, `image-${randomBytes(6).toString('hex')}`);
  for (const [path, data] of files) {
    await mkdir(dirname(join(staging, path)), { recursive: true });
    await writeFile(join(staging, path), data);
  }
  await writeFile(join(staging, 'manifest.json'), manifestText);
  await mkdir(layout.images, { recursive: true });
  try {
    await rename(staging, dir);
  } catch (err) {
    // Another build of the same content won the race: same digest, same content.
    await rm(staging, { recursive: true, force: true });
    if (!(await stat(join(dir, 'manifest.json')).catch(() => undefined))) throw err;
  }
  return { digest, dir, manifest };
}
