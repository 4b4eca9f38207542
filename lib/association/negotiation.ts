/**
 * What the two sides of an association agree on (PS3.8 9.3.2-9.3.3, 7.1.1.13): the A-ASSOCIATE-RQ we send, the
 * A-ASSOCIATE-AC we answer with, the presentation contexts both then use, and the peer's maximum PDU length as we
 * honour it. Pure functions: the association calls them, the state machine never sees them.
 */
import { APPLICATION_CONTEXT_NAME, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../implementation';
import { MINIMUM_PDU_SIZE, RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import { emptyUserInformation } from '../pdu/decode';
import type { AssociateAc, AssociateRj, AssociateRq, PresentationContextAc } from '../pdu/types';
import type { AcceptDecision, AcceptedContext, AssociationLimits, AssociationRequest } from './types';

/**
 * The peer's maximum PDU length as we honour it when sending. A maximum that leaves less than 12 bytes of PDV
 * data (1..23) cannot carry a message: DCMTK then sends PDUs of ASC_MINIMUMPDUSIZE (dcmnet/libsrc/assoc.cc), and
 * so do we. 0 stays 0 (no limit); anything else is honoured as advertised.
 */
export function usablePeerMaxPduLength(advertised: number): number {
  return advertised > 0 && advertised < 24 ? MINIMUM_PDU_SIZE : advertised;
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

/** The A-ASSOCIATE-AC for an accepted request: each context as the decision answered it, our ids and limits. */
export function buildAssociateAc(rq: AssociateRq, d: Extract<AcceptDecision, { accept: true }>, limits: AssociationLimits): AssociateAc {
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

/** The contexts both sides use: those the AC accepts (result 0) that the RQ proposed, with the chosen syntax. */
export function acceptedContexts(rq: AssociateRq, ac: AssociateAc): Map<number, AcceptedContext> {
  const proposed = new Map(rq.presentationContexts.map((pc) => [pc.id, pc]));
  const out = new Map<number, AcceptedContext>();
  for (const pc of ac.presentationContexts) {
    const rqPc = proposed.get(pc.id);
    if (pc.result === 0 && rqPc) out.set(pc.id, { id: pc.id, abstractSyntax: rqPc.abstractSyntax, transferSyntax: pc.transferSyntax });
  }
  return out;
}

/** PS3.8 9.3.2: bit 0 of the protocol version is version 1, the one we speak; anything else is refused by the provider. */
export function protocolVersionRejection(rq: AssociateRq): AssociateRj | null {
  if ((rq.protocolVersion & 0x0001) !== 0) return null;
  return { type: 'A-ASSOCIATE-RJ', result: RejectResult.Permanent, source: RejectSource.ServiceProviderAcse, reason: RejectReason.ProtocolVersionNotSupported };
}

/** The service user's refusal of a request whose application context is not DICOM's. */
export function applicationContextRejection(rq: AssociateRq): AcceptDecision | null {
  if (rq.applicationContext === APPLICATION_CONTEXT_NAME) return null;
  return { accept: false, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.ApplicationContextNameNotSupported };
}
