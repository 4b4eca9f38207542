/**
 * C-MOVE SCP (PS3.4 C.4.2) over the archive's catalog: resolves the move destination, opens one sub-association
 * to it proposing each needed (SOP class, transfer syntax) pair as stored, sends every matching file's data set
 * unchanged with C-STORE, and reports the sub-operation counts in pending responses and the final one.
 */
import { createReadStream } from 'node:fs';
import { requestAssociation } from '../association/association';
import type { AssociationHandle } from '../association/types';
import { CommandField } from '../dimse/command-field';
import type { DimseMessage } from '../dimse/message';
import { DimseReader } from '../dimse/reader';
import { Status } from '../dimse/status';
import { sendMessage } from '../dimse/writer';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { CatalogEntry } from './catalog-types';
import { select, type QueryKey } from './matching';
import { storeScu } from './store-scu';
import { connectTcp } from '../services/connect';

export interface MoveDestination {
  host: string;
  port: number;
}

export interface MoveScpOptions {
  aeTitle: string;
  destinations: ReadonlyMap<string, MoveDestination>;
  maxPduLength: number;
  acseTimeoutMs: number;
  logger?: Logger;
  /** True once the SCU has sent a C-CANCEL-RQ for this C-MOVE: no further sub-operation is started. */
  cancelled?(): boolean;
}

interface Counts { remaining: number; completed: number; failed: number; warning: number }

export async function moveScp(
  assoc: AssociationHandle,
  msg: DimseMessage,
  keys: QueryKey[],
  entries: readonly CatalogEntry[],
  opts: MoveScpOptions,
): Promise<void> {
  const log = opts.logger ?? silentLogger;
  const respond = (status: number, c?: Counts): Promise<void> => sendMessage(assoc, msg.contextId, {
    CommandField: CommandField.C_MOVE_RSP,
    MessageIDBeingRespondedTo: msg.command.MessageID,
    AffectedSOPClassUID: msg.command.AffectedSOPClassUID,
    Status: status,
    ...(c ? {
      // PS3.4 C.4.2.1.6: remaining only in pending and cancel responses.
      NumberOfRemainingSuboperations: status === Status.Pending || status === Status.Cancel ? c.remaining : undefined,
      NumberOfCompletedSuboperations: c.completed,
      NumberOfFailedSuboperations: c.failed,
      NumberOfWarningSuboperations: c.warning,
    } : {}),
  });
  const destAe = msg.command.MoveDestination ?? '';
  const dest = opts.destinations.get(destAe);
  if (!dest) {
    log.warn(`move destination unknown: ${destAe}`);
    await respond(Status.MoveDestinationUnknown);
    return;
  }
  const selected = select(entries, keys);
  if (!selected.level) {
    await respond(selected.failure);
    return;
  }
  const { matches } = selected;
  const counts: Counts = { remaining: matches.length, completed: 0, failed: 0, warning: 0 };
  if (matches.length === 0) {
    await respond(Status.Success, counts);
    return;
  }
  // One context per (SOP class, stored transfer syntax): files go out exactly as stored, never transcoded.
  const pairs = new Map<string, { sopClass: string; ts: string; id: number }>();
  for (const e of matches) {
    const k = `${e.sopClassUid}|${e.transferSyntaxUid}`;
    if (!pairs.has(k)) pairs.set(k, { sopClass: e.sopClassUid, ts: e.transferSyntaxUid, id: 1 + 2 * pairs.size });
  }
  let sub: AssociationHandle;
  try {
    const socket = await connectTcp(dest.host, dest.port, opts.acseTimeoutMs);
    sub = await requestAssociation(socket, {
      callingAeTitle: opts.aeTitle,
      calledAeTitle: destAe,
      presentationContexts: [...pairs.values()].map((p) => ({ id: p.id, abstractSyntax: p.sopClass, transferSyntaxes: [p.ts] })),
    }, { maxPduLength: opts.maxPduLength, artimTimeoutMs: opts.acseTimeoutMs, logger: log });
  } catch (err) {
    log.warn(`cannot open sub-association to ${destAe} at ${dest.host}:${dest.port}: ${(err as Error).message}`);
    await respond(Status.MoveOutOfResourcesSubOperations, { ...counts, remaining: 0, failed: 0 });
    return;
  }
  const reader = new DimseReader(sub);
  let messageId = 1;
  for (const e of matches) {
    // Checked between sub-operations, as dcmqrscp does: the one under way is finished first.
    if (opts.cancelled?.()) break;
    const ctx = pairs.get(`${e.sopClassUid}|${e.transferSyntaxUid}`)!;
    let status: number = Status.StoreOutOfResources;
    if (sub.contexts.has(ctx.id)) {
      status = await storeScu(sub, reader, {
        contextId: ctx.id,
        messageId: messageId++,
        sopClassUid: e.sopClassUid,
        sopInstanceUid: e.sopInstanceUid,
        dataset: createReadStream(e.path, { start: e.datasetOffset, highWaterMark: 256 * 1024 }),
        moveOriginatorAeTitle: assoc.rq.callingAeTitle,
        moveOriginatorMessageId: msg.command.MessageID,
      });
    }
    counts.remaining--;
    if (status === Status.Success) counts.completed++;
    else if ((status & 0xf000) === 0xb000) counts.warning++;
    else counts.failed++;
    if (counts.remaining > 0) await respond(Status.Pending, counts);
  }
  await sub.release();
  if (counts.remaining > 0) {
    await respond(Status.Cancel, counts);
    return;
  }
  await respond(counts.failed > 0 || counts.warning > 0 ? Status.MoveSubOperationsWithFailures : Status.Success, counts);
}
