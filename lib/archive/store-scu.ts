/** C-STORE SCU (PS3.7 9.1.1): one object per call, its data set streamed from any Readable (a file, usually). */
import type { Readable } from 'node:stream';
import type { AssociationHandle } from '../association/types';
import { CommandField, Priority } from '../dimse/command-field';
import type { DimseReader } from '../dimse/reader';
import { discardDataset } from '../dimse/message';
import { sendMessage } from '../dimse/writer';
import { DimseError } from '../errors';

export interface StoreRequest {
  contextId: number;
  messageId: number;
  sopClassUid: string;
  sopInstanceUid: string;
  dataset: Readable | Buffer;
  /** Set when the store is a sub-operation of a C-MOVE (PS3.7 9.3.1.1). */
  moveOriginatorAeTitle?: string;
  moveOriginatorMessageId?: number;
}

/** Sends the C-STORE-RQ and resolves with the status of the C-STORE-RSP. */
export async function storeScu(assoc: AssociationHandle, reader: DimseReader, req: StoreRequest): Promise<number> {
  await sendMessage(assoc, req.contextId, {
    CommandField: CommandField.C_STORE_RQ,
    MessageID: req.messageId,
    AffectedSOPClassUID: req.sopClassUid,
    AffectedSOPInstanceUID: req.sopInstanceUid,
    Priority: Priority.Medium,
    ...(req.moveOriginatorAeTitle !== undefined ? {
      MoveOriginatorApplicationEntityTitle: req.moveOriginatorAeTitle,
      MoveOriginatorMessageID: req.moveOriginatorMessageId,
    } : {}),
  }, req.dataset);
  const rsp = await reader.nextMessage();
  if (!rsp) throw new DimseError('DIMSE_NO_RESPONSE', 'association ended before the C-STORE-RSP');
  if (rsp.command.CommandField !== CommandField.C_STORE_RSP || rsp.command.MessageIDBeingRespondedTo !== req.messageId) {
    throw new DimseError('DIMSE_UNEXPECTED_MESSAGE', `expected C-STORE-RSP to message ${req.messageId}`, { contextId: rsp.contextId });
  }
  await discardDataset(rsp);
  return rsp.command.Status ?? 0xffff;
}
