// Datasets the end-to-end tests drop, made from the bundled Titanic training set.
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { Prng } from '../../support/prng';

/** train.csv with the Survived column permuted by a seeded Fisher–Yates shuffle (same rows, same label counts). */
export function shuffledLabels(csv: string, seed: number): string {
  const rows = parse(csv, { relaxColumnCount: false }) as string[][];
  const [header = [], ...body] = rows;
  const col = header.indexOf('Survived');
  assert.ok(col >= 0, 'train.csv has a Survived column');
  const labels = body.map((r) => r[col] as string);
  const prng = new Prng(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [labels[i], labels[j]] = [labels[j] as string, labels[i] as string];
  }
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const out = [header, ...body.map((r, i) => r.map((v, k) => (k === col ? (labels[i] as string) : v)))];
  return `${out.map((r) => r.map(quote).join(',')).join('\n')}\n`;
}
