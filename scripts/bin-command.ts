/**
 * How to start one of our bin files the way an installed `movescu` starts: with the Node options its `#!` line
 * gives (none today: the CLI sets what it needs itself, bin/young-generation.ts), but with the Node that runs us
 * (process.execPath), so that tests, the demo and the benchmark measure the command users run.
 */
import { readFileSync } from 'node:fs';

/** The Node options after `node` on the first line of `file` (none if it has no such line). */
export function nodeOptionsOf(file: string): string[] {
  const first = readFileSync(file, 'latin1').split('\n', 1)[0] ?? '';
  const m = /^#!.*?\bnode\b(.*)$/.exec(first);
  return m ? (m[1] as string).trim().split(/\s+/).filter((s) => s.length > 0) : [];
}

/** Command and arguments that run `file` with `args` as its shebang would. */
export function binCommand(file: string, args: readonly string[]): { cmd: string; args: string[] } {
  return { cmd: process.execPath, args: [...nodeOptionsOf(file), file, ...args] };
}
