/** PDUs described for logs: a line per PDU, and an A-ASSOCIATE-RJ in DCMTK's words. */
import type { AssociateRj, Pdu } from './types';

/**
 * One line per PDU for debug logs. The A-ASSOCIATE-RQ / AC are printed in full by the services, in DCMTK's layout
 * (lib/dcmtk/association-dump.ts), where both sides' parameters are known.
 */
export function describePdu(p: Pdu): string {
  switch (p.type) {
    case 'A-ASSOCIATE-RQ':
      return `A-ASSOCIATE-RQ: ${p.callingAeTitle} -> ${p.calledAeTitle}, ${p.presentationContexts.length} presentation context(s), max PDU ${p.userInfo.maxPduLength}`;
    case 'A-ASSOCIATE-AC':
      return `A-ASSOCIATE-AC: ${p.presentationContexts.filter((pc) => pc.result === 0).length} of ${p.presentationContexts.length} presentation context(s) accepted, max PDU ${p.userInfo.maxPduLength}`;
    case 'A-ASSOCIATE-RJ':
      return describeRejection(p).join('\n');
    case 'P-DATA-TF':
      return `P-DATA-TF: ${p.pdvs.map((v) => `[ctx ${v.contextId} ${v.isCommand ? 'cmd' : 'data'}${v.isLast ? ' last' : ''} ${v.data.length} bytes]`).join(' ')}`;
    case 'A-ABORT':
      return `A-ABORT: source ${p.source}, reason ${p.reason}`;
    default:
      return p.type;
  }
}

/** DCMTK's two lines for a rejection (as echoscu prints them after "Association Rejected:"). */
const RJ_RESULT: Record<number, string> = { 1: 'Rejected Permanent', 2: 'Rejected Transient' };
const RJ_SOURCE: Record<number, string> = {
  1: 'Service User', 2: 'Service Provider (ACSE Related)', 3: 'Service Provider (Presentation Related)',
};
const RJ_REASON: Record<number, Record<number, string>> = {
  1: { 1: 'No Reason', 2: 'App Context Name Not Supported', 3: 'Calling AE Title Not Recognized', 7: 'Called AE Title Not Recognized' },
  2: { 1: 'No Reason', 2: 'Protocol Version Not Supported' },
  3: { 1: 'Temporary Congestion', 2: 'Local Limit Exceeded' },
};

/** An A-ASSOCIATE-RJ in DCMTK's words (ASC_printRejectParameters), which movescu logs on a rejection. */
export function describeRejection(rj: Pick<AssociateRj, 'result' | 'source' | 'reason'>): string[] {
  return [
    `Result: ${RJ_RESULT[rj.result] ?? 'UNKNOWN'}, Source: ${RJ_SOURCE[rj.source] ?? 'UNKNOWN'}`,
    `Reason: ${RJ_REASON[rj.source]?.[rj.reason] ?? 'UNKNOWN'}`,
  ];
}
