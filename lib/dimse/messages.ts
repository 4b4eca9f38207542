/** Wires an association's incoming PDVs to a DimseReader: the one way every service reads messages. */
import type { AssociationHandle } from '../association/types';
import { DimseReader } from './reader';

export function messagesOf(assoc: Pick<AssociationHandle, 'pdvs'>): DimseReader {
  // An error of the association (an A-ABORT, a lost connection) reaches the reader as an 'error' of `pdvs`; a broken
  // fragment rule is thrown by the assembler inside the reader.
  return new DimseReader(assoc.pdvs);
}
