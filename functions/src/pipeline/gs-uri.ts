// The one parser of `gs://bucket/object` URIs.

/** Splits `gs://bucket/path` into bucket and object name; throws for anything else (`what` names the value). */
export function parseGsUri(uri: string, what = 'URI'): { bucket: string; name: string } {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`${what} is not a gs:// object URI: ${uri}`);
  return { bucket: m[1] as string, name: m[2] as string };
}

/** `gs://bucket/name`. */
export const gsUri = (bucket: string, name: string): string => `gs://${bucket}/${name}`;
