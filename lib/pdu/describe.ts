/**
 * Text dumps of PDUs for debug logs, in the spirit of DCMTK's "BEGIN A-ASSOCIATE-RQ" dumps (not its layout).
 */
import type { AssociateAc, AssociateRj, AssociateRq, Pdu } from './types';

function userInfoLines(p: AssociateRq | AssociateAc): string[] {
  const ui = p.userInfo;
  const lines = [
    `Implementation Class UID:  ${ui.implementationClassUid}`,
    `Implementation Version:    ${ui.implementationVersionName ?? ''}`,
    `Max PDU Length:            ${ui.maxPduLength}`,
  ];
  if (ui.asyncOps) lines.push(`Async Ops Window:          invoked ${ui.asyncOps.invoked}, performed ${ui.asyncOps.performed}`);
  for (const r of ui.roleSelections) lines.push(`Role Selection:            ${r.sopClassUid} SCU=${r.scuRole ? 1 : 0} SCP=${r.scpRole ? 1 : 0}`);
  for (const e of ui.extendedNegotiations) lines.push(`Extended Negotiation:      ${e.sopClassUid} [${e.info.toString('hex')}]`);
  for (const c of ui.commonExtendedNegotiations) lines.push(`Common Ext. Negotiation:   ${c.sopClassUid} (service ${c.serviceClassUid})`);
  if (ui.userIdentityRq) lines.push(`User Identity:             type ${ui.userIdentityRq.identityType}`);
  if (ui.userIdentityAc) lines.push(`User Identity Response:    ${ui.userIdentityAc.length} bytes`);
  return lines;
}

/** Multi-line dump of an A-ASSOCIATE-RQ / AC / RJ; a one-line summary for other PDUs. */
export function describePdu(p: Pdu): string {
  switch (p.type) {
    case 'A-ASSOCIATE-RQ':
    case 'A-ASSOCIATE-AC': {
      const lines = [
        `====================== BEGIN ${p.type} =====================`,
        `Calling Application Name:  ${p.callingAeTitle}`,
        `Called Application Name:   ${p.calledAeTitle}`,
        `Application Context Name:  ${p.applicationContext}`,
        `Protocol Version:          ${p.protocolVersion}`,
        ...userInfoLines(p),
        'Presentation Contexts:',
      ];
      if (p.type === 'A-ASSOCIATE-RQ') {
        for (const pc of p.presentationContexts) {
          lines.push(`  Context ID: ${pc.id}  Abstract Syntax: ${pc.abstractSyntax}`);
          for (const ts of pc.transferSyntaxes) lines.push(`    Transfer Syntax: ${ts}`);
        }
      } else {
        for (const pc of p.presentationContexts) lines.push(`  Context ID: ${pc.id}  Result: ${pcResultName(pc.result)}  Transfer Syntax: ${pc.transferSyntax}`);
      }
      lines.push(`======================= END ${p.type} ======================`);
      return lines.join('\n');
    }
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

export function pcResultName(result: number): string {
  return ['Accepted', 'User Rejection', 'Provider Rejection (no reason)', 'Abstract Syntax Not Supported', 'Transfer Syntaxes Not Supported'][result] ?? `Unknown (${result})`;
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
