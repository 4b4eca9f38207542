/**
 * Association parameters printed as DCMTK 3.6.7's ASC_dumpParameters prints them (dcmnet assoc.cc), the block
 * movescu logs at debug level: "Request Parameters:" before it requests, "Association Parameters Negotiated:"
 * once accepted, and for each sub-association "Parameters:" (the request) and, after it is acknowledged, the
 * A-ASSOCIATE-AC. Lines a user greps for ("Accepted Transfer Syntax: =LittleEndianExplicit",
 * "(Abstract Syntax Not Supported)") read as DCMTK's do; the implementation lines name us.
 */
import { uidEntry } from '../dataset/dictionary/uids';
import type { AssociateAc, AssociateRq, RoleSelection, UserIdentityRq } from '../pdu/types';
import type { OwnParameters } from '../association/types';

export interface DumpSubject {
  /** 'requestor': we sent `rq` (movescu's main association); 'acceptor': we received it (a sub-association). */
  side: 'requestor' | 'acceptor';
  rq: AssociateRq;
  /** The answer, for the "AC" dump; absent for the "RQ" dump. */
  ac?: AssociateAc;
  /** Acceptor: what we answer with (the requestor's own parameters are in `rq`). */
  own?: OwnParameters;
}

/** dcmFindNameOfUID with '=' in front, or the UID itself when DCMTK has no name for it. */
function named(uid: string): string {
  const name = uidEntry(uid)?.dcmtkName;
  return name ? `=${name}` : uid;
}

/** ASC_role2String of the role a role selection item asks (or grants); Default without one. */
function role(items: readonly RoleSelection[], sopClassUid: string): string {
  const r = items.find((x) => x.sopClassUid === sopClassUid);
  if (!r) return 'Default';
  if (r.scuRole && r.scpRole) return 'SCP/SCU';
  if (r.scuRole) return 'SCU';
  return r.scpRole ? 'SCP' : 'None';
}

const RESULT: Record<number, string> = {
  0: 'Accepted', 1: 'User Rejection', 2: 'No Reason', 3: 'Abstract Syntax Not Supported', 4: 'Transfer Syntaxes Not Supported',
};

function identityLines(u: UserIdentityRq): string[] {
  const text = (b: Buffer): string => b.toString('latin1').replace(/\0.*$/s, '');
  const mode: Record<number, string[]> = {
    1: ['  Authentication mode 1: Username', `  Username: [${text(u.primaryField)}]`],
    2: ['  Authentication mode 2: Username/Password', `  Username: [${text(u.primaryField)}]`, `  Password: [${text(u.secondaryField)}]`],
    3: ['  Authentication mode 3: Kerberos', `  Kerberos Service Ticket (not dumped) length: ${u.primaryField.length}`],
    4: ['  Authentication mode 4: SAML', `  SAML Assertion (not dumped) length: ${u.primaryField.length}`],
    5: ['  Authentication mode 5: JWT', `  JSON Web Token (not dumped) length: ${u.primaryField.length}`],
  };
  return [
    ...(mode[u.identityType] ?? ['  Authentication mode: Unknown ', `  First value (not dumped), length: ${u.primaryField.length}`,
      `  Second Value (not dumped), length: ${u.secondaryField.length}`]),
    `  Positive Response requested: ${u.positiveResponseRequested ? 'Yes' : 'No'}`,
  ];
}

function extendedLines(items: AssociateRq['userInfo']['extendedNegotiations']): string[] {
  return items.flatMap((e) => [
    `  =${uidEntry(e.sopClassUid)?.dcmtkName ?? 'Unknown-UID'} (${e.sopClassUid})`,
    `    [${[...e.info].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')}]`,
  ]);
}

/** The lines of one dump, BEGIN to END, without a log prefix. */
export function dumpAssociationParameters(s: DumpSubject): string[] {
  const dir = s.ac ? 'AC' : 'RQ';
  const requestor = s.side === 'requestor';
  const ours = requestor
    ? { implementationClassUid: s.rq.userInfo.implementationClassUid, implementationVersionName: s.rq.userInfo.implementationVersionName ?? '', maxPduLength: s.rq.userInfo.maxPduLength }
    : s.own ?? { implementationClassUid: '', implementationVersionName: '', maxPduLength: 0 };
  const theirInfo = requestor ? s.ac?.userInfo : s.rq.userInfo;
  const lines = [
    `====================== BEGIN A-ASSOCIATE-${dir} =====================`,
    `Our Implementation Class UID:      ${ours.implementationClassUid}`,
    `Our Implementation Version Name:   ${ours.implementationVersionName}`,
    `Their Implementation Class UID:    ${theirInfo?.implementationClassUid ?? ''}`,
    `Their Implementation Version Name: ${theirInfo?.implementationVersionName ?? ''}`,
    `Application Context Name:    ${s.rq.applicationContext}`,
    `Calling Application Name:    ${s.rq.callingAeTitle}`,
    `Called Application Name:     ${s.rq.calledAeTitle}`,
    // DCMTK prints the called AE title here when it set a responding title: movescu does for its own requests.
    `Responding Application Name: ${requestor ? s.rq.calledAeTitle : ''}`,
    `Our Max PDU Receive Size:    ${ours.maxPduLength}`,
    `Their Max PDU Receive Size:  ${theirInfo?.maxPduLength ?? 0}`,
    'Presentation Contexts:',
  ];
  const answers = new Map((s.ac?.presentationContexts ?? []).map((pc) => [pc.id, pc]));
  for (const pc of s.rq.presentationContexts) {
    const answer = s.ac ? answers.get(pc.id) : undefined;
    lines.push(`  Context ID:        ${pc.id} (${answer ? RESULT[answer.result] ?? '--Invalid Result/Reason--' : 'Proposed'})`);
    lines.push(`    Abstract Syntax: ${named(pc.abstractSyntax)}`);
    lines.push(`    Proposed SCP/SCU Role: ${role(s.rq.userInfo.roleSelections, pc.abstractSyntax)}`);
    if (answer) {
      lines.push(`    Accepted SCP/SCU Role: ${role(s.ac?.userInfo.roleSelections ?? [], pc.abstractSyntax)}`);
      if (answer.result === 0) lines.push(`    Accepted Transfer Syntax: ${named(answer.transferSyntax)}`);
    } else {
      lines.push('    Proposed Transfer Syntax(es):');
      for (const ts of pc.transferSyntaxes) lines.push(`      ${named(ts)}`);
    }
  }
  const requested = s.rq.userInfo.extendedNegotiations;
  const accepted = s.ac?.userInfo.extendedNegotiations ?? [];
  lines.push(...(requested.length > 0 ? ['Requested Extended Negotiation:', ...extendedLines(requested)] : ['Requested Extended Negotiation: none']));
  lines.push(...(accepted.length > 0 ? ['Accepted Extended Negotiation:', ...extendedLines(accepted)] : ['Accepted Extended Negotiation:  none']));
  const identity = s.rq.userInfo.userIdentityRq;
  lines.push(...(identity ? ['Requested User Identity Negotiation:', ...identityLines(identity)] : ['Requested User Identity Negotiation: none']));
  const response = s.ac?.userInfo.userIdentityAc;
  lines.push(...(response ? ['User Identity Negotiation Response:', `  Server Response (not dumped) length: ${response.length}`] : ['User Identity Negotiation Response:  none']));
  lines.push(`======================= END A-ASSOCIATE-${dir} ======================`);
  return lines;
}
