/**
 * The fact files in scripts/data/ are tab-separated text: '#' lines carry provenance, every other non-empty line
 * is one row. Reading and writing them is all the generator does with the outside world after an import.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface TsvFile {
  comments: string[];
  rows: string[][];
}

export function readTsv(path: string): TsvFile {
  const comments: string[] = [];
  const rows: string[][] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) comments.push(line.replace(/^#\s?/, ''));
    else rows.push(line.split('\t'));
  }
  return { comments, rows };
}

export function writeTsv(path: string, comments: string[], rows: string[][]): void {
  for (const r of rows) {
    for (const f of r) {
      if (/[\t\n]/.test(f)) throw new Error(`${path}: field contains a tab or newline: ${JSON.stringify(f)}`);
    }
  }
  const text = comments.map((c) => `# ${c}`.trimEnd()).join('\n') + '\n' + rows.map((r) => r.join('\t')).join('\n') + '\n';
  writeFileSync(path, text);
}

/** Compares dotted UIDs component by component (numerically), so that 1.2.10 sorts after 1.2.9. */
export function compareUids(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x !== y) {
      if (x.length !== y.length) return x.length - y.length;
      return x < y ? -1 : 1;
    }
  }
  return pa.length - pb.length;
}
