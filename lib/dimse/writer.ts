/**
 * Sends DIMSE messages on an association: the command set, then the data set (a Buffer, or a Readable streamed in
 * PDVs that fit the peer's maximum PDU length, one P-DATA-TF at a time so that memory stays bounded).
 */
import type { Readable } from 'node:stream';
import type { AssociationHandle } from '../association/types';
import { PdvSplitter, splitBuffer } from '../pdv/splitter';
import type { Pdv } from '../pdu/types';
import { encodeCommand, type Command } from './command';
import { DATASET_PRESENT, NO_DATASET } from './command-field';

type Sender = Pick<AssociationHandle, 'sendPdvs' | 'peerMaxPduLength'>;

/** A command as the services write it: (0000,0800) follows from whether a data set is sent with it. */
export type OutgoingCommand = Omit<Command, 'CommandDataSetType'>;

export function withDatasetType(command: OutgoingCommand, hasDataset: boolean): Command {
  return { ...command, CommandDataSetType: hasDataset ? DATASET_PRESENT : NO_DATASET };
}

export async function sendMessage(assoc: Sender, contextId: number, command: OutgoingCommand, dataset?: Buffer | Readable | null): Promise<void> {
  const cmd = encodeCommand(withDatasetType(command, !!dataset));
  const commandPdvs = splitBuffer(cmd, contextId, true, assoc.peerMaxPduLength);
  if (!dataset) {
    await sendAll(assoc, commandPdvs);
  } else if (Buffer.isBuffer(dataset)) {
    const dataPdvs = splitBuffer(dataset, contextId, false, assoc.peerMaxPduLength);
    // A small message goes out in one P-DATA-TF (one write): the common case of a response with an identifier.
    await sendAll(assoc, [...commandPdvs, ...dataPdvs]);
  } else {
    await sendAll(assoc, commandPdvs);
    const splitter = new PdvSplitter(contextId, false, assoc.peerMaxPduLength);
    dataset.on('error', (err) => splitter.destroy(err));
    dataset.pipe(splitter);
    for await (const pdv of splitter as AsyncIterable<Pdv>) await assoc.sendPdvs([pdv]);
  }
}

/** One PDU per PDV except when several small ones fit together in one PDU. */
async function sendAll(assoc: Sender, pdvs: Pdv[]): Promise<void> {
  const max = assoc.peerMaxPduLength === 0 ? Infinity : assoc.peerMaxPduLength;
  let batch: Pdv[] = [];
  let size = 0;
  for (const p of pdvs) {
    const len = 6 + p.data.length;
    if (batch.length > 0 && size + len > max) {
      await assoc.sendPdvs(batch);
      batch = [];
      size = 0;
    }
    batch.push(p);
    size += len;
  }
  if (batch.length > 0) await assoc.sendPdvs(batch);
}
