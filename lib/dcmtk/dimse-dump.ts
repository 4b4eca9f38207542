/**
 * DIMSE messages as DCMTK 3.6.7's DIMSE_dumpMessage prints them (dcmnet/libsrc/dimdump.cc), which movescu logs at
 * debug level after "Sending Move Request", "Received Move Response N", "Received Store Request", ...:
 *   ===================== OUTGOING DIMSE MESSAGE ====================
 *   Message Type                  : C-MOVE RQ
 *   ...
 *   ======================= END DIMSE MESSAGE =======================
 * Field labels are 30 wide; UIDs DCMTK knows are printed by name; a field a response lacks is "none"; the status
 * is "0x" + 4 hex digits, then DCMTK's wording for that service. DCMTK never passes a data set to these dumps in
 * movescu, so none is printed here either.
 */
import { lookupKeyword } from '../dataset/dictionary/dictionary';
import type { DataElement } from '../dataset/codec/element';
import { dcmtkUidName } from '../dataset/dictionary/uids';
import { MINIMUM_PDU_SIZE } from '../pdu/constants';
import { encodeFieldValue, type Command, type CommandKeyword } from '../dimse/command';
import { CommandField, NO_DATASET, Priority } from '../dimse/command-field';
import { hex4, matchStatus, statusRule, type StatusRule } from '../dimse/status';

export type DimseDirection = 'incoming' | 'outgoing';

const START: Record<DimseDirection, string> = {
  incoming: '===================== INCOMING DIMSE MESSAGE ====================',
  outgoing: '===================== OUTGOING DIMSE MESSAGE ====================',
};
const END = '======================= END DIMSE MESSAGE =======================';

function field(label: string, value: string | number): string {
  return `${label.padEnd(30)}: ${value}`;
}

/** DIMSE_printStatusClassString (dicom.h's DICOM_*_STATUS macros): the class of a status no service names. */
const CLASS_TEXTS: readonly StatusRule<string>[] = [
  statusRule(0x0000, 'Success'),
  // Failure: Axxx, Cxxx, 01xx but 0107 and 0116 (warnings), 02xx.
  statusRule(0xa000, 'Failure', 0xf000),
  statusRule(0xc000, 'Failure', 0xf000),
  statusRule(0x0107, 'Warning'),
  statusRule(0x0116, 'Warning'),
  statusRule(0x0100, 'Failure', 0xff00),
  statusRule(0x0200, 'Failure', 0xff00),
  statusRule(0xb000, 'Warning', 0xf000),
  statusRule(0x0001, 'Warning'),
  statusRule(0xfe00, 'Cancel'),
  statusRule(0xff00, 'Pending'),
  statusRule(0xff01, 'Pending'),
];

function statusClassText(s: number): string {
  return matchStatus(CLASS_TEXTS, s) ?? 'Unknown Status Code (non-standard)';
}

/** The general codes C-STORE, C-FIND, C-GET, C-MOVE and C-ECHO share (PS3.7 C.5). */
const GENERAL: readonly StatusRule<string>[] = [
  statusRule(0x0122, 'Refused: SOP Class not supported'),
  statusRule(0x0210, 'Duplicate invocation'),
  statusRule(0x0211, 'Unrecognized operation'),
  statusRule(0x0212, 'Mistyped argument'),
];

/** DIMSE_printCGetStatusString. */
const GET_TEXTS: readonly StatusRule<string>[] = [
  ...GENERAL,
  statusRule(0x0000, 'Success: Sub-operations complete - No failures or warnings'),
  statusRule(0xa701, 'Refused: Out of resources - Unable to calculate number of matches'),
  statusRule(0xa702, 'Refused: Out of resources - Unable to perform sub-operations'),
  statusRule(0xa900, 'Error: Data Set does not match SOP Class'),
  statusRule(0xaa00, 'Failed: None of the frames requested were found in SOP Instance'),
  statusRule(0xaa01, 'Failed: Unable to create new object for this SOP Class'),
  statusRule(0xaa02, 'Failed: Unable to extract frames'),
  statusRule(0xaa03, 'Failed: Time-based request for non-time-based SOP Instance'),
  statusRule(0xaa04, 'Failed: Invalid request'),
  statusRule(0xc000, 'Failed: Unable to process', 0xf000),
  statusRule(0xfe00, 'Cancel: Sub-operations terminated due to Cancel Indication'),
  statusRule(0xb000, 'Warning: Sub-operations complete - One or more failures or warnings'),
  statusRule(0xff00, 'Pending: Sub-operations are continuing'),
];

/** DIMSE_printCMoveStatusString: C-GET's, plus "Not authorized" and "Move Destination unknown". */
const MOVE_TEXTS: readonly StatusRule<string>[] = [
  statusRule(0x0124, 'Refused: Not authorized'),
  statusRule(0xa801, 'Refused: Move Destination unknown'),
  ...GET_TEXTS,
];

/** DIMSE_printCStoreStatusString. */
const STORE_TEXTS: readonly StatusRule<string>[] = [
  statusRule(0x0000, 'Success'),
  statusRule(0x0122, 'Refused: SOP Class not supported'),
  statusRule(0x0124, 'Refused: Not authorized'),
  statusRule(0x0117, 'Invalid SOP Class'),
  statusRule(0x0210, 'Duplicate invocation'),
  statusRule(0x0211, 'Unrecognized operation'),
  statusRule(0x0212, 'Mistyped argument'),
  statusRule(0xa700, 'Refused: Out of resources', 0xff00),
  statusRule(0xa900, 'Error: Data Set does not match SOP Class', 0xff00),
  statusRule(0xc000, 'Error: Cannot understand', 0xf000),
  statusRule(0xb000, 'Warning: Coercion of Data Elements'),
  statusRule(0xb007, 'Warning: Data Set does not match SOP Class'),
  statusRule(0xb006, 'Warning: Elements discarded'),
];

/** DIMSE_printCFindStatusString; Relevant Patient Information Query (1.2.840.10008.5.1.4.37.*) names two failures. */
const FIND_TEXTS: readonly StatusRule<string>[] = [
  statusRule(0x0122, 'Refused: SOP Class not supported'),
  statusRule(0x0000, 'Success: Matching is complete'),
  statusRule(0xa700, 'Refused: Out of resources'),
  statusRule(0xa900, 'Error: Data Set does not match SOP Class', 0xff00),
  statusRule(0xc000, 'Failed: Unable to process', 0xf000),
  statusRule(0xfe00, 'Cancel: Matching terminated due to Cancel Request'),
  statusRule(0xff00, 'Pending: Matches are continuing'),
  statusRule(0xff01, 'Pending: Matches are continuing - Warning: Unsupported optional keys'),
];
const RELEVANT_PATIENT_QUERY_TEXTS: readonly StatusRule<string>[] = [
  statusRule(0xc100, 'Failed: More than one match found'),
  statusRule(0xc200, 'Failed: Unable to support requested template'),
  ...FIND_TEXTS,
];

/** DIMSE_printCEchoStatusString. */
const ECHO_TEXTS: readonly StatusRule<string>[] = [statusRule(0x0000, 'Success'), ...GENERAL];

function statusText(rules: readonly StatusRule<string>[], s: number): string {
  return matchStatus(rules, s) ?? statusClassText(s);
}

function findTexts(sopClass: string | undefined): readonly StatusRule<string>[] {
  return sopClass?.startsWith('1.2.840.10008.5.1.4.37.') ? RELEVANT_PATIENT_QUERY_TEXTS : FIND_TEXTS;
}

function priorityText(p: number | undefined): string {
  // DCMTK prints nothing after the label for a value that is none of the three.
  if (p === Priority.Low) return 'low';
  if (p === Priority.Medium) return 'medium';
  if (p === Priority.High) return 'high';
  return '';
}

function uidOrNone(uid: string | undefined): string {
  return uid === undefined ? 'none' : dcmtkUidName(uid);
}

function countOrNone(n: number | undefined): string {
  return n === undefined ? 'none' : String(n);
}

/**
 * The dump of one DIMSE message, as one multi-line string without a final newline (the logger prefixes each
 * line). `presentationContextId` is printed when given and not 0: movescu passes it for the C-MOVE-RQ it sends and
 * the C-STORE-RQ / C-ECHO-RQ it receives, not for the C-MOVE-RSPs.
 */
export function dumpDimseMessage(c: Command, direction: DimseDirection, presentationContextId?: number): string {
  const lines: string[] = [];
  const pc = (): void => {
    if (presentationContextId !== undefined && presentationContextId > 0) lines.push(field('Presentation Context ID', presentationContextId));
  };
  const dataSet = field('Data Set', c.CommandDataSetType === NO_DATASET ? 'none' : 'present');
  const status = (text: (s: number) => string): string => {
    const s = c.Status ?? 0;
    return field('DIMSE Status', `${hex4(s)}: ${text(s)}`);
  };
  const request = (type: string): void => {
    lines.push(field('Message Type', type));
    pc();
    lines.push(field('Message ID', c.MessageID ?? 0), field('Affected SOP Class UID', dcmtkUidName(c.AffectedSOPClassUID ?? '')));
  };
  const response = (type: string): void => {
    lines.push(field('Message Type', type));
    pc();
    lines.push(field('Message ID Being Responded To', c.MessageIDBeingRespondedTo ?? 0), field('Affected SOP Class UID', uidOrNone(c.AffectedSOPClassUID)));
  };
  const subOperations = (): void => {
    lines.push(
      field('Remaining Suboperations', countOrNone(c.NumberOfRemainingSuboperations)),
      field('Completed Suboperations', countOrNone(c.NumberOfCompletedSuboperations)),
      field('Failed Suboperations', countOrNone(c.NumberOfFailedSuboperations)),
      field('Warning Suboperations', countOrNone(c.NumberOfWarningSuboperations)),
    );
  };
  switch (c.CommandField) {
    case CommandField.C_ECHO_RQ:
      lines.push(field('Message Type', 'C-ECHO RQ'));
      pc();
      lines.push(field('Message ID', c.MessageID ?? 0), dataSet);
      break;
    case CommandField.C_ECHO_RSP:
      response('C-ECHO RSP');
      lines.push(dataSet, status((s) => statusText(ECHO_TEXTS, s)));
      break;
    case CommandField.C_STORE_RQ:
      request('C-STORE RQ');
      lines.push(field('Affected SOP Instance UID', c.AffectedSOPInstanceUID ?? ''), dataSet, field('Priority', priorityText(c.Priority)));
      if (c.MoveOriginatorApplicationEntityTitle !== undefined) lines.push(field('Move Originator AE Title', c.MoveOriginatorApplicationEntityTitle));
      if (c.MoveOriginatorMessageID !== undefined) lines.push(field('Move Originator ID', c.MoveOriginatorMessageID));
      break;
    case CommandField.C_STORE_RSP:
      response('C-STORE RSP');
      lines.push(field('Affected SOP Instance UID', c.AffectedSOPInstanceUID ?? 'none'), dataSet, status((s) => statusText(STORE_TEXTS, s)));
      break;
    case CommandField.C_FIND_RQ:
      request('C-FIND RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)));
      break;
    case CommandField.C_FIND_RSP:
      response('C-FIND RSP');
      lines.push(dataSet, status((s) => statusText(findTexts(c.AffectedSOPClassUID), s)));
      break;
    case CommandField.C_GET_RQ:
      request('C-GET RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)));
      break;
    case CommandField.C_GET_RSP:
      response('C-GET RSP');
      subOperations();
      lines.push(dataSet, status((s) => statusText(GET_TEXTS, s)));
      break;
    case CommandField.C_MOVE_RQ:
      request('C-MOVE RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)), field('Move Destination', c.MoveDestination ?? ''));
      break;
    case CommandField.C_MOVE_RSP:
      response('C-MOVE RSP');
      subOperations();
      lines.push(dataSet, status((s) => statusText(MOVE_TEXTS, s)));
      break;
    case CommandField.C_CANCEL_RQ:
      lines.push(field('Message Type', 'C-CANCEL RQ'));
      pc();
      lines.push(field('Message ID Being Responded To', c.MessageIDBeingRespondedTo ?? 0), dataSet);
      break;
    default:
      // The N-services have dumps of their own in DCMTK; our command decoder does not read their fields.
      lines.push(field('Message Type', 'UNKNOWN (DIMSE Protocol Error)'));
  }
  return [START[direction], ...lines, END].join('\n');
}

/**
 * The "Max Send PDV" movescu logs for an association: the peer's maximum PDU length (0, unlimited, and anything
 * above 128 KiB count as 128 KiB; an odd one is made even) less 12 bytes of PDU and PDV headers
 * (dcmnet/libsrc/assoc.cc).
 */
export function dcmtkMaxSendPdv(peerMaxPduLength: number): number {
  let len = peerMaxPduLength < 1 || peerMaxPduLength > 131072 ? 131072 : peerMaxPduLength;
  if (len % 2 !== 0) len--;
  len -= 12;
  // assoc.cc: too small a buffer is replaced by ASC_MINIMUMPDUSIZE less the headers.
  return len < 12 ? MINIMUM_PDU_SIZE - 12 : len;
}

/** The command fields DCMTK's C-MOVE-RSP parser (dimcmd.cc) takes; whatever else the command holds is "status detail". */
const MOVE_RSP_FIELDS: ReadonlySet<CommandKeyword> = new Set<CommandKeyword>([
  'CommandField', 'MessageIDBeingRespondedTo', 'AffectedSOPClassUID', 'CommandDataSetType', 'Status',
  'NumberOfRemainingSuboperations', 'NumberOfCompletedSuboperations', 'NumberOfFailedSuboperations', 'NumberOfWarningSuboperations',
]);

/**
 * The status detail of a C-MOVE-RSP as DCMTK hands it to movescu (and movescu logs as "Status Detail:"): the command
 * elements its parser did not consume, e.g. (0000,0902) ErrorComment, in tag order. Only the fields our command
 * decoder reads can appear: other group-0000 elements a peer sends are not kept.
 */
export function moveResponseStatusDetail(c: Command): DataElement[] {
  const out: DataElement[] = [];
  for (const [key, value] of Object.entries(c) as [CommandKeyword, Command[CommandKeyword]][]) {
    if (value === undefined || MOVE_RSP_FIELDS.has(key)) continue;
    const entry = lookupKeyword(key);
    if (!entry) continue;
    // As it came over the wire: padded to even length, UI with NUL, the other strings with a space.
    out.push({ tag: entry.tag, vr: entry.vr, value: encodeFieldValue(entry.vr, value) });
  }
  return out.sort((a, b) => a.tag - b.tag);
}
