// Run ids: deterministic, so every duplicate delivery of the same event names the same run (the dedupe key), and
// short and plain enough to be a Cloud Build tag (`run-<id>`), a Vertex label value and part of a display name.
import { createHash } from 'node:crypto';

/** Longest run id: `run-<id>` stays ≤ 44 chars, well inside Cloud Build tag and Vertex label limits (63/128). */
export const MAX_RUN_ID_LENGTH = 40;
const HASH_CHARS = 12;
const SLUG_CHARS = 24;
const RUN_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_CHARS);
}

/** Lower-case `[a-z0-9-]` form of a file's base name without extension, at most SLUG_CHARS, no edge dashes. */
function slug(name: string): string {
  const base = (name.split('/').pop() ?? '').replace(/\.[^.]*$/, '');
  return base
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, SLUG_CHARS)
    .replace(/^-+|-+$/g, '');
}

/**
 * The run id of a dataset drop: `<slug of the file name>-<12 hex of sha256(bucket/name#generation)>`, e.g.
 * `train-3f9a0c1b2d4e`. The generation is part of the key because every overwrite is a new dataset and a new run.
 */
export function runIdForDataset(bucket: string, name: string, generation: string): string {
  const hash = shortHash(`${bucket}/${name}#${generation}`);
  const readable = slug(name);
  return readable ? `${readable}-${hash}` : `dataset-${hash}`;
}

/** The run id of a git-push build (no dataset event behind it): `git-<12 hex of sha256(buildId)>`. */
export function runIdForBuild(buildId: string): string {
  return `git-${shortHash(buildId)}`;
}

/** Whether a string has the run id form (so a `run-<id>` tag or `_RUN_ID` from a message can be trusted). */
export function isRunId(value: string): boolean {
  return value.length <= MAX_RUN_ID_LENGTH && RUN_ID.test(value);
}

/** The run id carried by a build's tags (`run-<id>`) or `_RUN_ID` substitution, if it is well formed. */
export function runIdFromBuild(
  tags: readonly string[] = [],
  substitutions: Record<string, string> = {},
): string | undefined {
  const candidates = [...tags.filter((t) => t.startsWith('run-')).map((t) => t.slice(4)), substitutions._RUN_ID ?? ''];
  return candidates.find((c) => c !== '' && isRunId(c));
}
