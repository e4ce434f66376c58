// Prediction instances from a CSV with a header (such as a trainer's scoring file) or JSON (`[...]` or `{"instances": [...]}`).
import { parse } from 'csv-parse/sync';

/** Reads instances; a CSV gives one object per row keyed by the header (empty cells left out, as missing). */
export function readInstances(text: string, limit = Infinity): Record<string, unknown>[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    const json = JSON.parse(trimmed) as unknown;
    const list = Array.isArray(json) ? json : (json as { instances?: unknown }).instances;
    if (!Array.isArray(list)) throw new Error('JSON input must be an array of instances or {"instances": [...]}');
    return (list as Record<string, unknown>[]).slice(0, limit);
  }
  const rows = parse<Record<string, string>>(trimmed, { columns: true, skip_empty_lines: true, bom: true });
  if (rows.length === 0) throw new Error('the CSV has no rows');
  return rows.slice(0, limit).map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== '')));
}
