// A strict structural check of a request object against the API's own protobuf schema, as the Node clients take it
// (camelCase fields). Why: through the real client a misspelled field never reaches the server (protobufjs drops
// unknown keys while encoding), a Duration given as "3600s" fails only at send time, and the packaged protos.json has
// lost REQUIRED annotations. So the check runs on the object *before* the client sees it, against a Root loaded from
// the `.proto` sources (field_behavior complete, see gcp-proto-roots.ts).
import protobuf from 'protobufjs';
import { behaviours, checkScalar, isUnset, resourcePatternsFor, suggest } from './proto-rules';

/** A google.protobuf.Value field whose JSON content has a known message schema (checked in proto3-JSON form). */
export interface ValueSchema {
  /** Full field name, e.g. `google.cloud.aiplatform.v1.TrainingPipeline.training_task_inputs`. */
  field: string;
  /** Message type of the JSON inside the Value. */
  type: string;
  /** Applies only when this holds for the message holding the field. */
  when?: (holder: Record<string, unknown>) => boolean;
}

export interface ProtoCheckOptions {
  protoRoot: protobuf.Root;
  valueSchemas?: ValueSchema[];
}

/** Thrown by assertMatchesProto; `problems` holds one `<json path>: <what is wrong>` line per problem. */
export class ProtoMismatchError extends Error {
  constructor(
    typeName: string,
    readonly problems: string[],
  ) {
    super(`object does not match ${typeName}:\n  ${problems.join('\n  ')}`);
    this.name = 'ProtoMismatchError';
  }
}

/**
 * Object mode = what a Node gRPC client takes (Duration/Timestamp as {seconds, nanos}, Value as {stringValue…});
 * JSON mode = proto3 JSON mapping, used for JSON carried inside a google.protobuf.Value.
 */
type Mode = 'object' | 'json';
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const camel = (name: string): string => protobuf.util.camelCase(name);
const strip = (name: string): string => name.replace(/^\./, '');

/** Every problem of `object` against message `typeName` (empty when it matches). */
export function protoProblems(typeName: string, object: unknown, opts: ProtoCheckOptions): string[] {
  const checker = new Checker(opts);
  checker.message(opts.protoRoot.lookupType(typeName), object, '$', 'object', {});
  return checker.problems;
}

/** Throws ProtoMismatchError listing the JSON path of every problem of `object` against `typeName`. */
export function assertMatchesProto(typeName: string, object: unknown, opts: ProtoCheckOptions): void {
  const problems = protoProblems(typeName, object, opts);
  if (problems.length > 0) throw new ProtoMismatchError(typeName, problems);
}

/** Update requests (AIP-134): REQUIRED applies only to masked fields, and the resource's `name` identifies it. */
interface Context {
  maskedFields?: Set<string>;
}

class Checker {
  readonly problems: string[] = [];
  constructor(private readonly opts: ProtoCheckOptions) {}

  private fail(path: string, problem: string): void {
    this.problems.push(`${path}: ${problem}`);
  }

  message(type: protobuf.Type, value: unknown, path: string, mode: Mode, ctx: Context): void {
    const wellKnown = strip(type.fullName);
    if (mode === 'json' && this.jsonWellKnown(wellKnown, value, path)) return;
    if (!isObj(value)) return this.fail(path, `expected a ${wellKnown} message object, got ${describe(value)}`);
    const byKey = new Map(type.fieldsArray.map((f) => [camel(f.name), f]));
    const oneofNames = new Map(type.oneofsArray.map((o) => [camel(o.name), o]));
    const mask = mode === 'object' ? this.updateMask(type, value, path) : undefined;
    for (const [key, v] of Object.entries(value)) {
      const field = byKey.get(key);
      const childCtx: Context = mask?.resourceKey === key ? { maskedFields: mask.masked } : {};
      if (field) this.field(type, field, v, `${path}.${key}`, mode, { holder: ctx, child: childCtx }, value);
      else if (mode === 'object' && oneofNames.has(key))
        this.oneofDiscriminator(oneofNames.get(key)!, v, value, path, key);
      else this.fail(`${path}.${key}`, `unknown field${suggest(key, [...byKey.keys()])} in ${wellKnown}`);
    }
    for (const oneof of type.oneofsArray) {
      const set = oneof.oneof.map(camel).filter((k) => !isUnset(value[k], false));
      if (set.length > 1)
        this.fail(path, `oneof ${oneof.name} has ${set.length} members set (${set.join(', ')}); at most one`);
    }
    for (const field of type.fieldsArray) {
      const key = camel(field.name);
      const required = behaviours(field).has('REQUIRED');
      const masked = !ctx.maskedFields || ctx.maskedFields.has(field.name);
      const scalarLike = !(field.resolvedType instanceof protobuf.Type) || field.repeated || field.map;
      if (required && masked && isUnset(value[key], scalarLike)) {
        this.fail(`${path}.${key}`, `required field of ${wellKnown} is missing`);
      }
    }
  }

  private oneofDiscriminator(oneof: protobuf.OneOf, v: unknown, holder: Obj, path: string, key: string): void {
    // protobufjs (oneofs: true) names the member that is set in a virtual property; accept only a truthful one.
    const member = oneof.oneof.map(camel).find((k) => k === v);
    if (!member || isUnset(holder[member], false)) {
      this.fail(`${path}.${key}`, `oneof name must name the member that is set, got ${describe(v)}`);
    }
  }

  private field(
    owner: protobuf.Type,
    field: protobuf.Field,
    v: unknown,
    path: string,
    mode: Mode,
    ctx: { holder: Context; child: Context },
    holder: Obj,
  ): void {
    if (v === undefined || v === null) return;
    if (behaviours(field).has('OUTPUT_ONLY') && !isUnset(v, true)) {
      const identifiesResource = ctx.holder.maskedFields && field.name === 'name';
      if (!identifiesResource) this.fail(path, `output-only field of ${strip(owner.fullName)} must not be sent`);
    }
    if (field.map) {
      if (!isObj(v)) return this.fail(path, `expected a map object, got ${describe(v)}`);
      for (const [k, item] of Object.entries(v)) {
        const keyProblem = checkScalar((field as unknown as protobuf.MapField).keyType, k, 'json');
        if (keyProblem) this.fail(`${path}[${JSON.stringify(k)}]`, `map key: ${keyProblem}`);
        this.single(owner, field, item, `${path}[${JSON.stringify(k)}]`, mode, holder, ctx.child);
      }
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(v)) return this.fail(path, `expected an array, got ${describe(v)}`);
      v.forEach((item, i) => this.single(owner, field, item, `${path}[${i}]`, mode, holder, ctx.child));
      return;
    }
    this.single(owner, field, v, path, mode, holder, ctx.child);
  }

  private single(
    owner: protobuf.Type,
    field: protobuf.Field,
    v: unknown,
    path: string,
    mode: Mode,
    holder: Obj,
    ctx: Context,
  ): void {
    if (v === undefined || v === null) return this.fail(path, 'null/undefined element');
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      const ok =
        (typeof v === 'string' && v in resolved.values) ||
        (typeof v === 'number' && Number.isInteger(v) && v in resolved.valuesById);
      if (!ok) this.fail(path, `${describe(v)} is not a value of enum ${strip(resolved.fullName)}`);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, v, path, mode, ctx);
      const schema = this.valueSchemaFor(owner, field, holder);
      if (schema && mode === 'object') {
        let json: unknown;
        try {
          json = valueToJson(v);
        } catch (err) {
          return this.fail(path, `not a well-formed google.protobuf.Value: ${(err as Error).message}`);
        }
        this.message(this.opts.protoRoot.lookupType(schema), json, `${path}<${schema}>`, 'json', {});
      }
      return;
    }
    const problem = checkScalar(field.type, v, mode);
    if (problem) return this.fail(path, problem);
    const patterns = typeof v === 'string' && v !== '' ? resourcePatternsFor(field, this.opts.protoRoot) : undefined;
    if (patterns && !patterns.some((re) => re.test(v as string))) {
      this.fail(
        path,
        `${JSON.stringify(v)} matches no resource pattern (${patterns.map((re) => re.source.replace(/\\\//g, '/')).join(' | ')})`,
      );
    }
  }

  private valueSchemaFor(owner: protobuf.Type, field: protobuf.Field, holder: Obj): string | undefined {
    const full = `${strip(owner.fullName)}.${field.name}`;
    return this.opts.valueSchemas?.find((s) => s.field === full && (!s.when || s.when(holder)))?.type;
  }

  /** Validates `updateMask.paths` against the resource; the masked fields are the only ones REQUIRED there. */
  private updateMask(
    type: protobuf.Type,
    value: Obj,
    path: string,
  ): { resourceKey: string; masked: Set<string> } | undefined {
    const maskField = type.fieldsArray.find((f) => f.name === 'update_mask' && f.type.endsWith('FieldMask'));
    const resourceField = type.fieldsArray.find((f) => f !== maskField && f.resolvedType instanceof protobuf.Type);
    const paths = (value.updateMask as { paths?: unknown } | undefined)?.paths;
    if (!maskField || !resourceField || !Array.isArray(paths)) return undefined;
    const resourceType = resourceField.resolvedType as protobuf.Type;
    paths.forEach((p, i) => {
      const problem =
        typeof p === 'string' ? maskPathProblem(resourceType, p) : `expected a string, got ${describe(p)}`;
      if (problem) this.fail(`${path}.updateMask.paths[${i}]`, problem);
    });
    const masked = new Set(paths.filter((p): p is string => typeof p === 'string').map((p) => p.split('.')[0]!));
    return { resourceKey: camel(resourceField.name), masked };
  }

  /** proto3 JSON forms of the well-known types; returns true when `name` was one of them. */
  private jsonWellKnown(name: string, v: unknown, path: string): boolean {
    const expect = (ok: boolean, what: string): true => (
      ok || this.fail(path, `expected ${what}, got ${describe(v)}`),
      true
    );
    switch (name) {
      case 'google.protobuf.Value':
        return true;
      case 'google.protobuf.Struct':
        return expect(isObj(v), 'a JSON object');
      case 'google.protobuf.ListValue':
        return expect(Array.isArray(v), 'a JSON array');
      case 'google.protobuf.Duration':
        return expect(typeof v === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(v), 'a duration string like "3600s"');
      case 'google.protobuf.Timestamp':
        return expect(typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an RFC 3339 timestamp string');
      case 'google.protobuf.FieldMask':
        return expect(typeof v === 'string', 'a comma-separated field mask string');
      default:
        return false;
    }
  }
}

/** Checks a snake_case FieldMask path against a message: each segment a field, descending through messages. */
function maskPathProblem(type: protobuf.Type, maskPath: string): string | undefined {
  let current: protobuf.Type | undefined = type;
  for (const segment of maskPath.split('.')) {
    const field: protobuf.Field | undefined = current?.fieldsArray.find((f) => f.name === segment);
    if (!current || !field) {
      const hint = current?.fieldsArray.find((f) => camel(f.name) === segment) ? ' (mask paths are snake_case)' : '';
      return `"${maskPath}" is not a field path of ${strip(type.fullName)}${hint}`;
    }
    current = field.map || field.repeated ? undefined : (field.resolvedType as protobuf.Type | undefined);
  }
  return undefined;
}

/** google.protobuf.Value (object form, as the Node client takes it) → plain JSON. */
export function valueToJson(v: unknown): unknown {
  if (!isObj(v)) throw new Error(`expected a Value object, got ${describe(v)}`);
  if ('nullValue' in v) return null;
  if ('numberValue' in v) return v.numberValue;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('listValue' in v) return ((v.listValue as { values?: unknown[] }).values ?? []).map(valueToJson);
  if ('structValue' in v) {
    const fields = (v.structValue as { fields?: Obj }).fields ?? {};
    return Object.fromEntries(Object.entries(fields).map(([k, item]) => [k, valueToJson(item)]));
  }
  throw new Error('no kind set');
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v === 'object' ? (v === null ? 'null' : 'an object') : `${typeof v} ${String(v)}`;
}
