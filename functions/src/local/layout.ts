// Where local mode keeps everything: one folder (`.vertex-retrain/` by default) standing in for the cloud.
// Buckets are folders, so a `gs://bucket/name` URI maps to a plain path the trainer and the user can open.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gsUri, splitGeneration, splitGsUri } from '../pipeline/gs-uri';

/** The folders of a local stack, all under one root. */
export interface LocalLayout {
  root: string;
  /** `<root>/buckets/<bucket>/<object name>`: the objects themselves, plain files. */
  buckets: string;
  /** Sidecar metadata (generation, md5…) in a tree parallel to `buckets`. */
  meta: string;
  /** Bucket metadata (`<bucket>.json`, e.g. `{"versioning":{"enabled":true}}`), as a bucket resource carries it. */
  bucketConfig: string;
  /** Every generation of the objects of versioned buckets: `<bucket>/<sha1 of the name>/<generation>`. */
  versions: string;
  /** Lock files that serialise compare-and-swap per object across processes. */
  locks: string;
  /** Temporary files, renamed into place (same file system, so the rename is atomic). */
  tmp: string;
  /** Router messages not yet acknowledged: survive a crash and are redelivered on restart. */
  queue: string;
  /** Messages that exhausted their delivery attempts, with the last error. */
  deadLetters: string;
  /** Content-addressed trainer images: `sha256-<hex>/`. */
  images: string;
  /** Build, training and serving logs. */
  logs: string;
  /** Every run transition as a CloudEvent, one JSON line each, appended in order (local/run-events.ts). */
  runEvents: string;
  /** The running stack's RPC token (mode 0600), for commands run from another process (promote, rollback). */
  controlToken: string;
}

/** The default root: `.vertex-retrain/` in the current directory. */
export const DEFAULT_ROOT = '.vertex-retrain';

export function localLayout(root: string = DEFAULT_ROOT): LocalLayout {
  const abs = resolve(root);
  return {
    root: abs,
    buckets: join(abs, 'buckets'),
    meta: join(abs, 'meta'),
    bucketConfig: join(abs, 'bucket-config'),
    versions: join(abs, 'versions'),
    locks: join(abs, 'locks'),
    tmp: join(abs, 'tmp'),
    queue: join(abs, 'queue'),
    deadLetters: join(abs, 'dead-letters'),
    images: join(abs, 'images'),
    logs: join(abs, 'logs'),
    runEvents: join(abs, 'run-events.jsonl'),
    controlToken: join(abs, 'control-token'),
  };
}

/** A bucket or object name that would not be a safe path under the bucket's folder. */
export class InvalidObjectNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidObjectNameError';
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Throws InvalidObjectNameError unless `bucket` is a plain GCS-style bucket name. */
export function checkBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new InvalidObjectNameError(`invalid bucket name ${JSON.stringify(bucket)}`);
  }
}

/**
 * Throws InvalidObjectNameError for names that could escape the bucket's folder or name no file:
 * empty, absolute, `.`/`..` or empty segments, backslashes, control characters, over 1024 bytes.
 */
export function checkObjectName(name: string): void {
  const bad = (why: string) => new InvalidObjectNameError(`invalid object name ${JSON.stringify(name)}: ${why}`);
  if (name.length === 0) throw bad('empty');
  if (Buffer.byteLength(name) > 1024) throw bad('longer than 1024 bytes');
  if (CONTROL_CHARS.test(name)) throw bad('control character');
  if (name.includes('\\')) throw bad('backslash');
  if (name.startsWith('/') || isAbsolute(name)) throw bad('absolute path');
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw bad(`segment ${JSON.stringify(segment)}`);
  }
}

/** `<tree>/<bucket>/<name>` after validating both; never outside `<tree>/<bucket>/`. */
export function objectPathIn(tree: string, bucket: string, name: string): string {
  checkBucketName(bucket);
  checkObjectName(name);
  const bucketDir = join(tree, bucket);
  const path = join(bucketDir, ...name.split('/'));
  // Belt and braces: the checks above already rule this out.
  const rel = relative(bucketDir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new InvalidObjectNameError(`object name escapes: ${name}`);
  return path;
}

/** The file holding `gs://<bucket>/<name>`. */
export function objectPath(layout: LocalLayout, bucket: string, name: string): string {
  return objectPathIn(layout.buckets, bucket, name);
}

/**
 * Maps `gs://<bucket>/<name>` to the local folder that stands in for it (a trailing `/` is kept, so a
 * "directory" URI such as AIP_MODEL_DIR stays a directory). Other URIs are returned unchanged.
 */
export function gsUriToPath(layout: LocalLayout, uri: string): string {
  const loc = splitGsUri(uri);
  if (!loc) return uri;
  const { bucket, name: rest } = loc;
  const trailing = rest.endsWith('/') ? sep : '';
  const name = rest.replace(/\/+$/, '');
  if (name === '') {
    checkBucketName(bucket);
    return join(layout.buckets, bucket) + sep;
  }
  return objectPath(layout, bucket, name) + trailing;
}

/**
 * gsUriToPath for a URI a caller sent (a dataset, an output folder): anything but `gs://<bucket>/<name>` is refused
 * with InvalidObjectNameError, so a request can never make a twin read or write outside the buckets folder.
 */
export function localPathOfGsUri(layout: LocalLayout, uri: string, what: string): string {
  const loc = typeof uri === 'string' ? splitGsUri(uri) : undefined;
  // Also no name starting with `/`: it would not be a file below the bucket's folder.
  if (!loc || loc.name === '' || loc.name.startsWith('/')) {
    throw new InvalidObjectNameError(`${what} must be a gs://<bucket>/<name> URI, got ${JSON.stringify(uri)}`);
  }
  // A `#<generation>` pin (gsutil notation) names a version: this is the live object's path. Reading exactly that
  // generation is LocalObjectStore.pathOfGeneration's job (versioned buckets keep every generation).
  return gsUriToPath(layout, gsUri(loc.bucket, splitGeneration(loc.name).name));
}

/** The inverse of gsUriToPath for paths inside the buckets folder; undefined for any other path. */
export function pathToGsUri(layout: LocalLayout, path: string): string | undefined {
  const rel = relative(layout.buckets, resolve(path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const parts = rel.split(sep);
  const trailing = path.endsWith(sep) || path.endsWith('/') ? '/' : '';
  return gsUri(parts[0] as string, `${parts.slice(1).join('/')}${parts.length > 1 ? trailing : ''}`);
}
