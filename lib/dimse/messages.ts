/** Wires an association's incoming PDVs to a DimseReader: the one way every service reads messages. */
import type { AssociationHandle } from '../association/types';
import type { Pdv } from '../pdu/types';
import { DimseReader, type DimseReaderOptions } from './reader';

export function messagesOf(assoc: Pick<AssociationHandle, 'pdvs'>, options?: DimseReaderOptions): DimseReader {
  // An error of the association (an A-ABORT, a lost connection) ends the PDV iteration with that error, and so the
  // reader's; a broken fragment rule throws from the assembler the same way.
  return new DimseReader(assoc.pdvs as AsyncIterable<Pdv>, options);
}
