import type { AssociateAc, AssociateRj, AssociateRq, Pdv, PresentationContextRq, UserInformation } from '../pdu/types';
import type { Logger } from '../log';

/** A presentation context both sides agreed on. */
export interface AcceptedContext {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
}

export interface AssociationLimits {
  /** Our maximum received PDU length (PS3.8 D.1), advertised to the peer and enforced on P-DATA-TF. DCMTK: 16384. */
  maxPduLength: number;
  /** ARTIM timer in ms (DCMTK -ta: 30 s). */
  artimTimeoutMs: number;
}

/** What the requestor (SCU) proposes. */
export interface AssociationRequest {
  callingAeTitle: string;
  calledAeTitle: string;
  presentationContexts: PresentationContextRq[];
  /** Extra user information (role selection, identity); max PDU and implementation ids are filled in. */
  userInfo?: Partial<UserInformation>;
}

/**
 * The acceptor's answer to an A-ASSOCIATE-RQ: accept with per-context results, or reject with
 * result/source/reason as they go into the A-ASSOCIATE-RJ.
 */
export type AcceptDecision =
  | { accept: true; contexts: { id: number; result: number; transferSyntax: string }[]; userInfo?: Partial<UserInformation> }
  | { accept: false; result: number; source: number; reason: number };

/** How an association ended. */
export type CloseReason =
  | { how: 'released' }
  | { how: 'aborted-by-us'; error?: Error }
  | { how: 'aborted-by-peer'; source: number; reason: number }
  | { how: 'connection-lost'; error?: Error };

/**
 * Where an association hands its incoming PDVs: one call per PDV of each P-DATA-TF, in order, as the PDU is parsed
 * from the socket (no queue, no promise in between).
 */
export interface PdvSink {
  pdv(pdv: Pdv): void;
  /** The peer released the association: no PDV follows. */
  end(): void;
  /** The association ended otherwise (an A-ABORT, a lost connection, a protocol error): no PDV follows. */
  fail(err: Error): void;
}

/**
 * The public face of an established association, whatever side opened it.
 *
 * Incoming: `receivePdvs` names the one sink of the PDVs of received P-DATA-TF PDUs (those that came before it are
 * handed over first). The sink holds the socket back with `pauseReading` (backpressure: the TCP window closes) and
 * lets it go with `resumeReading`. The PDVs end when the peer releases (we answer the A-RELEASE-RP ourselves once
 * everything queued to send has been written) or the association ends otherwise.
 *
 * Outgoing: `sendPdvs` puts PDVs into P-DATA-TF PDUs (the caller has already split values to fit the
 * peer's maximum PDU length) and resolves when the socket has taken them (drain honoured).
 */
export interface AssociationHandle {
  readonly rq: AssociateRq;
  readonly ac: AssociateAc;
  /** Accepted presentation contexts by id. */
  readonly contexts: ReadonlyMap<number, AcceptedContext>;
  /** Peer's maximum PDU length as we honour it (usablePeerMaxPduLength); 0 means unlimited. */
  readonly peerMaxPduLength: number;
  receivePdvs(sink: PdvSink): void;
  pauseReading(): void;
  resumeReading(): void;
  sendPdvs(pdvs: Pdv[]): Promise<void>;
  /** A-RELEASE-RQ, then wait for A-RELEASE-RP (and the release collision rules). */
  release(): Promise<void>;
  /** A-ABORT (source 0: service user) and close. */
  abort(): void;
  /** With `release: 'manual'`: answer the peer's A-RELEASE-RQ now (nothing if none is waiting). */
  answerRelease(): void;
  /** Resolves once the transport is closed, with how it ended. */
  readonly closed: Promise<CloseReason>;
}

export interface RequestorOptions extends AssociationLimits {
  logger?: Logger;
}

export interface AcceptorOptions extends AssociationLimits {
  logger?: Logger;
  /** Decides on the request; may be async (e.g. to check a destination). */
  decide(rq: AssociateRq): AcceptDecision | Promise<AcceptDecision>;
  /**
   * 'manual': the peer's A-RELEASE-RQ is answered only when the service calls answerRelease(), i.e. after it has
   * sent every response it owes (a peer may release before it has our last C-STORE-RSP: PS3.8 lets us still send
   * P-DATA in Sta8). Default 'auto': answered once what is already written has gone.
   */
  release?: 'auto' | 'manual';
}

/** Thrown by the requestor when the peer answers with an A-ASSOCIATE-RJ. */
export interface RejectedInfo { rj: AssociateRj }

/** What an acceptor answers with of its own (the requestor's are in its A-ASSOCIATE-RQ). */
export interface OwnParameters {
  implementationClassUid: string;
  implementationVersionName: string;
  maxPduLength: number;
}
