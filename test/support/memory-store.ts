// An in-memory ObjectStore with Cloud Storage's generation semantics: every write makes a new, larger generation;
// `ifGenerationMatch` is checked atomically at write time ('0' = must not exist) and a mismatch throws
// PreconditionFailedError, exactly like a GCS 412. Each call yields to the event loop first, so concurrent callers
// really interleave. Used by the tests.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ObjectGoneError,
  ObjectTooLargeError,
  PreconditionFailedError,
  type ObjectInfo,
  type ObjectStore,
  type WriteOptions,
} from '../../functions/src/ports';

interface Stored {
  data: Buffer;
  info: ObjectInfo;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Stored>();
  /** GCS generations are microsecond timestamps; start somewhere similar so ids look real (and exceed 2^53 never). */
  private lastGeneration = 1_700_000_000_000_000n;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private key(bucket: string, name: string): string {
    return `${bucket}/${name}`;
  }

  async read(bucket: string, name: string, opts: { maxBytes?: number } = {}) {
    await tick();
    const found = this.objects.get(this.key(bucket, name));
    if (!found) return undefined;
    if (opts.maxBytes !== undefined && found.data.length > opts.maxBytes)
      throw new ObjectTooLargeError(
        `gs://${bucket}/${name} is ${found.data.length} bytes, over the ${opts.maxBytes}-byte limit`,
        found.data.length,
      );
    return { data: Buffer.from(found.data), info: { ...found.info } };
  }

  /**
   * The object's bytes as a stream, through `read` (so a test that replaces `read` sees stream reads too). Only the
   * live generation is kept: any other one is gone.
   */
  readStream(bucket: string, name: string, generation: string): Readable {
    const read = () => this.read(bucket, name);
    return Readable.from(
      (async function* () {
        const found = await read();
        if (found?.info.generation !== generation)
          throw new ObjectGoneError(`gs://${bucket}/${name}#${generation} no longer exists`);
        yield found.data;
      })(),
      { objectMode: false },
    );
  }

  async stat(bucket: string, name: string): Promise<ObjectInfo | undefined> {
    await tick();
    const found = this.objects.get(this.key(bucket, name));
    return found ? { ...found.info } : undefined;
  }

  async write(bucket: string, name: string, data: Buffer | string, opts: WriteOptions = {}): Promise<ObjectInfo> {
    await tick();
    // From here to the set below nothing awaits: the generation check and the write are one atomic step, as in GCS.
    const key = this.key(bucket, name);
    const current = this.objects.get(key);
    if (opts.ifGenerationMatch !== undefined && (current?.info.generation ?? '0') !== opts.ifGenerationMatch)
      throw new PreconditionFailedError(
        `gs://${bucket}/${name}: generation is ${current?.info.generation ?? '0'}, expected ${opts.ifGenerationMatch}`,
      );
    const bytes = Buffer.from(data);
    this.lastGeneration += 1n;
    const info: ObjectInfo = {
      bucket,
      name,
      generation: this.lastGeneration.toString(),
      size: bytes.length,
      md5Hash: createHash('md5').update(bytes).digest('base64'),
      ...(opts.contentType ? { contentType: opts.contentType } : {}),
      updated: this.clock().toISOString(),
    };
    this.objects.set(key, { data: bytes, info });
    return { ...info };
  }

  /** Collects the chunks, then writes them as one object (nothing when the source errors). */
  async writeStream(
    bucket: string,
    name: string,
    source: AsyncIterable<Buffer | string>,
    opts: Pick<WriteOptions, 'contentType'> = {},
  ): Promise<ObjectInfo> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    return this.write(bucket, name, Buffer.concat(chunks), opts);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    await tick();
    return [...this.objects.values()]
      .filter((o) => o.info.bucket === bucket && o.info.name.startsWith(prefix))
      .map((o) => ({ ...o.info }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Test helper: the object's text, or undefined. */
  text(bucket: string, name: string): string | undefined {
    return this.objects.get(this.key(bucket, name))?.data.toString('utf8');
  }
}
