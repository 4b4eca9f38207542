/**
 * One association over one already-connected transport (transport.ts: the socket, its PDU parser and encoder): the
 * state machine of ./fsm.ts driven by the PDUs the transport reads, by the local user (sendPdvs, release, abort) and
 * by the ARTIM timer; and the user-facing `AssociationHandle`. Everything lives in the Association instance: many
 * run side by side in one process.
 *
 * Backpressure: incoming PDVs go to the service's sink as they are parsed (pdv-inbox.ts); the sink pauses reading
 * (pauseReading), which pauses the socket, which closes the TCP window; resumeReading lets it go.
 */
import type { Duplex } from 'node:stream';
import { DimseError } from '../errors';
import { silentLogger, type Logger } from '../log';
import { AbortReason, RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import { describePdu } from '../pdu/describe';
import { encodePdu } from '../pdu/encode';
import type { AssociateAc, AssociateRj, AssociateRq, Pdu, Pdv } from '../pdu/types';
import { AssociationRejectedError } from './errors';
import { PdvInbox } from './pdv-inbox';
import { actionFor, actions, events, states, type EventId, type FsmContext, type FsmEvent, type Indication, type StateId } from './fsm';
import {
  acceptedContexts, applicationContextRejection, buildAssociateAc, buildAssociateRq, protocolVersionRejection, usablePeerMaxPduLength,
} from './negotiation';
import { Transport } from './transport';
import type {
  AcceptDecision,
  AcceptedContext,
  AcceptorOptions,
  AssociationHandle,
  AssociationLimits,
  AssociationRequest,
  CloseReason,
  PdvSink,
  RequestorOptions,
} from './types';

const PDU_EVENTS: Readonly<Record<Pdu['type'], EventId>> = {
  'A-ASSOCIATE-RQ': 'Evt6',
  'A-ASSOCIATE-AC': 'Evt3',
  'A-ASSOCIATE-RJ': 'Evt4',
  'P-DATA-TF': 'Evt10',
  'A-RELEASE-RQ': 'Evt12',
  'A-RELEASE-RP': 'Evt13',
  'A-ABORT': 'Evt16',
};

interface Pending<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

class Association implements FsmContext, AssociationHandle {
  readonly isRequestor: boolean;
  rq!: AssociateRq;
  ac!: AssociateAc;
  readonly contexts = new Map<number, AcceptedContext>();
  peerMaxPduLength = 0;
  private readonly inbox: PdvInbox;
  readonly closed: Promise<CloseReason>;

  private state: StateId = 'Sta1';
  private readonly transport: Transport;
  private readonly log: Logger;
  private readonly limits: AssociationLimits;
  private readonly decide?: AcceptorOptions['decide'];
  private resolveClosed!: (r: CloseReason) => void;
  private closeReason: CloseReason | null = null;
  /** The first error that ended (or will end) the association. */
  private failure: Error | null = null;
  private artim: NodeJS.Timeout | null = null;
  private readonly queue: FsmEvent[] = [];
  private running = false;
  private establish: Pending<AssociationHandle> | null = null;
  private releasing: Pending<void> | null = null;

  constructor(transport: Transport, isRequestor: boolean, limits: AssociationLimits, logger?: Logger, decide?: AcceptorOptions['decide'],
    /** Acceptor option: the service answers the peer's A-RELEASE-RQ itself (answerRelease). */
    private readonly manualRelease = false) {
    this.isRequestor = isRequestor;
    this.limits = limits;
    this.log = logger ?? silentLogger;
    this.decide = decide;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.inbox = new PdvInbox({ pause: () => this.pauseReading(), resume: () => this.resumeReading() });
    this.transport = transport;
    transport.start({
      pdu: (pdu) => this.onPdu(pdu),
      broken: (error, abortReason) => this.dispatch({ id: 'Evt19', error, abortReason }),
      closed: (error) => this.dispatch({ id: 'Evt17', error }),
      socketGone: () => this.resolveClosedIfDone(),
    });
  }

  // ---- starting ---------------------------------------------------------------------------------------

  request(rq: AssociateRq): Promise<AssociationHandle> {
    this.rq = rq;
    return new Promise((resolve, reject) => {
      this.establish = { resolve, reject };
      this.dispatch({ id: 'Evt1' });
      this.dispatch({ id: 'Evt2', pdu: rq });
    });
  }

  accept(): Promise<AssociationHandle> {
    return new Promise((resolve, reject) => {
      this.establish = { resolve, reject };
      this.dispatch({ id: 'Evt5' });
    });
  }

  // ---- AssociationHandle ------------------------------------------------------------------------------

  receivePdvs(sink: PdvSink): void {
    this.inbox.attach(sink);
  }

  pauseReading(): void {
    // Sta13 and later: nothing consumes PDVs any more, the transport keeps reading to see the close.
    if (this.state !== 'Sta13' && this.state !== 'Sta1') this.transport.pauseForConsumer();
  }

  resumeReading(): void {
    this.transport.resumeForConsumer();
  }

  sendPdvs(pdvs: Pdv[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let size = 0;
      for (const v of pdvs) {
        size += 6 + v.data.length;
        if (!this.contexts.has(v.contextId)) {
          reject(new DimseError('ASSOC_BAD_CONTEXT_ID', `Cannot send on presentation context ${v.contextId}: it was not accepted`, { contextId: v.contextId }));
          return;
        }
      }
      if (this.peerMaxPduLength > 0 && size > this.peerMaxPduLength) {
        reject(new DimseError('PDU_TOO_LONG', `P-DATA-TF of ${size} bytes exceeds the peer's maximum PDU length ${this.peerMaxPduLength}`, { pduType: 0x04 }));
        return;
      }
      this.dispatch({
        id: 'Evt9',
        pdu: { type: 'P-DATA-TF', pdvs },
        done: (err) => (err ? reject(err) : this.transport.afterWrite(resolve, reject,
          () => this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed before the data were written'))),
      });
    });
  }

  release(): Promise<void> {
    if (this.releasing) return Promise.reject(new DimseError('ASSOC_INVALID_STATE', 'A release is already in progress'));
    return new Promise((resolve, reject) => {
      this.releasing = { resolve, reject };
      this.dispatch({
        id: 'Evt11',
        done: (err) => {
          if (err) {
            this.releasing = null;
            reject(err);
          }
        },
      });
    });
  }

  abort(): void {
    this.dispatch({ id: 'Evt15', done: () => {} });
    // DCMTK (DUL_AbortAssociation) does not wait for the peer to close after our A-ABORT: it looks once for a PDU
    // already there and otherwise closes, as on ARTIM expiry. A peer that keeps the connection open (a stalled
    // sub-association cut by -td) must not hold us for the whole ARTIM timeout.
    if (this.state === 'Sta13') {
      this.transport.whenFlushed(() => {
        if (this.state !== 'Sta13') return;
        this.stopArtim();
        this.dispatch({ id: 'Evt18' });
      });
    }
  }

  // ---- the machine ------------------------------------------------------------------------------------

  /** Events are handled one at a time, in order, even when an action's side effects raise new ones. */
  private dispatch(ev: FsmEvent): void {
    this.queue.push(ev);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next);
    } finally {
      this.running = false;
    }
  }

  private step(ev: FsmEvent): void {
    const from = this.state;
    const actionId = actionFor(ev.id, from);
    if (!actionId) {
      // Once the association has ended, a request fails with the reason it ended (a peer's A-ABORT), not the state.
      const err = from === 'Sta1' && this.failure
        ? this.failure
        : new DimseError('ASSOC_INVALID_STATE', `${events[ev.id]} is not possible in state ${from} (${states[from]})`);
      if (ev.done) ev.done(err);
      else this.log.trace(`Association: ignored ${ev.id} in ${from}`);
      return;
    }
    this.noteProtocolError(ev, actionId, from);
    const def = actions[actionId];
    let next: StateId;
    try {
      next = def.run(this, ev) || def.next[0];
    } catch (err) {
      // An action failed before changing anything the peer can see (e.g. a PDU we could not encode).
      const e = err instanceof Error ? err : new Error(String(err));
      if (ev.done) ev.done(e);
      else this.log.error(`Association: ${actionId} failed in ${from}: ${e.message}`);
      return;
    }
    this.state = next;
    this.log.trace(`Association: ${from} + ${ev.id} -> ${actionId} -> ${next}`);
    ev.done?.();
    if (next === 'Sta13') this.transport.drain();
    if (next === 'Sta1') this.finish();
  }

  /** AA-8 and the PDU-caused AA-1 / AA-7 are protocol errors: give them an error and one log line. */
  private noteProtocolError(ev: FsmEvent, actionId: string, from: StateId): void {
    const peerCaused = ev.id !== 'Evt15' && (actionId === 'AA-8' || actionId === 'AA-1' || actionId === 'AA-7');
    if (!peerCaused) return;
    if (!ev.error) {
      const what = ev.pdu ? `${ev.pdu.type} PDU` : events[ev.id];
      ev.error = new DimseError('ASSOC_UNEXPECTED_PDU', `Unexpected ${what} in state ${from} (${states[from]})`);
      ev.abortReason ??= AbortReason.UnexpectedPdu;
    }
    const reason = ev.abortReason ?? AbortReason.UnexpectedPdu;
    this.log.error(`DICOM protocol error: ${ev.error.message}; sending A-ABORT (source 2, reason ${reason})`);
  }

  // ---- FsmContext -------------------------------------------------------------------------------------

  send(pdu: Pdu): void {
    // May throw (a PDU that cannot be encoded): the action then fails and the state does not change.
    const written = this.transport.send(pdu);
    if (pdu.type === 'A-RELEASE-RP') this.closeReason ??= { how: 'released' };
    // P-DATA is too frequent for debug; A-ASSOCIATE-RQ / AC are dumped by the services, in DCMTK's layout.
    if (written && !QUIET_PDUS.has(pdu.type) && this.log.enabled('debug')) this.log.debug(`Sending ${describePdu(pdu)}`);
  }

  startArtim(): void {
    this.stopArtim();
    this.artim = setTimeout(() => this.onTimer(), this.limits.artimTimeoutMs);
    // The socket keeps the process alive while it matters; a stray timer must not.
    this.artim.unref();
  }

  stopArtim(): void {
    if (this.artim) clearTimeout(this.artim);
    this.artim = null;
  }

  closeTransport(): void {
    this.transport.close(this.limits.artimTimeoutMs);
  }

  checkAssociateRq(rq: AssociateRq): AssociateRj | null {
    return protocolVersionRejection(rq);
  }

  indicate(ind: Indication): void {
    switch (ind.kind) {
      case 'associate-accepted':
        this.ac = ind.ac;
        this.peerMaxPduLength = usablePeerMaxPduLength(ind.ac.userInfo.maxPduLength);
        this.fillContexts();
        this.settleEstablish(null);
        break;
      case 'associate-rejected':
        this.fail(new AssociationRejectedError(ind.rj, false));
        break;
      case 'associate-request':
        this.rq = ind.rq;
        this.peerMaxPduLength = usablePeerMaxPduLength(ind.rq.userInfo.maxPduLength);
        void this.answerRequest(ind.rq);
        break;
      case 'associate-established':
        this.fillContexts();
        this.settleEstablish(null);
        break;
      case 'data':
        for (const pdv of ind.pdata.pdvs) this.inbox.deliver(pdv);
        break;
      case 'release-request':
        this.inbox.finish();
        // Collision on the acceptor side: we answer only after the peer's A-RELEASE-RP (AR-10).
        if (this.manualRelease) break;
        if (!ind.collision || this.isRequestor) this.answerReleaseWhenFlushed();
        break;
      case 'release-confirm': {
        this.closeReason ??= { how: 'released' };
        this.inbox.finish();
        const r = this.releasing;
        this.releasing = null;
        r?.resolve();
        if (this.state === 'Sta10') this.answerReleaseWhenFlushed();
        break;
      }
      case 'abort':
        this.closeReason ??= { how: 'aborted-by-peer', source: ind.abort.source, reason: ind.abort.reason };
        this.fail(new DimseError('ASSOC_ABORTED', `Association aborted by the peer (A-ABORT source ${ind.abort.source}, reason ${ind.abort.reason})`, { pduType: 0x07 }));
        break;
      case 'provider-abort':
        this.closeReason ??= { how: 'aborted-by-us', error: ind.error };
        this.fail(ind.error);
        break;
      case 'local-abort': {
        const err = ind.error ?? new DimseError('ASSOC_ABORTED', 'Association aborted by the local user');
        this.closeReason ??= { how: 'aborted-by-us', error: ind.error };
        this.fail(err);
        break;
      }
      case 'transport-closed': {
        const cause = ind.error ?? this.transport.error ?? undefined;
        const err = new DimseError('CONNECTION_LOST', `Connection lost in state ${this.state} (${states[this.state]})${cause ? `: ${cause.message}` : ''}`, {}, { cause });
        this.closeReason ??= { how: 'connection-lost', error: cause ?? err };
        this.fail(err);
        break;
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private fillContexts(): void {
    for (const [id, c] of acceptedContexts(this.rq, this.ac)) this.contexts.set(id, c);
  }

  private settleEstablish(err: Error | null): void {
    const e = this.establish;
    if (!e) return;
    this.establish = null;
    if (err) e.reject(err);
    else e.resolve(this);
  }

  /** Records the first failure and passes it to whoever waits: the establishment, a release, the PDV reader. */
  private fail(err: Error): void {
    this.failure ??= err;
    this.settleEstablish(err);
    const r = this.releasing;
    this.releasing = null;
    r?.reject(err);
    this.inbox.fail(err);
  }

  private async answerRequest(rq: AssociateRq): Promise<void> {
    await Promise.resolve(); // called from inside AE-6: let the machine reach Sta3 first
    let decision: AcceptDecision;
    const refused = applicationContextRejection(rq);
    if (refused) {
      decision = refused;
    } else {
      try {
        if (!this.decide) throw new Error('no decide() given');
        decision = await this.decide(rq);
      } catch (err) {
        this.log.error(`Association: deciding on the A-ASSOCIATE-RQ failed: ${err instanceof Error ? err.message : String(err)}`);
        decision = { accept: false, result: RejectResult.Transient, source: RejectSource.ServiceUser, reason: RejectReason.NoReasonGiven };
      }
    }
    if (this.state !== 'Sta3') return; // aborted or closed while the user decided
    if (decision.accept) {
      this.ac = buildAssociateAc(rq, decision, this.limits);
      this.dispatch({
        id: 'Evt7',
        pdu: this.ac,
        done: (err) => {
          if (err) this.dispatch({ id: 'Evt15', error: err });
        },
      });
    } else {
      const rj: AssociateRj = { type: 'A-ASSOCIATE-RJ', result: decision.result, source: decision.source, reason: decision.reason };
      this.dispatch({ id: 'Evt8', pdu: rj });
      this.settleEstablish(new AssociationRejectedError(rj, true));
    }
  }

  /** With release 'manual': the service has sent what it owed; answer the peer's release (Sta8), if one waits. */
  answerRelease(): void {
    if (this.state === 'Sta8') this.answerReleaseWhenFlushed();
  }

  /** The A-RELEASE-RP goes out after everything already queued for the peer has been written. */
  private answerReleaseWhenFlushed(): void {
    this.transport.whenFlushed(() => this.dispatch({ id: 'Evt14', done: () => {} }));
  }


  private onPdu(pdu: Pdu): void {
    if (pdu.type === 'P-DATA-TF' && (this.state === 'Sta6' || this.state === 'Sta7')) {
      const bad = pdu.pdvs.find((v) => !this.contexts.has(v.contextId));
      if (bad) {
        this.dispatch({
          id: 'Evt19',
          pdu,
          abortReason: AbortReason.InvalidPduParameterValue,
          error: new DimseError('ASSOC_BAD_CONTEXT_ID', `P-DATA-TF carries a PDV for presentation context ${bad.contextId}, which was not accepted`, {
            pduType: 0x04,
            contextId: bad.contextId,
          }),
        });
        return;
      }
    }
    if (!QUIET_PDUS.has(pdu.type) && this.log.enabled('debug')) this.log.debug(`Received ${describePdu(pdu)}`);
    this.dispatch({ id: PDU_EVENTS[pdu.type], pdu });
  }

  private onTimer(): void {
    this.artim = null;
    const err = new DimseError('ARTIM_EXPIRED', `ARTIM timer expired after ${this.limits.artimTimeoutMs} ms in state ${this.state} (${states[this.state]})`);
    if (this.state === 'Sta2' || this.state === 'Sta13') {
      if (this.state === 'Sta2') this.fail(err);
      else this.log.debug('Association: ARTIM expired awaiting the peer\'s close; closing the connection');
      this.dispatch({ id: 'Evt18' });
    } else {
      // Our own limit on waiting for the peer's A-ASSOCIATE-AC/RJ or A-RELEASE-RP (DCMTK: the ACSE timeout).
      this.dispatch({ id: 'Evt15', error: err });
    }
  }

  /** Sta1: the association is over. Close everything and settle every promise. */
  private finish(): void {
    this.stopArtim();
    this.closeTransport();
    const reason = this.closeReason ?? { how: 'connection-lost', error: this.failure ?? undefined };
    this.closeReason = reason;
    if (reason.how === 'released') this.inbox.finish();
    else this.fail(this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed'));
    this.settleEstablish(this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed before the association was established'));
    this.transport.detach();
    this.resolveClosedIfDone();
  }

  private resolveClosedIfDone(): void {
    if (this.state === 'Sta1' && this.transport.isClosed && this.closeReason) this.resolveClosed(this.closeReason);
  }
}

/** PDUs not logged one by one: P-DATA is too frequent; the associate PDUs are dumped by the services (DCMTK's layout). */
const QUIET_PDUS: ReadonlySet<string> = new Set(['P-DATA-TF', 'A-ASSOCIATE-RQ', 'A-ASSOCIATE-AC']);

function closedSocketError(): DimseError {
  return new DimseError('CONNECTION_LOST', 'The transport connection is already closed');
}

/**
 * Association requestor: sends the A-ASSOCIATE-RQ on an already connected socket and resolves on the
 * A-ASSOCIATE-AC. Rejects with ASSOC_REJECTED (an AssociationRejectedError with `rj`), ASSOC_ABORTED,
 * ARTIM_EXPIRED (no answer within artimTimeoutMs), CONNECTION_LOST, or PDU_BAD_VALUE for a request that
 * cannot be encoded (e.g. an AE title over 16 characters).
 */
export function requestAssociation(socket: Duplex, req: AssociationRequest, opts: RequestorOptions): Promise<AssociationHandle> {
  const rq = buildAssociateRq(req, opts);
  try {
    encodePdu(rq); // the caller's mistakes are reported before anything touches the socket
  } catch (err) {
    return Promise.reject(err);
  }
  if (socket.destroyed) return Promise.reject(closedSocketError());
  return new Association(new Transport(socket, opts.maxPduLength), true, opts, opts.logger).request(rq);
}

/**
 * Association acceptor: waits (ARTIM) for the A-ASSOCIATE-RQ, asks `opts.decide`, and answers with an
 * A-ASSOCIATE-AC (resolves) or -RJ (rejects with an AssociationRejectedError whose `byUs` is true, then
 * waits for the peer to close, bounded by ARTIM, and closes).
 */
export function acceptAssociation(socket: Duplex, opts: AcceptorOptions): Promise<AssociationHandle> {
  return acceptOver(new Transport(socket, opts.maxPduLength), opts);
}

/** acceptAssociation over a transport its caller made (the way in, services/way-in.ts, composes the layers itself). */
export function acceptOver(transport: Transport, opts: AcceptorOptions): Promise<AssociationHandle> {
  if (transport.isGone) return Promise.reject(closedSocketError());
  return new Association(transport, false, opts, opts.logger, opts.decide.bind(opts), opts.release === 'manual').accept();
}
