/**
 * C-MOVE SCU (PS3.4 C.4.2, PS3.7 9.1.4): sends one C-MOVE-RQ with its identifier and reads the responses until
 * the final one. Pending responses carry the sub-operation counts. A data set on a pending response is a protocol
 * violation: by default (DCMTK's -pi) the reader is told not to expect one (pendingWithoutDataset), so the data set
 * that follows fails the C-MOVE; with DCMTK's -pr (a reader without that rule) it is read and dropped here.
 */
import type { AssociationHandle } from '../association/types';
import { CommandField, Priority } from '../dimse/command-field';
import type { Command } from '../dimse/command';
import type { DimseReader } from '../dimse/reader';
import { statusClass } from '../dimse/status';
import { discardDataset } from '../dimse/message';
import { sendMessage, type OutgoingCommand } from '../dimse/writer';
import { DimseError } from '../errors';

export interface MoveResponse {
  status: number;
  remaining?: number;
  completed?: number;
  failed?: number;
  warning?: number;
  errorComment?: string;
  /** 1-based, as DCMTK counts them in "Received Move Response N". */
  index: number;
  final: boolean;
  command: Command;
}

export interface MoveRequest {
  contextId: number;
  sopClassUid: string;
  messageId: number;
  moveDestination: string;
  identifier: Buffer;
  priority?: number;
  /** Longest wait for each response (DCMTK -td); none by default. */
  dimseTimeoutMs?: number;
  onResponse?(rsp: MoveResponse): void;
  /** DCMTK's --cancel n: a C-CANCEL-RQ right after the n-th response, if that one is pending (n counts from 1). */
  cancelAfter?: number;
  /** Called just before that C-CANCEL-RQ goes out (DCMTK logs it). */
  onCancel?(): void;
}

/** The rule of DCMTK's -pi for a DimseReader: a pending C-MOVE response has no data set, whatever it announces. */
export function pendingWithoutDataset(c: Command): boolean {
  return c.CommandField === CommandField.C_MOVE_RSP && statusClass(c.Status ?? 0xffff) === 'pending';
}

/** The C-MOVE-RQ command moveScu sends (exported so that the caller can log it before it goes out, as DCMTK does). */
export function moveRequestCommand(req: Omit<MoveRequest, 'identifier' | 'contextId'>): OutgoingCommand {
  return {
    CommandField: CommandField.C_MOVE_RQ,
    MessageID: req.messageId,
    AffectedSOPClassUID: req.sopClassUid,
    Priority: req.priority ?? Priority.Medium,
    MoveDestination: req.moveDestination,
  };
}

export async function moveScu(assoc: AssociationHandle, reader: DimseReader, req: MoveRequest): Promise<MoveResponse> {
  await sendMessage(assoc, req.contextId, moveRequestCommand(req), req.identifier);
  let index = 0;
  for (let msg = await reader.nextMessage(req.dimseTimeoutMs); msg; msg = await reader.nextMessage(req.dimseTimeoutMs)) {
    const c = msg.command;
    if (c.CommandField !== CommandField.C_MOVE_RSP || c.MessageIDBeingRespondedTo !== req.messageId) {
      throw new DimseError('DIMSE_UNEXPECTED_MESSAGE', `expected C-MOVE-RSP to message ${req.messageId}, got command 0x${c.CommandField.toString(16)}`, { contextId: msg.contextId });
    }
    await discardDataset(msg);
    const status = c.Status ?? 0xffff;
    const rsp: MoveResponse = {
      status,
      remaining: c.NumberOfRemainingSuboperations,
      completed: c.NumberOfCompletedSuboperations,
      failed: c.NumberOfFailedSuboperations,
      warning: c.NumberOfWarningSuboperations,
      errorComment: c.ErrorComment,
      index: ++index,
      final: statusClass(status) !== 'pending',
      command: c,
    };
    req.onResponse?.(rsp);
    if (rsp.final) return rsp;
    if (rsp.index === req.cancelAfter) {
      req.onCancel?.();
      // PS3.7 9.3.2.3: the C-CANCEL-RQ names the request it cancels; the final response (0xFE00) ends the loop.
      await sendMessage(assoc, req.contextId, { CommandField: CommandField.C_CANCEL_RQ, MessageIDBeingRespondedTo: req.messageId });
    }
  }
  throw new DimseError('DIMSE_NO_FINAL_RESPONSE', 'association ended before the final C-MOVE response');
}
