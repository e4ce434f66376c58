// The rules a Titanic file is checked against, read from the trainer's own dataset.schema.json — the file the
// pipeline's drop check validates with (docs/trainer-contract.md section 4) — so the bounds, allowed values, nullable
// columns and row minimums exist once. The trainer keeps its own parsing (plain decimal numbers, case-insensitive
// "Male" or "s", which the drop check has already refused by then); what a value may be comes from here.
import schema from '../dataset.schema.json';

type Property = { type: string | string[]; minimum?: number; maximum?: number; enum?: readonly unknown[] };
const properties: Readonly<Record<string, Property>> = schema.properties;

/** The schema's entry for a column the trainer reads; throws at load if the schema no longer describes it. */
function property(column: string): Property {
  const found = properties[column];
  if (!found) throw new Error(`trainer/dataset.schema.json: no property "${column}"`);
  return found;
}

const types = (p: Property): string[] => (Array.isArray(p.type) ? p.type : [p.type]);

/** A numeric column's bounds and whether it takes whole numbers only. */
export function numericRule(column: string): { min: number; max: number; integer: boolean } {
  const p = property(column);
  if (p.minimum === undefined || p.maximum === undefined) {
    throw new Error(`trainer/dataset.schema.json: "${column}" needs a minimum and a maximum`);
  }
  return { min: p.minimum, max: p.maximum, integer: types(p).includes('integer') };
}

/** A categorical column's allowed values (null, the schema's "may be empty", left out). */
export function allowedValues<T>(column: string): readonly T[] {
  const values = property(column).enum;
  if (!values) throw new Error(`trainer/dataset.schema.json: "${column}" has no enum`);
  return values.filter((v) => v !== null) as T[];
}

/** Columns the header must carry (the schema's `required`, in its order). */
export const REQUIRED_COLUMNS: readonly string[] = schema.required;

/** Columns a row may not leave empty: required, and null not among their types. */
export const NON_NULLABLE_COLUMNS: ReadonlySet<string> = new Set(
  schema.required.filter((c) => !types(property(c)).includes('null')),
);

/** The schema's row minimums (x-vertex-retrain.minRows, minRowsPerClass). */
export const MIN_TRAINING_ROWS: number = schema['x-vertex-retrain'].minRows;
export const MIN_ROWS_PER_CLASS: number = schema['x-vertex-retrain'].minRowsPerClass;
