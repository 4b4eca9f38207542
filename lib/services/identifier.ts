/**
 * The C-MOVE identifiers of a movescu run, merged as DCMTK does: one per query file (its data set with the -k keys
 * put in, replacing or inserting top-level elements), or a single one made of the keys alone when no file is given.
 * DCMTK walks the keys from right to left and each insert replaces the previous one, so for a tag given twice the
 * leftmost value is the one sent; we apply them in that order too.
 */
import type { DataElement } from '../dataset/element';
import { applyOverrideKeys } from '../dataset/keys';
import { readQueryFile } from '../dataset/query-file';

export async function buildIdentifier(queryFiles: readonly string[], keys: readonly string[]): Promise<DataElement[][]> {
  const dcmtkOrder = [...keys].reverse();
  if (queryFiles.length === 0) return [applyOverrideKeys([], dcmtkOrder)];
  const out: DataElement[][] = [];
  for (const file of queryFiles) out.push(applyOverrideKeys(await readQueryFile(file), dcmtkOrder));
  return out;
}
