// The Cloud Storage twin: a bucket is a folder, an object a plain file. Generations, md5 and content type live in
// a sidecar file under `meta/`. Every operation on an object holds that object's lock file, so compare-and-swap
// (ifGenerationMatch) is correct across all processes of the stack; writes go to a temp file and are renamed
// into place, so a reader never sees half an object. A file someone copied into the folder by hand (no sidecar,
// or a sidecar describing older content) is adopted as a new generation the first time the store looks at it.
// A bucket with versioning enabled (its bucket-config file, as Terraform sets it on the data bucket) also keeps a
// copy of every generation, so a `gs://…#<generation>` pin reads exactly the bytes that were validated.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectGoneError, ObjectTooLargeError, PreconditionFailedError } from '../ports';
import type { ObjectInfo, ObjectStore, WriteOptions } from '../ports';
import { writeFileAtomic } from './atomic-write';
import { withFileLock } from './file-lock';
import { checkBucketName, checkObjectName, objectPath, objectPathIn } from './layout';
import type { LocalLayout } from './layout';

/** What the sidecar file records about one generation of an object. */
interface ObjectMeta {
  generation: string;
  size: number;
  md5Hash: string;
  contentType?: string;
  timeCreated: string;
  updated: string;
  /** The data file's mtime (ns) when this generation was written: a mismatch means the file changed behind us. */
  mtimeNs: string;
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

/** The bucket metadata this store honours: object versioning, as `google_storage_bucket.versioning` sets it. */
export interface BucketConfig {
  versioning?: { enabled: boolean };
}

/** Sets a local bucket's metadata (the stack enables versioning on the data bucket, as Terraform does). */
export async function setBucketConfig(layout: LocalLayout, bucket: string, config: BucketConfig): Promise<void> {
  checkBucketName(bucket);
  // Atomically: another process never reads half a file.
  await writeFileAtomic(layout, join(layout.bucketConfig, `${bucket}.json`), `${JSON.stringify(config)}\n`);
}

async function isVersioned(layout: LocalLayout, bucket: string): Promise<boolean> {
  const file = join(layout.bucketConfig, `${bucket}.json`);
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return false;
  try {
    return (JSON.parse(text) as BucketConfig).versioning?.enabled === true;
  } catch {
    throw new Error(`${file} is not valid JSON: fix or delete it (it holds the bucket's versioning setting)`);
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** Where a versioned bucket keeps one generation of an object (hashed name: any object name, one flat folder). */
function versionPath(layout: LocalLayout, bucket: string, name: string, generation: string): string {
  if (!/^\d+$/.test(generation)) throw new Error(`not a generation: ${JSON.stringify(generation)}`);
  return join(layout.versions, bucket, createHash('sha1').update(name).digest('hex'), generation);
}

export class LocalObjectStore implements ObjectStore {
  constructor(
    private readonly layout: LocalLayout,
    /** Injected so tests control generations; GCS generations are microsecond timestamps too. */
    private readonly clockMicros: () => bigint = () => BigInt(Date.now()) * 1000n,
  ) {}

  async read(
    bucket: string,
    name: string,
    opts: { maxBytes?: number } = {},
  ): Promise<{ data: Buffer; info: ObjectInfo } | undefined> {
    return this.locked(bucket, name, async () => {
      const current = await this.current(bucket, name);
      if (!current) return undefined;
      if (opts.maxBytes !== undefined && current.meta.size > opts.maxBytes) {
        throw new ObjectTooLargeError(
          `gs://${bucket}/${name} is ${current.meta.size} bytes (limit ${opts.maxBytes})`,
          current.meta.size,
        );
      }
      // In a versioned bucket, the kept copy: exactly the bytes of the generation reported, even if the live file is
      // replaced by hand right now (copies into the folder do not take the lock).
      const live = objectPath(this.layout, bucket, name);
      const kept = (await isVersioned(this.layout, bucket))
        ? versionPath(this.layout, bucket, name, current.meta.generation)
        : undefined;
      const data = kept && (await exists(kept)) ? await readFile(kept) : await readFile(live);
      return { data, info: toInfo(bucket, name, current.meta) };
    });
  }

  /**
   * The path of a file holding exactly `generation` of the object: its kept copy in a versioned bucket (made now if
   * the live generation has none yet), or in an unversioned bucket the live file if that generation is still the
   * live one; undefined when the generation is gone (as GCS answers 404).
   */
  async pathOfGeneration(bucket: string, name: string, generation: string): Promise<string | undefined> {
    return this.locked(bucket, name, async () => {
      const kept = versionPath(this.layout, bucket, name, generation);
      if (await exists(kept)) return kept;
      const current = await this.current(bucket, name);
      if (current?.meta.generation !== generation) return undefined;
      const live = objectPath(this.layout, bucket, name);
      if (!(await isVersioned(this.layout, bucket))) return live;
      // The live generation of a versioned bucket without a kept copy (written before versioning was on, or adopted
      // just now): keep it now, under the lock, so a later drop cannot change what the caller reads.
      await writeFileAtomic(this.layout, kept, await readFile(live)); // no kept copy: checked above, under this lock
      return kept;
    });
  }

  /** Streams the file holding exactly `generation` (pathOfGeneration); ObjectGoneError when there is none. */
  readStream(bucket: string, name: string, generation: string): Readable {
    const pathOf = () => this.pathOfGeneration(bucket, name, generation);
    return Readable.from(
      (async function* () {
        const path = await pathOf();
        if (!path) throw new ObjectGoneError(`gs://${bucket}/${name}#${generation} no longer exists`);
        yield* createReadStream(path);
      })(),
      { objectMode: false },
    );
  }

  async stat(bucket: string, name: string): Promise<ObjectInfo | undefined> {
    return this.locked(bucket, name, async () => {
      const current = await this.current(bucket, name);
      return current && toInfo(bucket, name, current.meta);
    });
  }

  async write(bucket: string, name: string, data: Buffer | string, opts: WriteOptions = {}): Promise<ObjectInfo> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    return this.locked(bucket, name, async () => {
      const current = await this.current(bucket, name);
      const expected = opts.ifGenerationMatch;
      if (expected !== undefined && expected !== (current?.meta.generation ?? '0')) {
        throw new PreconditionFailedError(
          `gs://${bucket}/${name}: ifGenerationMatch=${expected} but the generation is ${current?.meta.generation ?? 'none (absent)'}`,
        );
      }
      const path = objectPath(this.layout, bucket, name);
      await writeFileAtomic(this.layout, path, bytes);
      const meta = await this.writeMeta(
        bucket,
        name,
        bufferContent(this.layout, bytes),
        opts.contentType,
        current?.meta,
      );
      return toInfo(bucket, name, meta);
    });
  }

  /**
   * Streams the source into a temporary file (size and md5 counted on the way), then, under the object's lock,
   * renames it into place: readers see the old object or the whole new one. A source that errors leaves nothing.
   */
  async writeStream(
    bucket: string,
    name: string,
    source: AsyncIterable<Buffer | string>,
    opts: Pick<WriteOptions, 'contentType'> = {},
  ): Promise<ObjectInfo> {
    const path = objectPath(this.layout, bucket, name);
    await mkdir(this.layout.tmp, { recursive: true });
    const tmp = join(this.layout.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer | string, _enc, done) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        hash.update(bytes);
        size += bytes.length;
        done(null, bytes);
      },
    });
    try {
      await pipeline(Readable.from(source, { objectMode: false }), count, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const content: Content = {
      size,
      md5Hash: hash.digest('base64'),
      keep: async (target) => {
        // Through a temporary file, as writeFileAtomic does: the kept copy is whole or absent.
        const copy = join(this.layout.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
        await copyFile(path, copy);
        await mkdir(dirname(target), { recursive: true });
        await rename(copy, target);
      },
    };
    return this.locked(bucket, name, async () => {
      const current = await this.current(bucket, name);
      await mkdir(dirname(path), { recursive: true });
      await rename(tmp, path);
      return toInfo(bucket, name, await this.writeMeta(bucket, name, content, opts.contentType, current?.meta));
    });
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    checkBucketName(bucket);
    const root = join(this.layout.buckets, bucket);
    // Walk only the folder the prefix names (a prefix may end mid-segment: `runs/2024-` lists `runs/`).
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (dirPart !== '') checkObjectName(dirPart);
    const names = (await walk(join(root, ...dirPart.split('/').filter(Boolean)))).map((file) =>
      relative(root, file).split(sep).join('/'),
    );
    const infos: ObjectInfo[] = [];
    for (const name of names.filter((n) => n.startsWith(prefix)).sort()) {
      const info = await this.stat(bucket, name).catch(() => undefined);
      if (info) infos.push(info);
    }
    return infos;
  }

  private locked<T>(bucket: string, name: string, fn: () => Promise<T>): Promise<T> {
    const key = createHash('sha1').update(`${bucket}/${name}`).digest('hex');
    objectPath(this.layout, bucket, name); // validate before touching anything
    return withFileLock(join(this.layout.locks, `${key}.lock`), fn);
  }

  /**
   * True when the file is exactly what the store last wrote (its sidecar matches its size and mtime): an upload the
   * store finalized in one rename, so complete. A file copied in behind the store's back answers false.
   */
  async isFinalized(bucket: string, name: string): Promise<boolean> {
    // Under the object's lock: a write in progress (data renamed, sidecar not yet) finishes first.
    return this.locked(bucket, name, async () => {
      const info = await stat(objectPath(this.layout, bucket, name), { bigint: true }).catch(() => undefined);
      if (!info?.isFile()) return false;
      const meta = await readFile(objectPathIn(this.layout.meta, bucket, name), 'utf8')
        .then((text) => JSON.parse(text) as ObjectMeta)
        .catch(() => undefined);
      return meta?.mtimeNs === String(info.mtimeNs) && meta.size === Number(info.size);
    });
  }

  /** The current generation's metadata (adopting a hand-copied file), or undefined if absent. Lock held. */
  private async current(bucket: string, name: string): Promise<{ meta: ObjectMeta } | undefined> {
    const path = objectPath(this.layout, bucket, name);
    const info = await stat(path, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!info || !info.isFile()) return undefined;
    const metaPath = objectPathIn(this.layout.meta, bucket, name);
    const meta = await readFile(metaPath, 'utf8')
      .then((text) => JSON.parse(text) as ObjectMeta)
      .catch(() => undefined);
    if (meta && meta.mtimeNs === String(info.mtimeNs) && meta.size === Number(info.size)) return { meta };
    // Written behind the store's back (a user's copy, or a crash between data and sidecar): a new generation.
    const data = await readFile(path);
    return {
      meta: await this.writeMeta(
        bucket,
        name,
        bufferContent(this.layout, data),
        meta?.contentType ?? guessContentType(name),
        meta,
      ),
    };
  }

  private async writeMeta(
    bucket: string,
    name: string,
    content: Content,
    contentType: string | undefined,
    previous: ObjectMeta | undefined,
  ): Promise<ObjectMeta> {
    const info = await stat(objectPath(this.layout, bucket, name), { bigint: true });
    const now = this.clockMicros();
    const prev = previous ? BigInt(previous.generation) : 0n;
    const generation = now > prev ? now : prev + 1n;
    const updated = new Date(Number(generation / 1000n)).toISOString();
    const meta: ObjectMeta = {
      generation: String(generation),
      size: content.size,
      md5Hash: content.md5Hash,
      contentType,
      timeCreated: updated,
      updated,
      mtimeNs: String(info.mtimeNs),
    };
    // The kept copy first: a generation the sidecar names always has its bytes kept.
    if (await isVersioned(this.layout, bucket)) {
      await content.keep(versionPath(this.layout, bucket, name, meta.generation));
    }
    await writeFileAtomic(this.layout, objectPathIn(this.layout.meta, bucket, name), JSON.stringify(meta));
    return meta;
  }
}

/** What the sidecar needs of a generation's bytes, and how to keep a copy of them (versioned buckets). */
interface Content {
  size: number;
  md5Hash: string;
  keep(path: string): Promise<void>;
}

const bufferContent = (layout: LocalLayout, data: Buffer): Content => ({
  size: data.length,
  md5Hash: md5(data),
  keep: (path) => writeFileAtomic(layout, path, data),
});

function toInfo(bucket: string, name: string, meta: ObjectMeta): ObjectInfo {
  return {
    bucket,
    name,
    generation: meta.generation,
    size: meta.size,
    md5Hash: meta.md5Hash,
    contentType: meta.contentType,
    updated: meta.updated,
  };
}

function guessContentType(name: string): string | undefined {
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.json')) return 'application/json';
  return undefined;
}

/** Every file below `dir` (none if it does not exist). */
export async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
