/**
 * The C-STORE and C-ECHO service provider on one association (PS3.4 annex B, PS3.7 9.1.1 / 9.1.5): each C-STORE-RQ
 * becomes a ReceivedObject handed to `deliver`; its C-STORE-RSP waits until a sink settles it. Any other command
 * aborts the association, as DCMTK's movescu does.
 */
import type { AssociationHandle } from '../association/types';
import { commandFieldName, CommandField } from '../dimse/command-field';
import { dumpDimseMessage } from '../dcmtk/dimse-dump';
import { messagesOf } from '../dimse/messages';
import { discardDataset, type DimseMessage } from '../dimse/message';
import { STORE_FAILURE_STATUS, Status, hex4 } from '../dimse/status';
import { sendMessage } from '../dimse/writer';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { createReceivedObject, type ReceivedObject, type StoreOutcome } from '../received-object';

export interface StoreScpOptions {
  deliver(obj: ReceivedObject): void;
  logger?: Logger;
  /** DCMTK's log names objects by their modality prefix ("Received Store Request (MsgID 1, CT)"). */
  describe?(sopClassUid: string): string;
  /** Progress of each C-STORE: 'begin' before its data set, 'fragment' per PDV received, 'end' once it is complete. */
  onProgress?(event: StoreProgress): void;
}

export interface StoreProgress {
  state: 'begin' | 'fragment' | 'end';
  /** Data set bytes received so far. */
  bytes: number;
}

/** Serves one association until it is released or aborted. Resolves with the number of objects received. */
export async function serveStore(assoc: AssociationHandle, opts: StoreScpOptions): Promise<number> {
  const log = opts.logger ?? silentLogger;
  let count = 0;
  const reader = messagesOf(assoc);
  try {
    for await (const msg of reader as AsyncIterable<DimseMessage>) {
      const field = msg.command.CommandField;
      if (field === CommandField.C_ECHO_RQ) {
        // movescu.cc echoSCP: at debug level the message dump replaces "(MsgID n)".
        if (log.enabled('debug')) {
          log.info('Received Echo Request');
          log.debug(dumpDimseMessage(msg.command, 'incoming', msg.contextId));
        } else {
          log.info(`Received Echo Request (MsgID ${msg.command.MessageID})`);
        }
        await discardDataset(msg);
        await sendMessage(assoc, msg.contextId, {
          CommandField: CommandField.C_ECHO_RSP,
          MessageIDBeingRespondedTo: msg.command.MessageID,
          AffectedSOPClassUID: msg.command.AffectedSOPClassUID,
          Status: Status.Success,
        });
      } else if (field === CommandField.C_STORE_RQ) {
        await storeOne(assoc, msg, opts, log);
        count++;
      } else {
        log.error(`Expected C-ECHO or C-STORE request but received DIMSE command ${hex4(field)} (${commandFieldName(field)})`);
        log.debug(dumpDimseMessage(msg.command, 'incoming', msg.contextId));
        assoc.abort();
        break;
      }
    }
  } catch (err) {
    const e = err as Error;
    // movescu.cc subOpSCP: a peer that aborted (or went away) is not a DIMSE failure of ours: DCMTK logs nothing.
    if (peerGone(e)) {
      assoc.abort();
      return count;
    }
    log.error(`DIMSE failure (aborting sub-association): ${dcmtkCondition(e)}`);
    assoc.abort();
    // DCMTK's subOpSCP keeps the sub-association after a successful abort; its next pass over the sockets reads the
    // closed connection and logs the failure again, with its sub-conditions. Scripts see these lines: so do we.
    log.error(['DIMSE failure (aborting sub-association): 0006:020d DIMSE Failed to receive message',
      '0006:020c DIMSE Read PDV failed', '0006:0310 DUL network closed'].join('\n'));
    return count;
  }
  // The messages ended: the peer asked to release (or went away). Every response we owed has been sent above.
  assoc.answerRelease();
  return count;
}

async function storeOne(assoc: AssociationHandle, msg: DimseMessage, opts: StoreScpOptions, log: Logger): Promise<void> {
  const cmd = msg.command;
  const ctx = assoc.contexts.get(msg.contextId);
  const sopClassUid = cmd.AffectedSOPClassUID ?? '';
  const sopInstanceUid = cmd.AffectedSOPInstanceUID ?? '';
  // movescu.cc storeSCP: at debug level the message dump replaces "(MsgID n, prefix)".
  if (log.enabled('debug')) {
    log.info('Received Store Request');
    log.debug(dumpDimseMessage(cmd, 'incoming', msg.contextId));
  } else {
    log.info(`Received Store Request (MsgID ${cmd.MessageID}, ${opts.describe ? opts.describe(sopClassUid) : sopClassUid})`);
  }
  if (!msg.dataset) throw new DimseError('DIMSE_NO_DATASET', 'C-STORE-RQ without a data set', { contextId: msg.contextId });
  // DCMTK's command parser holds UIDs in 65-byte fields and needs them present: it aborts the sub-association on an
  // empty or over-long one. We do the same (before a file name is made from it).
  for (const [what, uid] of [['SOP Class', sopClassUid], ['SOP Instance', sopInstanceUid]] as const) {
    if (uid.length === 0 || uid.length > 64) {
      throw new DimseError('DIMSE_BAD_UID', `C-STORE-RQ with ${uid.length === 0 ? 'an empty' : `a ${uid.length}-character`} Affected ${what} UID (1 to 64 characters)`, { contextId: msg.contextId });
    }
  }
  if (!ctx) throw new DimseError('DIMSE_BAD_CONTEXT', `C-STORE-RQ on unknown presentation context ${msg.contextId}`, { contextId: msg.contextId });
  const obj = createReceivedObject({
    sopClassUid,
    sopInstanceUid,
    transferSyntaxUid: ctx.transferSyntax,
    callingAeTitle: assoc.rq.callingAeTitle,
    calledAeTitle: assoc.rq.calledAeTitle,
    messageId: cmd.MessageID ?? 0,
    moveOriginatorAeTitle: cmd.MoveOriginatorApplicationEntityTitle,
    moveOriginatorMessageId: cmd.MoveOriginatorMessageID,
  }, msg.dataset);
  const progress = opts.onProgress;
  let bytes = 0;
  if (progress) {
    progress({ state: 'begin', bytes });
    msg.dataset.on('fragment', (n: number) => progress({ state: 'fragment', bytes: (bytes += n) }));
  }
  opts.deliver(obj);
  const outcome = await obj.settled;
  if (!outcome.stored && !msg.dataset.readableEnded) {
    // The sink gave up early: read and drop the rest so the association stays in step.
    msg.dataset.resume();
  }
  // The peer's message must be complete before we answer, whatever the sink decided. If it cannot be received,
  // no response is sent (DIMSE_storeProvider returns early) and movescu.cc storeSCP logs why.
  try {
    await msg.complete;
  } catch (e) {
    log.error(`Store SCP Failed: ${dcmtkCondition(e as Error)}`);
    throw e;
  }
  progress?.({ state: 'end', bytes });
  await sendMessage(assoc, msg.contextId, {
    CommandField: CommandField.C_STORE_RSP,
    MessageIDBeingRespondedTo: cmd.MessageID,
    AffectedSOPClassUID: sopClassUid,
    AffectedSOPInstanceUID: sopInstanceUid,
    ...storeResponseStatus(outcome),
  });
}

/** The C-STORE-RSP's status (and error comment, at most 64 characters) for how a sink or stage settled an object. */
export function storeResponseStatus(outcome: StoreOutcome): { Status: number; ErrorComment?: string } {
  if (outcome.stored) return { Status: Status.Success };
  const status = STORE_FAILURE_STATUS[outcome.reason];
  return outcome.comment ? { Status: status, ErrorComment: outcome.comment.slice(0, 64) } : { Status: status };
}

/** The association ended under us: the peer's A-ABORT, or its connection closed or reset (DCMTK: both the same). */
function peerGone(e: Error): boolean {
  return e instanceof DimseError && (e.code === 'ASSOC_ABORTED' || e.code === 'CONNECTION_LOST');
}

/**
 * An error as DCMTK's DimseCondition::dump prints the condition it meets in the same place (module 0006 is
 * dcmnet), for the lines scripts grep; errors DCMTK has no counterpart for keep their own text.
 */
function dcmtkCondition(e: Error): string {
  if (peerGone(e)) return '0006:0317 Peer aborted Association (or never connected)';
  if (e instanceof DimseError && e.code === 'PDV_ODD_LENGTH') return `0006:020d ${e.message}`;
  return e.message;
}
