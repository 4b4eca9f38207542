/**
 * What an output directory holds for its objects. A directory sink keeps one empty temporary file ready for the
 * next object while it runs (lib/sinks/spare-file.ts, named after no object): tests of a sink that is still open
 * look past it, and check that it is that and nothing else.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The name of a directory sink's spare temporary file. */
export const isSpareName = (name: string): boolean => /^\.dimse-stream\.\d+-[0-9a-f]+\.part$/.test(name);

/** The names in `dir` but the open sink's spare (at most one, and empty). */
export function storedNames(dir: string): string[] {
  const names = readdirSync(dir);
  const spares = names.filter(isSpareName);
  assert.ok(spares.length <= 1, `at most one spare temporary file: ${spares.join(', ')}`);
  for (const s of spares) assert.equal(statSync(join(dir, s)).size, 0, `the spare ${s} holds nothing`);
  return names.filter((n) => !isSpareName(n));
}
