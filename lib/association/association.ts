/**
 * One association over one already-connected transport: the state machine of ./fsm.ts driven by PDUs from a
 * PduReader, by the local user (sendPdvs, release, abort) and by the ARTIM timer; and the user-facing
 * `AssociationHandle`. Everything lives in the Association instance: many run side by side in one process.
 *
 * Backpressure: incoming PDVs are pushed into `pdvs`; when it is full we pause the PduReader, which stops
 * taking bytes, which pauses the socket (pipe), which closes the TCP window. Reading `pdvs` resumes them.
 */
import { Readable, type Duplex } from 'node:stream';
import { DimseError } from '../errors';
import { APPLICATION_CONTEXT_NAME, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import { silentLogger, type Logger } from '../log';
import { AbortReason, MINIMUM_PDU_SIZE, RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import { emptyUserInformation } from '../pdu/decode';
import { describePdu } from '../pdu/describe';
import { encodePdu } from '../pdu/encode';
import { PduReader } from '../pdu/pdu-reader';
import type { AssociateAc, AssociateRj, AssociateRq, Pdu, Pdv, PresentationContextAc } from '../pdu/types';
import { AssociationRejectedError } from './errors';
import { actionFor, actions, events, states, type EventId, type FsmContext, type FsmEvent, type Indication, type StateId } from './fsm';
import type {
  AcceptDecision,
  AcceptedContext,
  AcceptorOptions,
  AssociationHandle,
  AssociationLimits,
  AssociationRequest,
  CloseReason,
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

/** A-ABORT reason (PS3.8 table 9-26) for a decoding error of the PDU layer. */
function abortReasonFor(err: Error): number {
  const code = err instanceof DimseError ? err.code : '';
  return code === 'PDU_UNKNOWN_TYPE' ? AbortReason.UnrecognizedPdu : AbortReason.InvalidPduParameterValue;
}

interface Pending<T> {
  resolve(v: T): void;
  reject(e: Error): void;
}

/** PDVs buffered in `pdvs` before we stop reading the socket. */
const PDVS_HIGH_WATER_MARK = 8;

/**
 * The `pdvs` stream. When the association fails, PDVs already buffered are still delivered, in order, and
 * the error follows them (a plain destroy() would drop them and report the error out of order).
 */
class PdvReadable extends Readable {
  private pendingError: Error | null = null;

  failAfterBuffered(err: Error): void {
    if (this.readableLength === 0) this.destroy(err);
    else this.pendingError = err;
  }

  // Flowing mode and async iteration both go through read(): the place to notice the buffer ran dry.
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size);
    const err = this.pendingError;
    if (err && this.readableLength === 0) {
      this.pendingError = null;
      process.nextTick(() => this.destroy(err));
    }
    return chunk;
  }
}

/**
 * The peer's maximum PDU length as we honour it when sending. A maximum that leaves less than 12 bytes of PDV
 * data (1..23) cannot carry a message: DCMTK then sends PDUs of ASC_MINIMUMPDUSIZE (dcmnet/libsrc/assoc.cc), and
 * so do we. 0 stays 0 (no limit); anything else is honoured as advertised.
 */
export function usablePeerMaxPduLength(advertised: number): number {
  return advertised > 0 && advertised < 24 ? MINIMUM_PDU_SIZE : advertised;
}

class Association implements FsmContext, AssociationHandle {
  readonly isRequestor: boolean;
  rq!: AssociateRq;
  ac!: AssociateAc;
  readonly contexts = new Map<number, AcceptedContext>();
  peerMaxPduLength = 0;
  readonly pdvs: PdvReadable;
  readonly closed: Promise<CloseReason>;

  private state: StateId = 'Sta1';
  private readonly socket: Duplex;
  private readonly reader: PduReader;
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
  private socketClosed = false;
  private socketError: Error | null = null;
  private readerDone = false;
  private transportEventSent = false;
  private pausedForConsumer = false;
  private pdvsFinished = false;
  private pendingWrites = 0;
  private flushWaiters: (() => void)[] = [];
  private establish: Pending<AssociationHandle> | null = null;
  private releasing: Pending<void> | null = null;

  constructor(socket: Duplex, isRequestor: boolean, limits: AssociationLimits, logger?: Logger, decide?: AcceptorOptions['decide'],
    /** Acceptor option: the service answers the peer's A-RELEASE-RQ itself (answerRelease). */
    private readonly manualRelease = false) {
    this.socket = socket;
    this.isRequestor = isRequestor;
    this.limits = limits;
    this.log = logger ?? silentLogger;
    this.decide = decide;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.pdvs = new PdvReadable({ objectMode: true, highWaterMark: PDVS_HIGH_WATER_MARK, read: () => this.onPdvsRead() });
    // The error also reaches `closed` and every pending promise; consumers see it through pipeline or
    // for-await. This listener only keeps an unobserved `pdvs` from crashing the process.
    this.pdvs.on('error', () => {});
    this.reader = new PduReader({ maxPduLength: limits.maxPduLength });
    socket.on('error', (err: Error) => {
      this.socketError ??= err;
    });
    socket.on('close', () => this.onSocketClose());
    this.reader.on('data', (pdu: Pdu) => this.onPdu(pdu));
    this.reader.on('error', (err: Error) => this.onReaderError(err));
    this.reader.on('end', () => {
      this.readerDone = true;
      this.maybeTransportClosed();
    });
    socket.pipe(this.reader);
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
        done: (err) => (err ? reject(err) : this.afterWrite(resolve, reject)),
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
      this.whenFlushed(() => {
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
    if (next === 'Sta13') this.drainReader();
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
    const bytes = encodePdu(pdu); // may throw: the action then fails and the state does not change
    if (pdu.type === 'A-RELEASE-RP') this.closeReason ??= { how: 'released' };
    if (this.socket.destroyed || this.socket.writableEnded) return;
    // P-DATA is too frequent for debug; A-ASSOCIATE-RQ / AC are dumped by the services, in DCMTK's layout.
    if (!QUIET_PDUS.has(pdu.type) && this.log.enabled('debug')) this.log.debug(`Sending ${describePdu(pdu)}`);
    this.pendingWrites++;
    this.socket.write(bytes, () => {
      this.pendingWrites--;
      if (this.pendingWrites === 0) for (const w of this.flushWaiters.splice(0)) w();
    });
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
    const s = this.socket;
    if (s.destroyed) return;
    if (!s.writableEnded) s.end();
    // Destroy once what we wrote has been handed over; a peer that never reads cannot hold us.
    this.whenFlushed(() => s.destroy());
    setTimeout(() => s.destroy(), this.limits.artimTimeoutMs).unref();
  }

  checkAssociateRq(rq: AssociateRq): AssociateRj | null {
    // PS3.8 9.3.2: bit 0 of the protocol version is version 1, the one we speak.
    if ((rq.protocolVersion & 0x0001) === 0) {
      return { type: 'A-ASSOCIATE-RJ', result: RejectResult.Permanent, source: RejectSource.ServiceProviderAcse, reason: RejectReason.ProtocolVersionNotSupported };
    }
    return null;
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
        for (const pdv of ind.pdata.pdvs) {
          if (!this.pdvs.push(pdv) && !this.pdvs.destroyed) this.pauseForConsumer();
        }
        break;
      case 'release-request':
        this.endPdvs();
        // Collision on the acceptor side: we answer only after the peer's A-RELEASE-RP (AR-10).
        if (this.manualRelease) break;
        if (!ind.collision || this.isRequestor) this.answerReleaseWhenFlushed();
        break;
      case 'release-confirm': {
        this.closeReason ??= { how: 'released' };
        this.endPdvs();
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
        const cause = ind.error ?? this.socketError ?? undefined;
        const err = new DimseError('CONNECTION_LOST', `Connection lost in state ${this.state} (${states[this.state]})${cause ? `: ${cause.message}` : ''}`, {}, { cause });
        this.closeReason ??= { how: 'connection-lost', error: cause ?? err };
        this.fail(err);
        break;
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private fillContexts(): void {
    const proposed = new Map(this.rq.presentationContexts.map((pc) => [pc.id, pc]));
    for (const pc of this.ac.presentationContexts) {
      const rqPc = proposed.get(pc.id);
      if (pc.result === 0 && rqPc) this.contexts.set(pc.id, { id: pc.id, abstractSyntax: rqPc.abstractSyntax, transferSyntax: pc.transferSyntax });
    }
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
    if (!this.pdvsFinished) {
      this.pdvsFinished = true;
      this.pdvs.failAfterBuffered(err);
    }
  }

  private endPdvs(): void {
    if (this.pdvsFinished) return;
    this.pdvsFinished = true;
    this.pdvs.push(null);
  }

  private async answerRequest(rq: AssociateRq): Promise<void> {
    await Promise.resolve(); // called from inside AE-6: let the machine reach Sta3 first
    let decision: AcceptDecision;
    if (rq.applicationContext !== APPLICATION_CONTEXT_NAME) {
      decision = { accept: false, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.ApplicationContextNameNotSupported };
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
      this.ac = buildAc(rq, decision, this.limits);
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
    this.whenFlushed(() => this.dispatch({ id: 'Evt14', done: () => {} }));
  }

  private whenFlushed(fn: () => void): void {
    if (this.pendingWrites === 0) setImmediate(fn);
    else this.flushWaiters.push(fn);
  }

  private afterWrite(resolve: () => void, reject: (e: Error) => void): void {
    const s = this.socket;
    if (!s.writableNeedDrain) {
      resolve();
      return;
    }
    const onDrain = (): void => {
      s.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      s.off('drain', onDrain);
      reject(this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed before the data were written'));
    };
    s.once('drain', onDrain);
    s.once('close', onClose);
  }

  private pauseForConsumer(): void {
    if (this.pausedForConsumer) return;
    this.pausedForConsumer = true;
    this.reader.pause();
  }

  private onPdvsRead(): void {
    if (!this.pausedForConsumer) return;
    this.pausedForConsumer = false;
    this.reader.resume();
  }

  /** In Sta13 (and at the end) nobody reads PDVs: keep reading so PDUs are handled and the peer's close is seen. */
  private drainReader(): void {
    this.pausedForConsumer = false;
    if (!this.reader.destroyed) this.reader.resume();
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

  private onReaderError(err: Error): void {
    this.readerDone = true;
    // Bytes after a broken PDU mean nothing: discard them, but keep reading so the peer's close is seen.
    this.socket.unpipe(this.reader);
    this.socket.on('data', () => {});
    this.socket.resume();
    if ((err instanceof DimseError && err.code === 'PDU_TRUNCATED') || this.socketClosed) {
      // The peer closed in the middle of a PDU: a lost connection, not a PDU to answer.
      this.socketError ??= err;
      this.maybeTransportClosed();
      return;
    }
    this.dispatch({ id: 'Evt19', error: err, abortReason: abortReasonFor(err) });
  }

  private onSocketClose(): void {
    this.socketClosed = true;
    this.maybeTransportClosed();
    this.resolveClosedIfDone();
  }

  /**
   * Evt17 once the socket is closed and every PDU that arrived before the close has been handled: a peer
   * that sends A-ABORT and closes at once must be seen as aborting, even while our consumer is slow.
   */
  private maybeTransportClosed(): void {
    if (!this.socketClosed || this.transportEventSent) return;
    if (!this.readerDone && this.socket.readableEnded && !this.reader.destroyed) {
      this.drainReader(); // the bytes are in memory already; the reader's 'end' brings us back here
      return;
    }
    this.transportEventSent = true;
    this.dispatch({ id: 'Evt17', error: this.socketError ?? undefined });
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
    if (reason.how === 'released') this.endPdvs();
    else this.fail(this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed'));
    this.settleEstablish(this.failure ?? new DimseError('CONNECTION_LOST', 'Connection closed before the association was established'));
    this.socket.unpipe(this.reader);
    this.reader.destroy();
    this.resolveClosedIfDone();
  }

  private resolveClosedIfDone(): void {
    if (this.state === 'Sta1' && this.socketClosed && this.closeReason) this.resolveClosed(this.closeReason);
  }
}

function buildAc(rq: AssociateRq, d: Extract<AcceptDecision, { accept: true }>, limits: AssociationLimits): AssociateAc {
  const answers = new Map(d.contexts.map((c) => [c.id, c]));
  const presentationContexts: PresentationContextAc[] = rq.presentationContexts.map((pc) => {
    const a = answers.get(pc.id);
    // A context the decision does not mention was not accepted by the user (PS3.8 table 9-18, result 1).
    if (!a) return { id: pc.id, result: 1, transferSyntax: pc.transferSyntaxes[0] ?? '' };
    return { id: pc.id, result: a.result, transferSyntax: a.transferSyntax || (pc.transferSyntaxes[0] ?? '') };
  });
  return {
    type: 'A-ASSOCIATE-AC',
    protocolVersion: 1,
    calledAeTitle: rq.calledAeTitle,
    callingAeTitle: rq.callingAeTitle,
    applicationContext: APPLICATION_CONTEXT_NAME,
    presentationContexts,
    userInfo: {
      ...emptyUserInformation(),
      implementationClassUid: IMPLEMENTATION_CLASS_UID,
      implementationVersionName: IMPLEMENTATION_VERSION_NAME,
      ...d.userInfo,
      maxPduLength: limits.maxPduLength,
    },
  };
}

/** The A-ASSOCIATE-RQ we send for a request: our implementation ids and max PDU length filled in. */
export function buildAssociateRq(req: AssociationRequest, limits: AssociationLimits): AssociateRq {
  return {
    type: 'A-ASSOCIATE-RQ',
    protocolVersion: 1,
    calledAeTitle: req.calledAeTitle,
    callingAeTitle: req.callingAeTitle,
    applicationContext: APPLICATION_CONTEXT_NAME,
    presentationContexts: req.presentationContexts,
    userInfo: {
      ...emptyUserInformation(),
      implementationClassUid: IMPLEMENTATION_CLASS_UID,
      implementationVersionName: IMPLEMENTATION_VERSION_NAME,
      ...req.userInfo,
      maxPduLength: limits.maxPduLength,
    },
  };
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
  return new Association(socket, true, opts, opts.logger).request(rq);
}

/**
 * Association acceptor: waits (ARTIM) for the A-ASSOCIATE-RQ, asks `opts.decide`, and answers with an
 * A-ASSOCIATE-AC (resolves) or -RJ (rejects with an AssociationRejectedError whose `byUs` is true, then
 * waits for the peer to close, bounded by ARTIM, and closes).
 */
export function acceptAssociation(socket: Duplex, opts: AcceptorOptions): Promise<AssociationHandle> {
  if (socket.destroyed) return Promise.reject(closedSocketError());
  return new Association(socket, false, opts, opts.logger, opts.decide.bind(opts), opts.release === 'manual').accept();
}
