// The per-field rules behind proto-schema.ts: field behaviours, proto3 "unset", scalar types, resource patterns.
import protobuf from 'protobufjs';

type Options = Record<string, unknown>;

/** All `google.api.field_behavior` values of a field (parsedOptions keeps every one; protos.json keeps the last). */
export function behaviours(field: protobuf.Field): Set<string> {
  const out = new Set<string>();
  for (const opt of (field.parsedOptions ?? []) as Options[]) {
    const b = opt['(google.api.field_behavior)'];
    for (const v of Array.isArray(b) ? b : [b]) if (typeof v === 'string') out.add(v);
  }
  return out;
}

/** proto3 has no presence for scalars: "", 0, false, [] and {} are what the server sees as "not set". */
export function isUnset(v: unknown, proto3Defaults: boolean): boolean {
  if (v === undefined || v === null) return true;
  if (!proto3Defaults) return false;
  if (v === '' || v === 0 || v === false || v === '0') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && !(v instanceof Uint8Array) && Object.keys(v).length === 0;
}

const INT32: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64']);

/**
 * A problem with scalar `v` of proto type `type`, or undefined. Object mode is what the Node client takes
 * (int32 as numbers; int64 as numbers, decimal strings or Longs); JSON mode is proto3 JSON (numbers may be strings).
 */
export function checkScalar(type: string, v: unknown, mode: 'object' | 'json'): string | undefined {
  const got = `got ${typeof v} ${JSON.stringify(v)}`;
  const numeric = mode === 'json' && typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (type === 'string') return typeof v === 'string' ? undefined : `expected a string, ${got}`;
  if (type === 'bool') {
    const ok = typeof v === 'boolean' || (mode === 'json' && (v === 'true' || v === 'false'));
    return ok ? undefined : `expected a boolean, ${got}`;
  }
  if (type === 'double' || type === 'float') {
    const ok = typeof v === 'number' || (mode === 'json' && typeof v === 'string' && !Number.isNaN(Number(v)));
    return ok ? undefined : `expected a number, ${got}`;
  }
  const range = INT32[type];
  if (range) {
    const ok = typeof numeric === 'number' && Number.isInteger(numeric) && numeric >= range[0] && numeric <= range[1];
    return ok ? undefined : `expected a ${type} integer, ${got}`;
  }
  if (INT64.has(type)) {
    const unsigned = type.startsWith('u') || type === 'fixed64';
    const ok =
      (typeof v === 'number' && Number.isSafeInteger(v) && (!unsigned || v >= 0)) ||
      (typeof v === 'string' && (unsigned ? /^\d+$/ : /^-?\d+$/).test(v)) ||
      (mode === 'object' && typeof v === 'object' && v !== null && 'low' in v && 'high' in v);
    return ok ? undefined : `expected a ${type} (integer or decimal string), ${got}`;
  }
  if (type === 'bytes') {
    const ok = v instanceof Uint8Array || (typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v));
    return ok ? undefined : `expected bytes (Buffer or base64), ${got}`;
  }
  return `unknown scalar type ${type}`;
}

// Resource types defined outside the packages' own protos (google/cloud/common_resources.proto is not shipped).
const COMMON_RESOURCES: Record<string, string[]> = {
  'cloudresourcemanager.googleapis.com/Project': ['projects/{project}'],
  'locations.googleapis.com/Location': ['projects/{project}/locations/{location}'],
};

const registries = new WeakMap<protobuf.Root, Map<string, string[]>>();

function registry(root: protobuf.Root): Map<string, string[]> {
  let reg = registries.get(root);
  if (reg) return reg;
  reg = new Map(Object.entries(COMMON_RESOURCES));
  const add = (def: unknown): void => {
    const { type, pattern } = (def ?? {}) as { type?: string; pattern?: string | string[] };
    if (type && pattern) reg!.set(type, [...(reg!.get(type) ?? []), ...(Array.isArray(pattern) ? pattern : [pattern])]);
  };
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const opt of (ns.parsedOptions ?? []) as Options[]) {
      add(opt['(google.api.resource)']);
      const defs = opt['(google.api.resource_definition)'];
      for (const d of Array.isArray(defs) ? defs : [defs]) add(d);
    }
    for (const child of ns.nestedArray) if (child instanceof protobuf.Namespace) visit(child);
  };
  visit(root);
  registries.set(root, reg);
  return reg;
}

const toRegex = (pattern: string): RegExp =>
  new RegExp(`^${pattern.replace(/\{[^}=]+=\*\*\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);

/**
 * Regexes a string field must match when it is annotated as a resource reference with known patterns:
 * `type` = the resource's own patterns, `child_type` = the parents of the child's patterns.
 */
export function resourcePatternsFor(field: protobuf.Field, root: protobuf.Root): RegExp[] | undefined {
  const ref = ((field.parsedOptions ?? []) as Options[]).find((o) => o['(google.api.resource_reference)'])?.[
    '(google.api.resource_reference)'
  ] as { type?: string; child_type?: string } | undefined;
  if (!ref) return undefined;
  const reg = registry(root);
  if (ref.type) return reg.get(ref.type)?.map(toRegex);
  const childPatterns = ref.child_type ? reg.get(ref.child_type) : undefined;
  return childPatterns?.map((p) => toRegex(p.split('/').slice(0, -2).join('/')));
}

/** A "did you mean" hint for an unknown field name. */
export function suggest(key: string, known: string[]): string {
  if (key.includes('_') && known.includes(protobuf.util.camelCase(key)))
    return ` (the Node client takes camelCase "${protobuf.util.camelCase(key)}")`;
  const near = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return near.length ? ` (did you mean ${near.map((k) => `"${k}"`).join(' or ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
