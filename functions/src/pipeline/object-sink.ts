// Text written into one object as it is produced, through the store's streamed upload (ObjectStore.writeStream):
// `push` queues text, `flush` hands it to the upload and waits while the upload is behind, so a producer that flushes
// between its input chunks holds no more than a chunk or two. The scoring passes and the local batch twin write
// their large objects this way.
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectInfo, ObjectStore } from '../ports';

/** Where a sink writes. */
export interface ObjectTarget {
  bucket: string;
  name: string;
}

/** Text pushed by a pass into one object through writeStream; flush waits until the upload has taken it. */
export class ObjectSink {
  private readonly out = new PassThrough();
  private pending: string[] = [];
  private failure: Error | undefined;
  readonly written: Promise<ObjectInfo>;

  constructor(store: ObjectStore, target: ObjectTarget, contentType: string) {
    this.written = store.writeStream(target.bucket, target.name, this.out, { contentType });
    this.written.catch((err: unknown) => {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      this.out.destroy();
    });
  }

  push(text: string): void {
    this.pending.push(text);
  }

  async flush(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.length === 0) return;
    const ok = this.out.write(this.pending.join(''));
    this.pending = [];
    if (!ok) await Promise.race([once(this.out, 'drain'), this.written]);
  }

  async end(): Promise<ObjectInfo> {
    await this.flush();
    this.out.end();
    return this.written;
  }

  /** Nothing is written: the upload is abandoned (the store creates no object from a source that errored). */
  async abort(): Promise<void> {
    this.out.destroy(new Error('scoring pass abandoned its output'));
    await this.written.catch(() => undefined);
  }
}
