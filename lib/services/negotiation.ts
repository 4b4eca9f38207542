/**
 * Presentation-context decisions for an acceptor, as DCMTK's ASC_acceptContextsWithPreferredTransferSyntaxes makes
 * them: for each proposed context whose abstract syntax we support, the first transfer syntax of OUR preference
 * list that the peer proposed; otherwise the matching rejection reason (PS3.8 table 9-18).
 */
import type { AssociateRq } from '../pdu/types';
import { PcResult } from '../pdu/types';
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
