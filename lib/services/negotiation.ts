/**
 * Presentation-context decisions for an acceptor, as DCMTK's ASC_acceptContextsWithPreferredTransferSyntaxes makes
 * them: for each proposed context whose abstract syntax we support, the first transfer syntax of OUR preference
 * list that the peer proposed; otherwise the matching rejection reason (PS3.8 table 9-18).
 */
import type { HostAccessPolicy } from './host-access';
import type { AssociateRq } from '../pdu/types';
import { PcResult } from '../pdu/types';
import { RejectReason, RejectResult, RejectSource } from '../pdu/constants';
import type { AcceptDecision } from '../association/types';

export function acceptContexts(
  rq: AssociateRq,
  supported: ReadonlySet<string>,
  preferredTransferSyntaxes: readonly string[],
): AcceptDecision {
  const contexts = rq.presentationContexts.map((pc) => {
    if (!supported.has(pc.abstractSyntax)) {
      return { id: pc.id, result: PcResult.AbstractSyntaxNotSupported, transferSyntax: pc.transferSyntaxes[0] ?? '' };
    }
    const ts = preferredTransferSyntaxes.find((t) => pc.transferSyntaxes.includes(t));
    return ts
      ? { id: pc.id, result: PcResult.Acceptance, transferSyntax: ts }
      : { id: pc.id, result: PcResult.TransferSyntaxesNotSupported, transferSyntax: pc.transferSyntaxes[0] ?? '' };
  });
  return { accept: true, contexts };
}

/** Who may open a store sub-association (all opt-in; DCMTK's default, anyone, when empty). */
export interface AdmissionPolicy {
  /** Only associations that call us by this AE title (our move destination). */
  calledAeTitle?: string;
  /** Only associations whose calling AE title is this one (the archive we moved from). */
  callingAeTitle?: string;
  /** Only connections from these addresses (the archive's). */
  addresses?: readonly string[];
  /**
   * TCP-wrapper rules (host-access.ts), checked when a connection arrives, before any PDU is read: a host they
   * deny is disconnected, as DCMTK's +ac does.
   */
  hostAccess?: HostAccessPolicy;
}

export interface Refusal {
  /** PS3.8 table 9-21: the A-ASSOCIATE-RJ's result, source and reason. */
  result: number;
  source: number;
  reason: number;
  why: string;
}

/** IPv4 addresses as Node reports them on a dual-stack socket ("::ffff:127.0.0.1") compared plainly. */
function plainAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * Why an A-ASSOCIATE-RQ is refused before its contexts are looked at, or null: presentation context IDs that PS3.8
 * 9.3.2.2 forbids (even, or used twice: an answer could not say which is which; at most 128 odd IDs fit), then the
 * admission policy.
 */
export function screenRequest(rq: AssociateRq, remoteAddress: string | undefined, policy: AdmissionPolicy = {}): Refusal | null {
  const seen = new Set<number>();
  for (const pc of rq.presentationContexts) {
    if (pc.id % 2 === 0 || seen.has(pc.id)) {
      return { ...PERMANENT_BY_USER, reason: RejectReason.NoReasonGiven, why: `${seen.has(pc.id) ? 'duplicate' : 'even'} presentation context ID ${pc.id}` };
    }
    seen.add(pc.id);
  }
  if (policy.calledAeTitle !== undefined && rq.calledAeTitle.trim() !== policy.calledAeTitle) {
    return { ...PERMANENT_BY_USER, reason: RejectReason.CalledAeTitleNotRecognized, why: `called AE title "${rq.calledAeTitle.trim()}" is not ours (${policy.calledAeTitle})` };
  }
  if (policy.callingAeTitle !== undefined && rq.callingAeTitle.trim() !== policy.callingAeTitle) {
    return { ...PERMANENT_BY_USER, reason: RejectReason.CallingAeTitleNotRecognized, why: `calling AE title "${rq.callingAeTitle.trim()}" is not the archive's (${policy.callingAeTitle})` };
  }
  if (policy.addresses && !policy.addresses.map(plainAddress).includes(plainAddress(remoteAddress ?? ''))) {
    return { ...PERMANENT_BY_USER, reason: RejectReason.NoReasonGiven, why: `connection from ${remoteAddress ?? 'an unknown address'}, not the archive's (${policy.addresses.join(', ')})` };
  }
  return null;
}

const PERMANENT_BY_USER = { result: RejectResult.Permanent, source: RejectSource.ServiceUser } as const;
