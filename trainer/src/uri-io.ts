// Reads and writes files named by URI: `gs://bucket/path` through @google-cloud/storage, anything else as a
// local path. The Storage client is loaded only when a gs:// URI is used, so local runs and the prediction
// server's start-up never pay for it.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import type { Storage } from '@google-cloud/storage';

export interface GcsLocation {
  bucket: string;
  name: string;
}

/** Splits `gs://bucket/path/to/object` into bucket and object name; undefined for non-gs URIs. */
export function parseGcsUri(uri: string): GcsLocation | undefined {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return undefined;
  return { bucket: match[1] as string, name: match[2] as string };
}

/** Joins a directory URI (local or gs://, with or without a trailing slash) and a file name. */
export function joinUri(dir: string, file: string): string {
  if (parseGcsUri(dir)) return `${dir.replace(/\/+$/, '')}/${file}`;
  return join(dir, file);
}

let storage: Storage | undefined;
function gcs(): Storage {
  // Lazy: loading the client costs start-up time that local mode and tests should not pay.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  storage ??= new (require('@google-cloud/storage') as typeof import('@google-cloud/storage')).Storage();
  return storage;
}

/** Object metadata worth recording as lineage: generation and md5 (base64) where the store knows them. */
export interface UriMetadata {
  generation?: string;
  md5Hash?: string;
  size?: number;
}

/**
 * Splits a trailing `#<generation>` (gsutil's notation for one version of an object) off a gs:// object name.
 * Object names may contain `#`, so only a final `#` followed by digits counts.
 */
export function splitGeneration(name: string): { name: string; generation?: string } {
  const match = /^(.*)#(\d+)$/.exec(name);
  return match ? { name: match[1] as string, generation: match[2] } : { name };
}

export async function readUri(uri: string): Promise<{ data: Buffer; metadata: UriMetadata }> {
  const loc = parseGcsUri(uri);
  if (!loc) return { data: await readFile(uri), metadata: {} };
  const { name, generation } = splitGeneration(loc.name);
  // Metadata first, then the bytes of exactly that generation: the recorded lineage matches what was read even if
  // the object is overwritten meanwhile (and a pinned generation is read even after it stopped being the live one).
  const [meta] = await gcs()
    .bucket(loc.bucket)
    .file(name, generation ? { generation } : {})
    .getMetadata();
  const file = gcs()
    .bucket(loc.bucket)
    .file(name, { generation: String(meta.generation) });
  const [data] = await file.download();
  return {
    data,
    metadata: {
      generation: meta.generation === undefined ? undefined : String(meta.generation),
      md5Hash: meta.md5Hash,
      size: meta.size === undefined ? undefined : Number(meta.size),
    },
  };
}

/**
 * Opens a URI for reading as a stream of chunks (the file is never held whole): a local file, or exactly one
 * generation of a gs:// object, with its metadata read first (see readUri).
 */
export async function openUri(uri: string): Promise<{ stream: Readable; metadata: UriMetadata }> {
  const loc = parseGcsUri(uri);
  if (!loc) return { stream: createReadStream(uri, { highWaterMark: 1 << 20 }), metadata: {} };
  const { name, generation } = splitGeneration(loc.name);
  const [meta] = await gcs()
    .bucket(loc.bucket)
    .file(name, generation ? { generation } : {})
    .getMetadata();
  const stream = gcs()
    .bucket(loc.bucket)
    .file(name, { generation: String(meta.generation) })
    .createReadStream();
  return {
    stream,
    metadata: {
      generation: meta.generation === undefined ? undefined : String(meta.generation),
      md5Hash: meta.md5Hash,
      size: meta.size === undefined ? undefined : Number(meta.size),
    },
  };
}

export async function writeUri(uri: string, data: string | Buffer, contentType = 'application/json'): Promise<void> {
  const loc = parseGcsUri(uri);
  if (!loc) {
    await mkdir(dirname(uri), { recursive: true });
    await writeFile(uri, data);
    return;
  }
  await gcs().bucket(loc.bucket).file(loc.name).save(data, { contentType, resumable: false });
}
