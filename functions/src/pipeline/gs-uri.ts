// The pipeline's one reader and writer of `gs://bucket/object` URIs. (The trainer, which never imports the pipeline,
// keeps its own in trainer/src/uri-io.ts.)

export interface GsLocation {
  bucket: string;
  name: string;
}

/**
 * Splits any `gs://bucket[/name]` URI: `name` is `''` for the bucket itself and keeps a folder's trailing `/`.
 * Undefined for anything that is not a gs:// URI.
 */
export function splitGsUri(uri: string): GsLocation | undefined {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1] as string, name: m[2] as string } : undefined;
}

/** Splits an object URI `gs://bucket/name`; throws for anything else (`what` names the value in the message). */
export function parseGsUri(uri: string, what = 'URI'): GsLocation {
  const loc = typeof uri === 'string' ? splitGsUri(uri) : undefined;
  if (!loc || loc.name === '')
    throw new Error(`${what} must be a gs://<bucket>/<name> URI, got ${JSON.stringify(uri)}`);
  return loc;
}

/** `gs://bucket/name`. */
export const gsUri = (bucket: string, name: string): string => `gs://${bucket}/${name}`;

/**
 * Splits a trailing `#<generation>` (gsutil's notation for one version of an object) off an object name. Object
 * names may contain `#`, so only a final `#` followed by digits counts.
 */
export function splitGeneration(name: string): { name: string; generation?: string } {
  const m = /^(.*)#(\d+)$/.exec(name);
  return m ? { name: m[1] as string, generation: m[2] } : { name };
}
