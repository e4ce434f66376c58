// A trainer's dataset schema, dataset.schema.json: a JSON Schema (draft 2020-12) of ONE row plus the table-level
// keyword `x-vertex-retrain` (label, its kind, id column, minimum rows, per-class minimum, features, null cells).
// Compiled once into per-column checks so the streaming validator can check typed cells without building an object
// per row; a schema with row-level keywords (if/then, dependentRequired, ...) is validated a whole row at a time.
import { readFile } from 'node:fs/promises';
import type { ValidateFunction } from 'ajv';
import datasetSchemaSchema from './schemas/dataset-schema.schema.json';
import { check, ContractError, newAjv } from './ajv';
import { loadManifest, trainerPath } from './manifest';

export type CellType = 'integer' | 'number' | 'boolean' | 'string';

export interface TableRules {
  label: string;
  labelKind: 'categorical' | 'continuous';
  id?: string;
  minRows: number;
  minRowsPerClass: number;
  /** Model inputs: declared, or every property but the label and the id. */
  features: string[];
  /** Cells read as null (missing), compared after trimming. Default `[""]`. */
  nullValues: string[];
  delimiter: string;
}

export interface ColumnSpec {
  name: string;
  /** The type a cell is coerced to (the first non-null declared or inferred type). */
  type: CellType;
  /** A null (missing) cell is allowed: the type list has "null", or the property is not in `required`. */
  nullable: boolean;
  /** The column must be in the header (it is in `required`). */
  required: boolean;
  /** The property's schema, compiled on its own (cell mode). */
  validate: ValidateFunction;
  /** The property says nothing but its type (and words): the coerced cell needs no ajv call. */
  typeOnly: boolean;
  /**
   * Whether a coerced (non-null) cell passes the property: a precompiled check when the property uses only
   * type/enum/const/minimum/maximum/exclusiveMinimum/exclusiveMaximum/pattern, else `validate` itself. Same verdict
   * as `validate`; call `validate` on a failure for ajv's error.
   */
  check: (value: unknown) => boolean;
  /** Allowed values, when the property declares an enum (the label's classes). */
  values?: unknown[];
}

export interface DatasetSchema {
  title?: string;
  columns: ColumnSpec[];
  byName: Map<string, ColumnSpec>;
  table: TableRules;
  /** additionalProperties is false: a header column not in the schema is a problem. */
  closed: boolean;
  /** Set when the schema has row-level keywords: each row (as an object) goes through this too. */
  rowValidate?: ValidateFunction;
}

interface RawProperty {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  [key: string]: unknown;
}

/** Keywords of the row schema that the per-column checks cover; any other one means row mode. */
const CELL_MODE_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'x-vertex-retrain',
]);

/** Keywords that add no check beyond the cell type the coercion already enforced. */
const TYPE_ONLY_KEYWORDS = new Set(['type', 'title', 'description', '$comment', 'examples', 'default']);

/** Keywords the precompiled per-cell check handles itself (with the words above); any other one means ajv. */
const FAST_KEYWORDS = new Set([
  ...TYPE_ONLY_KEYWORDS,
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'pattern',
]);

/**
 * The property's check as plain comparisons, for a cell already coerced to the column's type (so `type` holds);
 * as ajv: bounds apply to numbers only, a pattern (a unicode RegExp, unanchored) to strings only, enum and const by
 * equality (cells are primitives). Undefined when the property has another keyword (then ajv checks the cell).
 */
function fastCheck(prop: RawProperty): ((value: unknown) => boolean) | undefined {
  if (!Object.keys(prop).every((k) => FAST_KEYWORDS.has(k))) return undefined;
  const num = (k: string) => (typeof prop[k] === 'number' ? prop[k] : undefined);
  const [min, max, xmin, xmax] = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].map(num);
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern'])
    if (prop[k] !== undefined && (k === 'pattern' ? typeof prop[k] !== 'string' : num(k) === undefined))
      return undefined; // a malformed bound: let ajv say what it does with it
  const pattern = typeof prop.pattern === 'string' ? new RegExp(prop.pattern, 'u') : undefined;
  const allowed = prop.enum ? new Set(prop.enum) : undefined;
  const hasConst = 'const' in prop;
  const constant = prop.const;
  return (value) => {
    if (allowed && !allowed.has(value)) return false;
    if (hasConst && value !== constant) return false;
    if (typeof value === 'number') {
      if (min !== undefined && !(value >= min)) return false;
      if (max !== undefined && !(value <= max)) return false;
      if (xmin !== undefined && !(value > xmin)) return false;
      if (xmax !== undefined && !(value < xmax)) return false;
    } else if (pattern && typeof value === 'string' && !pattern.test(value)) return false;
    return true;
  };
}

const validateShape = newAjv().compile(datasetSchemaSchema);

function cellType(name: string, prop: RawProperty, source: string): { type: CellType; nullable: boolean } {
  const declared = prop.type === undefined ? [] : Array.isArray(prop.type) ? prop.type : [prop.type];
  const values = prop.enum ?? (prop.const === undefined ? [] : [prop.const]);
  const inferred = values.every((v) => typeof v === 'number')
    ? 'number'
    : values.every((v) => typeof v === 'boolean')
      ? 'boolean'
      : 'string';
  const nonNull = declared.filter((t) => t !== 'null');
  const type = nonNull[0] ?? (values.length > 0 ? inferred : 'string');
  if (!['integer', 'number', 'boolean', 'string'].includes(type))
    throw new ContractError(source, [
      `properties.${name}.type: "${type}" cannot come from a CSV cell (integer, number, boolean or string)`,
    ]);
  if (nonNull.length > 1 && !(nonNull.length === 2 && nonNull.includes('integer') && nonNull.includes('number')))
    throw new ContractError(source, [`properties.${name}.type: one cell type (plus "null") per column`]);
  return { type: nonNull.includes('number') ? 'number' : (type as CellType), nullable: declared.includes('null') };
}

/** Compiles a dataset schema (the parsed JSON). `source` names the file in errors. Throws ContractError. */
export function compileDatasetSchema(json: unknown, source = 'dataset.schema.json'): DatasetSchema {
  const raw = check<{
    title?: string;
    properties: Record<string, RawProperty>;
    required?: string[];
    additionalProperties?: unknown;
    'x-vertex-retrain': Partial<TableRules> & Pick<TableRules, 'label' | 'labelKind'>;
    [key: string]: unknown;
  }>(validateShape, json, source);
  const ajv = newAjv();
  const required = new Set(raw.required ?? []);
  const names = Object.keys(raw.properties);
  const problems: string[] = [];
  for (const r of required) if (!names.includes(r)) problems.push(`required: "${r}" is not a property`);
  const x = raw['x-vertex-retrain'];
  for (const [key, name] of [
    ['label', x.label],
    ['id', x.id],
  ] as const)
    if (name !== undefined && !names.includes(name))
      problems.push(`x-vertex-retrain.${key}: "${name}" is not a property`);
  for (const f of x.features ?? [])
    if (!names.includes(f)) problems.push(`x-vertex-retrain.features: "${f}" is not a property`);
  if (problems.length > 0) throw new ContractError(source, problems);

  const rowMode =
    Object.keys(raw).some((k) => !CELL_MODE_KEYWORDS.has(k)) ||
    (raw.additionalProperties !== undefined && typeof raw.additionalProperties !== 'boolean') ||
    JSON.stringify(raw.properties).includes('"$ref"');
  const columns = names.map((name): ColumnSpec => {
    const prop = raw.properties[name] as RawProperty;
    const { type, nullable } = cellType(name, prop, source);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(rowMode ? {} : prop);
    } catch (error) {
      throw new ContractError(source, [`properties.${name}: ${(error as Error).message}`]);
    }
    return {
      name,
      type,
      nullable: nullable || !required.has(name),
      required: required.has(name),
      validate,
      typeOnly: !rowMode && Object.keys(prop).every((k) => TYPE_ONLY_KEYWORDS.has(k)),
      check: (!rowMode && fastCheck(prop)) || validate,
      ...(prop.enum ? { values: prop.enum } : prop.const !== undefined ? { values: [prop.const] } : {}),
    };
  });
  const features = x.features ?? names.filter((n) => n !== x.label && n !== x.id);
  return {
    ...(raw.title ? { title: raw.title } : {}),
    columns,
    byName: new Map(columns.map((c) => [c.name, c])),
    table: {
      label: x.label,
      labelKind: x.labelKind,
      ...(x.id ? { id: x.id } : {}),
      minRows: x.minRows ?? 1,
      minRowsPerClass: x.minRowsPerClass ?? 0,
      features,
      nullValues: x.nullValues ?? [''],
      delimiter: x.delimiter ?? ',',
    },
    closed: raw.additionalProperties === false,
    ...(rowMode ? { rowValidate: ajv.compile(json as object) } : {}),
  };
}

/** Reads and compiles a dataset schema file. */
export async function loadDatasetSchema(file: string): Promise<DatasetSchema> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ContractError(file, [`cannot read the dataset schema: ${(error as Error).message}`]);
  }
  return compileDatasetSchema(json, file);
}

/** The dataset schema of the trainer in `dir` (its trainer.yaml names the file). */
export async function loadTrainerDatasetSchema(dir: string): Promise<DatasetSchema> {
  const loaded = await loadManifest(dir);
  return loadDatasetSchema(trainerPath(loaded, loaded.manifest.dataset.schema));
}
