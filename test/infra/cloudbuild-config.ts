// Reads cloudbuild.yaml and emulates Cloud Build's substitution of `$NAME` / `${NAME}` (and `$$` → `$`), so the
// tests can check the values a build would really see and run a step's script with bash.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The parts of a build config the tests look at (field names as in the Cloud Build config schema). */
export interface BuildConfig {
  substitutions?: Record<string, string>;
  steps: { id?: string; name: string; entrypoint?: string; args?: string[]; env?: string[]; waitFor?: string[] }[];
  images?: string[];
  tags?: string[];
  timeout?: string;
  options?: { logging?: string; substitutionOption?: string; dynamicSubstitutions?: boolean };
}

export const CLOUDBUILD_FILE = 'cloudbuild.yaml';

/** The parsed cloudbuild.yaml. */
export function loadBuildConfig(file = CLOUDBUILD_FILE): BuildConfig {
  return parse(readFileSync(file, 'utf8')) as BuildConfig;
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every substitution name referenced in `text` (user-defined `_X` and built-ins alike), `$$` escapes excluded. */
export function referencedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(REFERENCE)) {
    const name = m[1] ?? m[2];
    if (name !== undefined) names.add(name);
  }
  return [...names].sort();
}

/** Replaces references with `values` like Cloud Build does; a reference without a value is an error. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(REFERENCE, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for $${name}`);
    return value;
  });
}

/** Values for one build: the config's defaults, overridden by what the caller passes, plus built-ins. */
export function buildValues(config: BuildConfig, overrides: Record<string, string>): Record<string, string> {
  const builtIns = {
    PROJECT_ID: 'demo-project',
    LOCATION: 'us-central1',
    BUILD_ID: 'b-1',
    COMMIT_SHA: '',
    SHORT_SHA: '',
  };
  const merged: Record<string, string> = { ...builtIns, ...(config.substitutions ?? {}), ...overrides };
  // dynamicSubstitutions: defaults may refer to built-ins (e.g. ${LOCATION} in _IMAGE_REPOSITORY).
  for (const [k, v] of Object.entries(merged)) merged[k] = substitute(v, { ...builtIns, ...overrides });
  return merged;
}
