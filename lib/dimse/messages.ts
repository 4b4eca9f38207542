/** Wires an association's incoming PDVs to a DimseReader: the one way every service reads messages. */
import type { AssociationHandle } from '../association/types';
import { DimseReader, type DimseReaderOptions } from './reader';

export function messagesOf(assoc: Pick<AssociationHandle, 'receivePdvs' | 'pauseReading' | 'resumeReading'>, options?: DimseReaderOptions): DimseReader {
  // An error of the association (an A-ABORT, a lost connection) ends the reader's messages with that error, after
  // those already received; a broken fragment or message rule does the same from the parser.
  return new DimseReader(assoc, options);
}
