/**
 * One retrieval, as DCMTK's movescu runs it: listen for the archive's sub-associations (unless there is no port,
 * for a move to a third party), associate with the archive proposing FIND (id 1) and MOVE (id 3) contexts of the
 * chosen information model, send one C-MOVE per query, wait for the sub-associations to end, release.
 *
 * The received objects come out of the returned object-mode Readable; `result` resolves with the final C-MOVE
 * responses, whatever their status (a failure status is an answer, not an exception), and rejects only when the
 * conversation itself fails (listen, connect, association, protocol), with a DimseError whose code says which.
 */
import type { AdmissionPolicy } from './negotiation';
import { Readable } from 'node:stream';
import { requestAssociation } from '../association/association';
import { buildAssociateRq } from '../association/negotiation';
import type { AssociationHandle } from '../association/types';
import { encodeDataset } from '../dataset/codec/encode';
import type { DataElement } from '../dataset/codec/element';
import { TS } from '../dataset/dictionary/uids';
import { QUERY_MODELS, type QueryModel } from './sop-classes';
import { DEFAULT_ACSE_TIMEOUT_MS, DEFAULT_AE_TITLE, DEFAULT_MAX_PDU, DEFAULT_PEER_AE_TITLE } from '../defaults';
import { DimseReader } from '../dimse/reader';
import type { Command } from '../dimse/command';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { AssociateAc, AssociateRq } from '../pdu/types';
import { withDatasetType } from '../dimse/writer';
import { moveRequestCommand, moveScu, pendingWithoutDataset, type MoveResponse } from './move-scu';
import { NO_DATASET } from '../dimse/command-field';
import type { ReceivedObject } from '../received-object';
import { StorageServer, type StorageServerEvent } from './storage-server';
import type { StoreProgress } from './store-scp';
import { connectTcp } from './connect';

/**
 * What happens in a retrieval, in order, for whoever wants to report it (the CLI renders DCMTK's log lines from
 * these: lib/cli/retrieve-log.ts). Nothing here formats text.
 */
export type RetrieveEvent =
  /** About to send this A-ASSOCIATE-RQ. */
  | { type: 'requesting-association'; rq: AssociateRq }
  /** The archive's A-ASSOCIATE-AC, before our checks of what it accepted. */
  | { type: 'association-negotiated'; rq: AssociateRq; ac: AssociateAc }
  /** The association is usable: C-MOVEs follow. */
  | { type: 'association-accepted'; peerMaxPduLength: number }
  /** About to send a C-MOVE-RQ (the command as it goes out) with this identifier. */
  | { type: 'move-request'; messageId: number; contextId: number; command: Command; identifier: readonly DataElement[] }
  /** A pending response announced a data set: `read` it and drop it (-pr), or assume there is none (-pi). */
  | { type: 'pending-dataset'; callingAeTitle: string; calledAeTitle: string; read: boolean }
  /** A pending C-MOVE-RSP. */
  | { type: 'move-response'; response: MoveResponse }
  /** About to send a C-CANCEL-RQ for this C-MOVE. */
  | { type: 'cancel-request'; messageId: number; contextId: number }
  /** The final C-MOVE-RSP. */
  | { type: 'move-final'; response: MoveResponse }
  /** A sub-association still open this long after the last final response: it is aborted. */
  | { type: 'sub-association-lingering'; timeoutMs: number }
  | { type: 'releasing' }
  | { type: 'aborting' }
  /** What happens on the sub-associations that bring the objects. */
  | StorageServerEvent;

export interface RetrieveOptions {
  host: string;
  port: number;
  callingAeTitle?: string;
  calledAeTitle?: string;
  /** Where the archive sends the objects; defaults to our own AE title. */
  moveDestination?: string;
  model?: QueryModel;
  /** One C-MOVE per query, in order, on the same association. */
  queries: DataElement[][];
  /** Port of the embedded Storage SCP; null for no listener (a move to a third party). */
  listenPort?: number | null;
  maxPduLength?: number;
  acseTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Longest wait for each C-MOVE response (DCMTK -td); none by default. */
  dimseTimeoutMs?: number;
  logger?: Logger;
  /** Transfer syntaxes proposed for the FIND/MOVE contexts, in order. DCMTK: explicit LE, explicit BE, implicit LE. */
  proposeTransferSyntaxes?: readonly string[];
  /** Transfer syntaxes accepted for incoming objects, in order of preference. */
  acceptTransferSyntaxes?: readonly string[];
  /** Receives each C-MOVE response as it arrives. */
  onResponse?(rsp: MoveResponse): void;
  /** Each step of the retrieval, in order (lib/cli/retrieve-log.ts renders DCMTK's lines from them). */
  onEvent?(event: RetrieveEvent): void;
  /** Progress of each incoming C-STORE (begin, one call per PDV, end): DCMTK's "RECV: ...." at -v. */
  onStoreProgress?(event: StoreProgress): void;
  /** Who may send us objects (opt-in; anyone by default, as DCMTK). */
  admission?: AdmissionPolicy;
  /** Each query's C-MOVE this many times (DCMTK --repeat; default 1). */
  repeat?: number;
  /** End with an A-ABORT instead of a release (DCMTK --abort). */
  abort?: boolean;
  /** DCMTK --cancel n: a C-CANCEL-RQ after the n-th (pending) response of each C-MOVE. */
  cancelAfter?: number;
  /**
   * A data set an archive wrongly sends after a pending response: 'ignore' (DCMTK's -pi, the default) assumes there
   * is none, so the one that comes fails the C-MOVE; 'read' (DCMTK's -pr) reads and drops it.
   */
  pendingDatasets?: 'ignore' | 'read';
  /** Sub-associations served at once (default 16). */
  maxAssociations?: number;
}

export interface RetrieveSummary {
  /** The final response of each C-MOVE, in order. */
  finals: MoveResponse[];
  /** Objects received on our port. */
  received: number;
}

export interface Retrieval extends Readable {
  readonly result: Promise<RetrieveSummary>;
}

export const DEFAULT_PROPOSED_TRANSFER_SYNTAXES: readonly string[] = [
  TS.ExplicitVRLittleEndian, TS.ExplicitVRBigEndian, TS.ImplicitVRLittleEndian,
];

export function retrieve(options: RetrieveOptions): Retrieval {
  const objects = new Readable({ objectMode: true, read() {} }) as Retrieval;
  // Objects handed on and not yet settled. If the pipeline ends early (a stage or the sink failed), nobody will
  // settle them, and nobody would settle the objects still to come: each is refused at once instead, so the archive
  // hears 0xA700 rather than waiting for a response that never comes.
  const unsettled = new Set<ReceivedObject>();
  const refuse = (obj: ReceivedObject): void => obj.reject('out-of-resources', 'the retrieval\'s pipeline has ended');
  objects.on('close', () => {
    if (objects.readableEnded) return;
    for (const obj of unsettled) refuse(obj);
  });
  const deliver = (obj: ReceivedObject): void => {
    if (objects.destroyed) { obj.body.resume(); refuse(obj); return; }
    unsettled.add(obj);
    void obj.settled.then(() => unsettled.delete(obj));
    // push()'s answer needs no other reply: the store service reads a sub-association's next message only once
    // this object is settled, so this stream never holds more than one object per open sub-association.
    objects.push(obj);
  };
  const result = run(options, deliver);
  Object.defineProperty(objects, 'result', { value: result });
  result.then(() => objects.push(null), (err: Error) => objects.destroy(err));
  // The result carries the error to whoever awaits it; the stream's own 'error' reaches a pipeline.
  result.catch(() => {});
  return objects;
}

async function run(o: RetrieveOptions, deliver: (obj: ReceivedObject) => void): Promise<RetrieveSummary> {
  const log = o.logger ?? silentLogger;
  const emit = o.onEvent ?? ((): void => {});
  const maxPduLength = o.maxPduLength ?? DEFAULT_MAX_PDU;
  const acseTimeoutMs = o.acseTimeoutMs ?? DEFAULT_ACSE_TIMEOUT_MS;
  const callingAe = o.callingAeTitle ?? DEFAULT_AE_TITLE;
  const model = QUERY_MODELS[o.model ?? 'patient'];
  let server: StorageServer | null = null;
  if (o.listenPort !== null && o.listenPort !== undefined) {
    server = new StorageServer({
      port: o.listenPort, deliver, logger: log, maxPduLength, acseTimeoutMs,
      transferSyntaxes: o.acceptTransferSyntaxes, onEvent: o.onEvent, onProgress: o.onStoreProgress,
      dimseTimeoutMs: o.dimseTimeoutMs, admission: o.admission, maxAssociations: o.maxAssociations,
    });
    await server.listen();
  }
  try {
    const socket = await connectTcp(o.host, o.port, o.connectTimeoutMs);
    const propose = [...(o.proposeTransferSyntaxes ?? DEFAULT_PROPOSED_TRANSFER_SYNTAXES)];
    const request = {
      callingAeTitle: callingAe,
      calledAeTitle: o.calledAeTitle ?? DEFAULT_PEER_AE_TITLE,
      presentationContexts: [
        { id: 1, abstractSyntax: model.find, transferSyntaxes: propose },
        { id: 3, abstractSyntax: model.move, transferSyntaxes: propose },
      ],
    };
    const limits = { maxPduLength, artimTimeoutMs: acseTimeoutMs, logger: log };
    emit({ type: 'requesting-association', rq: buildAssociateRq(request, limits) });
    let assoc: AssociationHandle;
    try {
      assoc = await requestAssociation(socket, request, limits);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    emit({ type: 'association-negotiated', rq: assoc.rq, ac: assoc.ac });
    if (assoc.contexts.size === 0) {
      assoc.abort();
      throw new DimseError('NO_PRESENTATION_CONTEXT', 'No Acceptable Presentation Contexts');
    }
    emit({ type: 'association-accepted', peerMaxPduLength: assoc.peerMaxPduLength });
    const moveCtx = [...assoc.contexts.values()].find((c) => c.abstractSyntax === model.move);
    if (!moveCtx) {
      assoc.abort();
      throw new DimseError('NO_PRESENTATION_CONTEXT', `the peer did not accept ${model.move} (C-MOVE)`);
    }
    const readPending = o.pendingDatasets === 'read';
    const reader = new DimseReader(assoc, readPending ? {} : { ignoreDatasetOf: pendingWithoutDataset });
    const finals: MoveResponse[] = [];
    let messageId = 1;
    try {
      // DCMTK's --repeat: each query's C-MOVE n times in a row, on the same association, each with its own message ID.
      for (const query of o.queries.flatMap((q) => Array<typeof q>(o.repeat ?? 1).fill(q))) {
        const id = messageId++;
        const moveDestination = o.moveDestination ?? callingAe;
        emit({
          type: 'move-request', messageId: id, contextId: moveCtx.id, identifier: query,
          command: withDatasetType(moveRequestCommand({ sopClassUid: model.move, messageId: id, moveDestination }), true),
        });
        const final = await moveScu(assoc, reader, {
          contextId: moveCtx.id,
          sopClassUid: model.move,
          messageId: id,
          moveDestination,
          identifier: encodeDataset(query, moveCtx.transferSyntax),
          dimseTimeoutMs: o.dimseTimeoutMs,
          cancelAfter: o.cancelAfter,
          onCancel: () => emit({ type: 'cancel-request', messageId: id, contextId: moveCtx.id }),
          onResponse: (rsp) => {
            if (!rsp.final && rsp.command.CommandDataSetType !== NO_DATASET) {
              emit({
                type: 'pending-dataset', read: readPending,
                callingAeTitle: assoc.rq.callingAeTitle.trim(), calledAeTitle: assoc.rq.calledAeTitle.trim(),
              });
            }
            // The final response is reported below, once moveScu returns it.
            if (!rsp.final) emit({ type: 'move-response', response: rsp });
            o.onResponse?.(rsp);
          },
        });
        finals.push(final);
        emit({ type: 'move-final', response: final });
      }
    } catch (err) {
      assoc.abort();
      // Whatever broke, it broke after the association was up: one code for "the C-MOVE did not complete".
      const e = err as Error;
      throw new DimseError('MOVE_FAILED', e.message, (err as DimseError).place ?? {}, { cause: err });
    }
    // The archive may release its sub-association just after the final response: let it finish first.
    if (server) await settle(server, acseTimeoutMs, emit);
    if (o.abort) {
      // DCMTK's --abort: an A-ABORT instead of the release, after a complete retrieval (exit code unchanged).
      emit({ type: 'aborting' });
      assoc.abort();
    } else {
      emit({ type: 'releasing' });
      await assoc.release().catch((err: DimseError) => {
        throw new DimseError('RELEASE_FAILED', err.message, err.place ?? {}, { cause: err });
      });
    }
    return { finals, received: server?.received ?? 0 };
  } finally {
    if (server) {
      server.abortAll();
      await server.close();
    }
  }
}

async function settle(server: StorageServer, timeoutMs: number, emit: (e: RetrieveEvent) => void): Promise<void> {
  if (server.openAssociations === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); });
  const done = await Promise.race([server.idle().then(() => false), timedOut]);
  clearTimeout(timer);
  if (done) {
    emit({ type: 'sub-association-lingering', timeoutMs });
    server.abortAll();
  }
}
