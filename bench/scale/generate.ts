// Titanic-shaped data sets of any size: the 891 Kaggle rows replicated, each copy with its own PassengerIds and
// tickets ("<ticket>-<copy>"), so ids stay unique and ticket groups keep their size (a family is not merged with its
// copies). Written as a stream: a million rows never sit in memory as text.
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'csv-parse/sync';

export const SOURCE = 'trainer/data/train.csv';

const quote = (cell: string): string => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/** Writes `rows` data rows (plus the header) to `path`. */
export async function generate(path: string, rows: number, source = SOURCE): Promise<void> {
  const [header, ...records] = parse(readFileSync(source), { record_delimiter: ['\r\n', '\n'] }) as string[][];
  const columns = header as string[];
  const id = columns.indexOf('PassengerId');
  const ticket = columns.indexOf('Ticket');
  const out = createWriteStream(path);
  out.write(`${columns.join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    const copy = Math.floor(i / records.length);
    const record = [...(records[i % records.length] as string[])];
    record[id] = String(i + 1);
    if (copy > 0 && record[ticket]) record[ticket] = `${record[ticket]}-${copy}`;
    if (!out.write(`${record.map(quote).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
