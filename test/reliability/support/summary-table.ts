// Renders the recorded rows as a plain-text table (what `npm run test:reliability` prints last).
import type { SuiteRow } from './results';

const COLUMNS = ['suite', 'cases', 'outcomes', '5xx', 'crashes', 'duplicates', 'lost'] as const;

const figure = (n: number | undefined): string => (n === undefined ? '-' : n.toLocaleString('en-US'));

function cells(row: SuiteRow): string[] {
  const outcomes = Object.entries(row.outcomes)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([k, n]) => `${k}: ${figure(n)}`)
    .join(', ');
  return [
    row.suite,
    figure(row.cases),
    outcomes,
    figure(row.serverErrors),
    figure(row.crashes),
    figure(row.duplicates),
    figure(row.lost),
  ];
}

/** The table, one line per row, notes underneath; rows whose 5xx, crashes, duplicates or lost are not 0 are flagged. */
export function formatSummary(rows: readonly SuiteRow[]): string {
  const body = rows.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...body.map((r) => (r[i] as string).length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ');
  const bad = (row: SuiteRow) => [row.serverErrors, row.crashes, row.duplicates, row.lost].some((n) => (n ?? 0) > 0);
  const out = [line(COLUMNS), widths.map((w) => '-'.repeat(w)).join('-|-')];
  body.forEach((r, i) => out.push(`${line(r)}${bad(rows[i] as SuiteRow) ? '  <-- NOT ZERO' : ''}`));
  const notes = rows.filter((r) => r.notes).map((r) => `  ${r.suite}: ${r.notes}`);
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  return out.join('\n');
}
