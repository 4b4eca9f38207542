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
import { buildAssociateRq, requestAssociation } from '../association/association';
import type { AssociationHandle } from '../association/types';
import { encodeDataset } from '../dataset/encode';
import { dumpDataset } from '../dcmtk/dataset-dump';
import type { DataElement } from '../dataset/element';
import { TS } from '../dataset/uids';
import { QUERY_MODELS, type QueryModel } from './sop-classes';
import { DEFAULT_ACSE_TIMEOUT_MS, DEFAULT_AE_TITLE, DEFAULT_MAX_PDU, DEFAULT_PEER_AE_TITLE } from '../defaults';
import { messagesOf } from '../dimse/messages';
import { moveOutcome, moveStatusString } from '../dimse/status';
import { dcmtkMaxSendPdv, dumpDimseMessage, moveResponseStatusDetail } from '../dcmtk/dimse-dump';
import { DimseError } from '../errors';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { filePrefix } from '../dcmtk/prefixes';
import { withDatasetType } from '../dimse/writer';
import { moveRequestCommand, moveScu, pendingWithoutDataset, type MoveResponse } from './move-scu';
import { NO_DATASET } from '../dimse/command-field';
import type { ReceivedObject } from '../received-object';
import { StorageServer } from './storage-server';
import type { StoreProgress } from './store-scp';
import { dumpAssociationParameters } from '../dcmtk/association-dump';
import { connectTcp } from './connect';

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
  const maxPduLength = o.maxPduLength ?? DEFAULT_MAX_PDU;
  const acseTimeoutMs = o.acseTimeoutMs ?? DEFAULT_ACSE_TIMEOUT_MS;
  const callingAe = o.callingAeTitle ?? DEFAULT_AE_TITLE;
  const model = QUERY_MODELS[o.model ?? 'patient'];
  let server: StorageServer | null = null;
  if (o.listenPort !== null && o.listenPort !== undefined) {
    server = new StorageServer({
      port: o.listenPort, deliver, logger: log, maxPduLength, acseTimeoutMs,
      transferSyntaxes: o.acceptTransferSyntaxes, describe: (uid) => filePrefix(uid), onProgress: o.onStoreProgress,
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
    // movescu.cc: the parameters at debug level first, then "Requesting Association".
    if (log.enabled('debug')) log.debug(['Request Parameters:', ...dumpAssociationParameters({ side: 'requestor', rq: buildAssociateRq(request, limits) })].join('\n'));
    log.info('Requesting Association');
    let assoc: AssociationHandle;
    try {
      assoc = await requestAssociation(socket, request, limits);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    if (log.enabled('debug')) log.debug(['Association Parameters Negotiated:', ...dumpAssociationParameters({ side: 'requestor', rq: assoc.rq, ac: assoc.ac })].join('\n'));
    if (assoc.contexts.size === 0) {
      assoc.abort();
      throw new DimseError('NO_PRESENTATION_CONTEXT', 'No Acceptable Presentation Contexts');
    }
    log.info(`Association Accepted (Max Send PDV: ${dcmtkMaxSendPdv(assoc.peerMaxPduLength)})`);
    const moveCtx = [...assoc.contexts.values()].find((c) => c.abstractSyntax === model.move);
    if (!moveCtx) {
      assoc.abort();
      throw new DimseError('NO_PRESENTATION_CONTEXT', `the peer did not accept ${model.move} (C-MOVE)`);
    }
    const readPending = o.pendingDatasets === 'read';
    const reader = messagesOf(assoc, readPending ? {} : { ignoreDatasetOf: pendingWithoutDataset });
    // dcmnet's DIMSE_warn_str: the association's calling and called AE titles.
    const dimseWarning = `DIMSE Warning: (${assoc.rq.callingAeTitle.trim()},${assoc.rq.calledAeTitle.trim()}): `;
    const finals: MoveResponse[] = [];
    let messageId = 1;
    try {
      // DCMTK's --repeat: each query's C-MOVE n times in a row, on the same association, each with its own message ID.
      for (const query of o.queries.flatMap((q) => Array<typeof q>(o.repeat ?? 1).fill(q))) {
        const id = messageId++;
        // movescu.cc: at debug level the message dump replaces the "(MsgID n)" and "(status)" parts of the info lines.
        const debug = log.enabled('debug');
        const moveDestination = o.moveDestination ?? callingAe;
        if (debug) {
          log.info('Sending Move Request');
          log.debug(dumpDimseMessage(withDatasetType(moveRequestCommand({ sopClassUid: model.move, messageId: id, moveDestination }), true), 'outgoing', moveCtx.id));
        } else {
          log.info(`Sending Move Request (MsgID ${id})`);
        }
        if (log.enabled('info')) log.info(`Request Identifiers:\n${dumpDataset(query)}`);
        const final = await moveScu(assoc, reader, {
          contextId: moveCtx.id,
          sopClassUid: model.move,
          messageId: id,
          moveDestination,
          identifier: encodeDataset(query, moveCtx.transferSyntax),
          dimseTimeoutMs: o.dimseTimeoutMs,
          cancelAfter: o.cancelAfter,
          onCancel: () => log.info(`Sending Cancel Request (MsgID ${id}, PresID ${moveCtx.id})`),
          onResponse: (rsp) => {
            if (!rsp.final && rsp.command.CommandDataSetType !== NO_DATASET) {
              // dcmnet's DIMSE_moveUser, before it hands the response on.
              log.warn(`${dimseWarning}moveUser: Status Pending, but DataSetType!=NULL`);
              log.warn(dimseWarning + (readPending ? 'Reading but ignoring response identifier set' : 'Assuming NO response identifiers are present'));
            }
            if (rsp.final) {
              // DCMTK's move callback sees the pending responses only; the final one is logged below.
            } else if (debug) {
              log.info(`Received Move Response ${rsp.index}`);
              log.debug(dumpDimseMessage(rsp.command, 'incoming'));
            } else {
              log.info(`Received Move Response ${rsp.index} (${moveStatusString(rsp.status)})`);
            }
            o.onResponse?.(rsp);
          },
        });
        finals.push(final);
        // DCMTK warns before it reports the final response.
        const outcome = moveOutcome(final.status);
        if (outcome !== 'ok') log.warn(`Move response with ${outcome} status (${moveStatusString(final.status)})`);
        if (debug) {
          log.info('Received Final Move Response');
          log.debug(dumpDimseMessage(final.command, 'incoming'));
        } else {
          log.info(`Received Final Move Response (${moveStatusString(final.status)})`);
        }
        const detail = moveResponseStatusDetail(final.command);
        if (detail.length > 0 && debug) log.debug(`Status Detail:\n${dumpDataset(detail, 'Little Endian Implicit')}`);
      }
    } catch (err) {
      assoc.abort();
      // Whatever broke, it broke after the association was up: one code for "the C-MOVE did not complete".
      const e = err as Error;
      throw new DimseError('MOVE_FAILED', e.message, (err as DimseError).place ?? {}, { cause: err });
    }
    // The archive may release its sub-association just after the final response: let it finish first.
    if (server) await settle(server, acseTimeoutMs, log);
    if (o.abort) {
      // DCMTK's --abort: an A-ABORT instead of the release, after a complete retrieval (exit code unchanged).
      log.info('Aborting Association');
      assoc.abort();
    } else {
      log.info('Releasing Association');
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

async function settle(server: StorageServer, timeoutMs: number, log: Logger): Promise<void> {
  if (server.openAssociations === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); });
  const done = await Promise.race([server.idle().then(() => false), timedOut]);
  clearTimeout(timer);
  if (done) {
    log.warn(`sub-association still open ${timeoutMs / 1000} s after the final move response: aborting it`);
    server.abortAll();
  }
}
