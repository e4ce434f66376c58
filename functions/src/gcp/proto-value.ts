// Plain JSON ⇄ google.protobuf.Value in the object form the Node gRPC clients take. Written out instead of using
// `helpers.toValue` from @google-cloud/aiplatform: that lives in the package index (≈0.8 s to load) and turns an
// undefined member into a null entry.

/** google.protobuf.Value as the Node clients take it. */
export type ProtoValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { listValue: { values: ProtoValue[] } }
  | { structValue: { fields: Record<string, ProtoValue> } };

/** Converts JSON-compatible data; undefined object members are left out (as JSON.stringify does). */
export function toProtoValue(value: unknown): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`cannot put ${value} into a google.protobuf.Value`);
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'object':
      if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
      return { structValue: { fields: toProtoStruct(value as Record<string, unknown>).fields } };
    default:
      throw new Error(`cannot put a ${typeof value} into a google.protobuf.Value`);
  }
}

/** google.protobuf.Struct from a JSON object. */
export function toProtoStruct(object: Record<string, unknown>): { fields: Record<string, ProtoValue> } {
  const fields: Record<string, ProtoValue> = {};
  for (const [k, v] of Object.entries(object)) if (v !== undefined) fields[k] = toProtoValue(v);
  return { fields };
}
