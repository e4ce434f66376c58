// The diabetes CSV as records for the tests, and the regression metrics computed independently of the trainer.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DATA } from './python';

export type Row = Record<string, string>;

export function readRows(file = DATA): { header: string[]; rows: Row[] } {
  const text = readFileSync(file, 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Row[];
  const header = (text.split('\n')[0] as string).split(',');
  return { header, rows };
}

export function toCsv(header: string[], rows: Row[]): string {
  return [header.join(','), ...rows.map((r) => header.map((h) => r[h] ?? '').join(','))].join('\n') + '\n';
}

export const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];

/** A row as a prediction instance: the features as JSON numbers. */
export const instance = (row: Row): Record<string, number> =>
  Object.fromEntries(FEATURES.map((f) => [f, Number(row[f])]));

export function regression(actual: number[], predicted: number[]): { mae: number; rmse: number; r2: number } {
  const n = actual.length;
  const mean = actual.reduce((a, b) => a + b, 0) / n;
  let abs = 0;
  let sq = 0;
  let tot = 0;
  actual.forEach((a, i) => {
    const e = a - (predicted[i] as number);
    abs += Math.abs(e);
    sq += e * e;
    tot += (a - mean) ** 2;
  });
  return { mae: abs / n, rmse: Math.sqrt(sq / n), r2: 1 - sq / tot };
}
