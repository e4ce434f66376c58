// Turns the repository's cloudbuild.yaml (written in the REST/JSON field names) into the Build message the Node
// Cloud Build client takes. The names are the same camelCase ones; what differs is proto3 JSON vs. the client's
// object form: Durations are "600s" strings in YAML and {seconds, nanos} objects for the client.
import { readFileSync } from 'node:fs';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `"3600s"` / `"1.5s"` → `{seconds, nanos}`; anything else is a configuration error. */
export function parseDuration(text: unknown, where: string): { seconds: number; nanos: number } {
  const match = typeof text === 'string' ? /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text) : null;
  if (!match) throw new Error(`${where}: expected a duration like "3600s", got ${JSON.stringify(text)}`);
  return { seconds: Number(match[1]), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

/** The Build fields the YAML may hold whose client form differs from the JSON form. */
function convertDurations(build: Obj, file: string): Obj {
  const out: Obj = { ...build };
  for (const key of ['timeout', 'queueTtl']) {
    if (out[key] !== undefined) out[key] = parseDuration(out[key], `${file}: ${key}`);
  }
  if (Array.isArray(out.steps)) {
    out.steps = out.steps.map((step: unknown, i) =>
      isObj(step) && step.timeout !== undefined
        ? { ...step, timeout: parseDuration(step.timeout, `${file}: steps[${i}].timeout`) }
        : step,
    );
  }
  return out;
}

/** Reads and converts a cloudbuild.yaml; throws with the file name when it is not a build config. */
export function loadBuildConfig(file: string): Obj {
  let doc: unknown;
  try {
    // Required here, not at the top: only a data drop that starts a build needs the YAML parser.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parse } = require('yaml') as typeof import('yaml');
    doc = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read build config ${file}: ${(err as Error).message}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.steps) || doc.steps.length === 0) {
    throw new Error(`${file} is not a Cloud Build config: it needs a non-empty "steps" list`);
  }
  return convertDurations(doc, file);
}
