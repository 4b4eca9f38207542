/**
 * The C-STORE and C-ECHO service provider on one association (PS3.4 annex B, PS3.7 9.1.1 / 9.1.5): each C-STORE-RQ
 * becomes a ReceivedObject handed to `deliver`; its C-STORE-RSP waits until a sink settles it. Any other command
 * aborts the association, as DCMTK's movescu does.
 */
import type { AssociationHandle } from '../association/types';
import { CommandField } from '../dimse/command-field';
import type { Command } from '../dimse/command';
import type { DimseReader } from '../dimse/reader';
import { checkRequestFields, requestProblems, type RequestProblem, type ServedRequest } from '../dimse/request-checks';
import type { DimseMessage } from '../dimse/message';
import { STORE_FAILURE_STATUS, Status, hex4 } from '../dimse/status';
import { sendMessage } from '../dimse/writer';
import { DimseError } from '../errors';
import { isPeerGone } from '../error-codes';
import { createReceivedObject, type ReceivedObject, type StoreOutcome } from '../received-object';

/** What happens on a sub-association, for whoever reports it (lib/cli/retrieve-log.ts renders DCMTK's lines). */
export type StoreEvent =
  /** A request's UIDs (tags) from which white space was removed as its command was read (DCMTK's dcmdata warns). */
  | { type: 'command-uid-spaces'; tags: readonly number[] }
  | { type: 'echo-request'; contextId: number; command: Command }
  | { type: 'store-request'; contextId: number; command: Command }
  /**
   * A C-STORE-RQ that breaks a rule of its message (no data set, an empty SOP Instance UID): the sub-association is
   * aborted (DIMSE_BAD_MESSAGE). The AE titles are the sub-association's, as DCMTK's warnings name them.
   */
  | { type: 'bad-request'; contextId: number; command: Command; problems: RequestProblem[]; callingAeTitle: string; calledAeTitle: string }
  /** A command the store service does not serve: the sub-association is aborted. */
  | { type: 'unexpected-command'; contextId: number; command: Command }
  /** A C-STORE whose data set could not be received: no response is sent. */
  | { type: 'store-failed'; error: Error }
  /** The sub-association is aborted for this error (not when the peer aborted or went away). */
  | { type: 'dimse-failure'; error: Error };

export interface StoreScpOptions {
  deliver(obj: ReceivedObject): void;
  onEvent?(event: StoreEvent): void;
  /** Progress of each C-STORE: 'begin' before its data set, 'fragment' per PDV received, 'end' once it is complete. */
  onProgress?(event: StoreProgress): void;
}

export interface StoreProgress {
  state: 'begin' | 'fragment' | 'end';
  /** Data set bytes received so far. */
  bytes: number;
}

/**
 * Serves one association, reading its `messages`, until it is released or aborted. Resolves with the number of
 * objects received.
 */
export async function serveStore(assoc: AssociationHandle, messages: DimseReader, opts: StoreScpOptions): Promise<number> {
  const emit = opts.onEvent ?? ((): void => {});
  let count = 0;
  try {
    for await (const msg of messages as AsyncIterable<DimseMessage>) {
      const field = msg.command.CommandField;
      if (msg.uidsWithSpaces?.length) emit({ type: 'command-uid-spaces', tags: msg.uidsWithSpaces });
      if (field === CommandField.C_ECHO_RQ) {
        checkRequest('C-ECHO-RQ', assoc, msg, emit);
        emit({ type: 'echo-request', contextId: msg.contextId, command: msg.command });
        await sendMessage(assoc, msg.contextId, {
          CommandField: CommandField.C_ECHO_RSP,
          MessageIDBeingRespondedTo: msg.command.MessageID,
          AffectedSOPClassUID: msg.command.AffectedSOPClassUID,
          Status: Status.Success,
        });
      } else if (field === CommandField.C_STORE_RQ) {
        await storeOne(assoc, msg, opts, emit);
        count++;
      } else {
        emit({ type: 'unexpected-command', contextId: msg.contextId, command: msg.command });
        throw new DimseError('DIMSE_UNEXPECTED_COMMAND', `expected a C-ECHO or C-STORE request, received command ${hex4(field)}`, { contextId: msg.contextId });
      }
    }
  } catch (err) {
    const e = err as Error;
    // A peer that aborted (or went away) is not a DIMSE failure of ours (movescu.cc subOpSCP says nothing either).
    if (!peerGone(e)) emit({ type: 'dimse-failure', error: e });
    assoc.abort();
    return count;
  }
  // The messages ended: the peer asked to release (or went away). Every response we owed has been sent above.
  assoc.answerRelease();
  return count;
}

const PROBLEMS: Record<RequestProblem, string> = {
  'store-without-data-set': 'without a data set',
  'empty-sop-instance-uid': 'with an empty Affected SOP Instance UID',
  'echo-with-data-set': 'with a data set',
};

/**
 * Checks a request as DCMTK's DIMSE layer does before it is served (and before a file name is made from it): a
 * missing or over-long field throws DIMSE_BAD_FIELD; a broken message rule is announced ('bad-request', DCMTK's
 * warnings) and throws DIMSE_BAD_MESSAGE. Either aborts the association.
 */
function checkRequest(request: ServedRequest, assoc: AssociationHandle, msg: DimseMessage, emit: (e: StoreEvent) => void): void {
  checkRequestFields(request, msg.command, msg.contextId);
  const problems = requestProblems(request, msg.command, msg.dataset !== null);
  if (problems.length === 0) return;
  emit({ type: 'bad-request', contextId: msg.contextId, command: msg.command, problems, callingAeTitle: assoc.rq.callingAeTitle, calledAeTitle: assoc.rq.calledAeTitle });
  throw new DimseError('DIMSE_BAD_MESSAGE', `${request} ${problems.map((p) => PROBLEMS[p]).join(', ')}`, { contextId: msg.contextId });
}

async function storeOne(assoc: AssociationHandle, msg: DimseMessage, opts: StoreScpOptions, emit: (e: StoreEvent) => void): Promise<void> {
  const cmd = msg.command;
  const ctx = assoc.contexts.get(msg.contextId);
  checkRequest('C-STORE-RQ', assoc, msg, emit);
  if (!msg.dataset) return; // not reached: checkRequest throws for a C-STORE-RQ without a data set (narrows the type)
  const sopClassUid = cmd.AffectedSOPClassUID ?? '';
  const sopInstanceUid = cmd.AffectedSOPInstanceUID ?? '';
  emit({ type: 'store-request', contextId: msg.contextId, command: cmd });
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
  // no response is sent (as DCMTK's DIMSE_storeProvider returns early).
  try {
    await msg.complete;
  } catch (e) {
    emit({ type: 'store-failed', error: e as Error });
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

function peerGone(e: Error): boolean {
  return e instanceof DimseError && isPeerGone(e.code);
}
