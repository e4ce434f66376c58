// Request bodies for the benchmark: real passengers from trainer/data/test.csv, as a client would send them
// (numbers as JSON numbers, empty cells as null).
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

const NUMERIC = new Set(['PassengerId', 'Pclass', 'Age', 'SibSp', 'Parch', 'Fare']);

export function passengers(csvPath: string): Record<string, string | number | null>[] {
  const rows = parse(readFileSync(csvPath), { columns: true }) as Record<string, string>[];
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => [key, value === '' ? null : NUMERIC.has(key) ? Number(value) : value]),
    ),
  );
}

/** `{"instances": [...]}` with the first `count` passengers. */
export function predictBody(all: readonly object[], count: number): string {
  if (all.length < count) throw new Error(`only ${all.length} passengers for a ${count}-instance body`);
  return JSON.stringify({ instances: all.slice(0, count), parameters: {} });
}
