/** Wires an association's incoming PDVs to a DimseReader: the one way every service reads messages. */
import { pipeline } from 'node:stream';
import type { AssociationHandle } from '../association/types';
import { PdvAssembler } from '../pdv/assembler';
import type { MessageFragment } from '../pdv/fragments';
import { DimseReader } from './reader';

export function messagesOf(assoc: Pick<AssociationHandle, 'pdvs'>): DimseReader {
  const assembler = new PdvAssembler();
  // pipeline forwards an error of either side (an A-ABORT, a bad fragment) to the reader's iteration.
  pipeline(assoc.pdvs, assembler, () => {});
  return new DimseReader(assembler as AsyncIterable<MessageFragment>);
}
