// ObjectStore over Cloud Storage. Reads are bounded (the size is checked before any byte is downloaded, and the
// download is pinned to the generation that was checked); writes can be compare-and-swap on the generation.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { File, FileMetadata } from '@google-cloud/storage';
import {
  ObjectGoneError,
  type ObjectInfo,
  ObjectTooLargeError,
  type ObjectStore,
  PreconditionFailedError,
} from '../ports';
import type { GcpClients } from './clients';

/** Default read bound: datasets and run records are small; anything bigger is refused, not streamed into memory. */
export const DEFAULT_MAX_READ_BYTES = 64 * 1024 * 1024;

/** The JSON API reports HTTP statuses in `code` (ApiError). */
const httpStatus = (err: unknown): number | undefined => (err as { code?: number })?.code;

function toInfo(bucket: string, name: string, meta: FileMetadata): ObjectInfo {
  return {
    bucket,
    name,
    // The JSON API sends int64s as decimal strings; keep generations that way (they exceed 2^53).
    generation: String(meta.generation),
    size: Number(meta.size ?? 0),
    ...(meta.md5Hash ? { md5Hash: meta.md5Hash } : {}),
    ...(meta.contentType ? { contentType: meta.contentType } : {}),
    ...(meta.updated ? { updated: String(meta.updated) } : {}),
  };
}

export function createGcsStore(clients: Pick<GcpClients, 'storage'>): ObjectStore {
  const file = (bucket: string, name: string, generation?: string): File =>
    clients
      .storage()
      .bucket(bucket)
      .file(name, generation ? { generation } : {});

  async function stat(bucket: string, name: string): Promise<ObjectInfo | undefined> {
    try {
      const [meta] = await file(bucket, name).getMetadata();
      return toInfo(bucket, name, meta);
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  return {
    stat,

    async read(bucket, name, opts) {
      const maxBytes = opts?.maxBytes ?? DEFAULT_MAX_READ_BYTES;
      // An overwrite between stat and download deletes the generation we checked (404): look again, a few times.
      for (let attempt = 0; attempt < 3; attempt++) {
        const info = await stat(bucket, name);
        if (!info) return undefined;
        if (info.size > maxBytes)
          throw new ObjectTooLargeError(
            `gs://${bucket}/${name} is ${info.size} bytes, more than the ${maxBytes} bytes allowed`,
            info.size,
          );
        try {
          const [data] = await file(bucket, name, info.generation).download();
          return { data, info };
        } catch (err) {
          if (httpStatus(err) !== 404) throw err;
        }
      }
      throw new Error(`gs://${bucket}/${name} kept changing while being read`);
    },

    readStream(bucket, name, generation) {
      // One media GET pinned to the generation (the library checks the download's hash). A 404 means that generation
      // was overwritten or deleted since it was checked.
      const source = file(bucket, name, generation).createReadStream();
      const out = new PassThrough();
      source.on('error', (err) =>
        out.destroy(
          httpStatus(err) === 404 ? new ObjectGoneError(`gs://${bucket}/${name}#${generation} no longer exists`) : err,
        ),
      );
      out.on('close', () => source.destroy());
      return source.pipe(out);
    },

    async write(bucket, name, data, opts) {
      const target = file(bucket, name);
      try {
        await target.save(data, {
          resumable: false,
          ...(opts?.contentType ? { contentType: opts.contentType } : {}),
          ...(opts?.ifGenerationMatch !== undefined
            ? { preconditionOpts: { ifGenerationMatch: opts.ifGenerationMatch } }
            : {}),
        });
      } catch (err) {
        if (httpStatus(err) === 412) {
          throw new PreconditionFailedError(
            `gs://${bucket}/${name} changed: its generation is no longer ${opts?.ifGenerationMatch}`,
          );
        }
        throw err;
      }
      return toInfo(bucket, name, target.metadata);
    },

    async writeStream(bucket, name, source, opts) {
      // One multipart upload fed as the source yields (the client streams the body; nothing is held whole). A source
      // that errors aborts the request, so no object is created.
      const target = file(bucket, name);
      await pipeline(
        Readable.from(source),
        target.createWriteStream({
          resumable: false,
          validation: 'md5',
          ...(opts?.contentType ? { contentType: opts.contentType } : {}),
        }),
      );
      return toInfo(bucket, name, target.metadata);
    },

    async list(bucket, prefix) {
      const [files] = await clients.storage().bucket(bucket).getFiles({ prefix, autoPaginate: true });
      return files.map((f) => toInfo(bucket, f.name, f.metadata));
    },
  };
}
