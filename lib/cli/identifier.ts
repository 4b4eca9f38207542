/**
 * The C-MOVE identifiers of a movescu run, merged as DCMTK does: one per query file (its data set with the -k keys
 * put in, replacing or inserting top-level elements), or a single one made of the keys alone when no file is given.
 * DCMTK walks the keys from right to left and each insert replaces the previous one, so for a tag given twice the
 * leftmost value is the one sent; we apply them in that order too.
 */
import type { DataElement } from '../dataset/codec/element';
import { applyOverrideKeys } from './keys';
import { readQueryFile } from './query-file';
import { encodeDataset } from '../dataset/codec/encode';
import { EXPLICIT_VR_LITTLE_ENDIAN } from '../dataset/codec/transfer-syntax';
import { DimseError } from '../errors';

export async function buildIdentifier(queryFiles: readonly string[], keys: readonly string[]): Promise<DataElement[][]> {
  const dcmtkOrder = [...keys].reverse();
  const out: DataElement[][] = [];
  if (queryFiles.length === 0) out.push(applyOverrideKeys([], dcmtkOrder));
  for (const file of queryFiles) out.push(applyOverrideKeys(await readQueryFile(file), dcmtkOrder));
  for (const q of out) assertSendable(q);
  return out;
}

/**
 * Refuses, before any connection, an identifier that cannot be sent in explicit VR little endian (the syntax the
 * archive is asked for first): a value too long for its 16-bit length field. DCMTK sends such a value as UN;
 * we say which key is wrong instead (README, "Where DCMTK is weak, and what we do").
 */
function assertSendable(identifier: readonly DataElement[]): void {
  try {
    encodeDataset(identifier, EXPLICIT_VR_LITTLE_ENDIAN);
  } catch (err) {
    const e = err as DimseError;
    throw new DimseError('BAD_IDENTIFIER', `cannot send the identifier: ${e.message}`, e.place ?? {}, { cause: err });
  }
}
