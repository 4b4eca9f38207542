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
import { lookupKeyword } from '../dataset/dictionary';
import type { DataElement } from '../dataset/element';
import { dcmtkUidName } from '../dataset/uids';
import { encodeTags } from '../dataset/values';
import { MINIMUM_PDU_SIZE } from '../pdu/constants';
import type { Command, CommandKeyword } from '../dimse/command';
import { CommandField, NO_DATASET, Priority } from '../dimse/command-field';

export type DimseDirection = 'incoming' | 'outgoing';

const START: Record<DimseDirection, string> = {
  incoming: '===================== INCOMING DIMSE MESSAGE ====================',
  outgoing: '===================== OUTGOING DIMSE MESSAGE ====================',
};
const END = '======================= END DIMSE MESSAGE =======================';

function field(label: string, value: string | number): string {
  return `${label.padEnd(30)}: ${value}`;
}

function hexStatus(status: number): string {
  return `0x${status.toString(16).padStart(4, '0')}`;
}

/** DIMSE_printStatusClassString (dicom.h's DICOM_*_STATUS macros): the class of a status no service names. */
function statusClassText(s: number): string {
  if (s === 0x0000) return 'Success';
  const hi4 = s & 0xf000;
  const hi8 = s & 0xff00;
  if (hi4 === 0xa000 || hi4 === 0xc000 || (hi8 === 0x0100 && s !== 0x0107 && s !== 0x0116) || hi8 === 0x0200) return 'Failure';
  if (hi4 === 0xb000 || s === 0x0001 || s === 0x0107 || s === 0x0116) return 'Warning';
  if (s === 0xfe00) return 'Cancel';
  if (s === 0xff00 || s === 0xff01) return 'Pending';
  const standard = s === 0x0001 || hi8 === 0x0100 || hi8 === 0x0200 || hi4 === 0xa000 || hi4 === 0xb000 || hi4 === 0xc000;
  return standard ? 'Unknown Status Code' : 'Unknown Status Code (non-standard)';
}

/** The general codes C-STORE, C-FIND, C-GET, C-MOVE and C-ECHO share (PS3.7 C.5). */
const GENERAL: Readonly<Record<number, string>> = {
  0x0122: 'Refused: SOP Class not supported',
  0x0210: 'Duplicate invocation',
  0x0211: 'Unrecognized operation',
  0x0212: 'Mistyped argument',
};

const RETRIEVE_SPECIFIC: Readonly<Record<number, string>> = {
  0x0000: 'Success: Sub-operations complete - No failures or warnings',
  0xa701: 'Refused: Out of resources - Unable to calculate number of matches',
  0xa702: 'Refused: Out of resources - Unable to perform sub-operations',
  0xa900: 'Error: Data Set does not match SOP Class',
  0xaa00: 'Failed: None of the frames requested were found in SOP Instance',
  0xaa01: 'Failed: Unable to create new object for this SOP Class',
  0xaa02: 'Failed: Unable to extract frames',
  0xaa03: 'Failed: Time-based request for non-time-based SOP Instance',
  0xaa04: 'Failed: Invalid request',
};

/** DIMSE_printCMoveStatusString / DIMSE_printCGetStatusString (C-GET has no "Not authorized", no 0xa801). */
function retrieveStatusText(s: number, move: boolean): string {
  const general = GENERAL[s];
  if (general) return general;
  if (move && s === 0x0124) return 'Refused: Not authorized';
  const specific = RETRIEVE_SPECIFIC[s];
  if (specific) return specific;
  if (move && s === 0xa801) return 'Refused: Move Destination unknown';
  if ((s & 0xf000) === 0xc000) return 'Failed: Unable to process';
  if (s === 0xfe00) return 'Cancel: Sub-operations terminated due to Cancel Indication';
  if (s === 0xb000) return 'Warning: Sub-operations complete - One or more failures or warnings';
  if (s === 0xff00) return 'Pending: Sub-operations are continuing';
  return statusClassText(s);
}

/** DIMSE_printCStoreStatusString. */
function storeStatusText(s: number): string {
  if (s === 0x0000) return 'Success';
  if (s === 0x0122) return 'Refused: SOP Class not supported';
  if (s === 0x0124) return 'Refused: Not authorized';
  if (s === 0x0117) return 'Invalid SOP Class';
  if (s === 0x0210) return 'Duplicate invocation';
  if (s === 0x0211) return 'Unrecognized operation';
  if (s === 0x0212) return 'Mistyped argument';
  if ((s & 0xff00) === 0xa700) return 'Refused: Out of resources';
  if ((s & 0xff00) === 0xa900) return 'Error: Data Set does not match SOP Class';
  if ((s & 0xf000) === 0xc000) return 'Error: Cannot understand';
  if (s === 0xb000) return 'Warning: Coercion of Data Elements';
  if (s === 0xb007) return 'Warning: Data Set does not match SOP Class';
  if (s === 0xb006) return 'Warning: Elements discarded';
  return statusClassText(s);
}

/** DIMSE_printCFindStatusString (without the Relevant Patient Information Query wording of 0xc1xx). */
function findStatusText(s: number, sopClass: string | undefined): string {
  if (s === 0x0122) return 'Refused: SOP Class not supported';
  if (s === 0x0000) return 'Success: Matching is complete';
  if (s === 0xa700) return 'Refused: Out of resources';
  if ((s & 0xff00) === 0xa900) return 'Error: Data Set does not match SOP Class';
  if ((s & 0xf000) === 0xc000) {
    // Relevant Patient Information Query (1.2.840.10008.5.1.4.37.*) names two of its failures.
    if (sopClass?.startsWith('1.2.840.10008.5.1.4.37.')) {
      if (s === 0xc100) return 'Failed: More than one match found';
      if (s === 0xc200) return 'Failed: Unable to support requested template';
    }
    return 'Failed: Unable to process';
  }
  if (s === 0xfe00) return 'Cancel: Matching terminated due to Cancel Request';
  if (s === 0xff00) return 'Pending: Matches are continuing';
  if (s === 0xff01) return 'Pending: Matches are continuing - Warning: Unsupported optional keys';
  return statusClassText(s);
}

/** DIMSE_printCEchoStatusString. */
function echoStatusText(s: number): string {
  if (s === 0x0000) return 'Success';
  return GENERAL[s] ?? statusClassText(s);
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
    return field('DIMSE Status', `${hexStatus(s)}: ${text(s)}`);
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
      lines.push(dataSet, status(echoStatusText));
      break;
    case CommandField.C_STORE_RQ:
      request('C-STORE RQ');
      lines.push(field('Affected SOP Instance UID', c.AffectedSOPInstanceUID ?? ''), dataSet, field('Priority', priorityText(c.Priority)));
      if (c.MoveOriginatorApplicationEntityTitle !== undefined) lines.push(field('Move Originator AE Title', c.MoveOriginatorApplicationEntityTitle));
      if (c.MoveOriginatorMessageID !== undefined) lines.push(field('Move Originator ID', c.MoveOriginatorMessageID));
      break;
    case CommandField.C_STORE_RSP:
      response('C-STORE RSP');
      lines.push(field('Affected SOP Instance UID', c.AffectedSOPInstanceUID ?? 'none'), dataSet, status(storeStatusText));
      break;
    case CommandField.C_FIND_RQ:
      request('C-FIND RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)));
      break;
    case CommandField.C_FIND_RSP:
      response('C-FIND RSP');
      lines.push(dataSet, status((s) => findStatusText(s, c.AffectedSOPClassUID)));
      break;
    case CommandField.C_GET_RQ:
      request('C-GET RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)));
      break;
    case CommandField.C_GET_RSP:
      response('C-GET RSP');
      subOperations();
      lines.push(dataSet, status((s) => retrieveStatusText(s, false)));
      break;
    case CommandField.C_MOVE_RQ:
      request('C-MOVE RQ');
      lines.push(dataSet, field('Priority', priorityText(c.Priority)), field('Move Destination', c.MoveDestination ?? ''));
      break;
    case CommandField.C_MOVE_RSP:
      response('C-MOVE RSP');
      subOperations();
      lines.push(dataSet, status((s) => retrieveStatusText(s, true)));
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
    let bytes: Buffer;
    if (Array.isArray(value)) bytes = encodeTags(value);
    else if (typeof value === 'number') {
      bytes = Buffer.alloc(entry.vr === 'UL' ? 4 : 2);
      if (entry.vr === 'UL') bytes.writeUInt32LE(value);
      else bytes.writeUInt16LE(value);
    } else {
      // As it came over the wire: padded to even length, UI with NUL, the other strings with a space.
      bytes = Buffer.from(value.length % 2 === 1 ? value + (entry.vr === 'UI' ? '\0' : ' ') : value, 'latin1');
    }
    out.push({ tag: entry.tag, vr: entry.vr, value: bytes });
  }
  return out.sort((a, b) => a.tag - b.tag);
}
