/**
 * DCMTK's conditions (dcmnet cond.h: module 0006, code, text) for the failures a script greps in movescu's log, as
 * DimseCondition::dump prints them. Errors DCMTK has no counterpart for keep their own text.
 */
import { DimseError, formatTag, systemErrorText } from '../errors';
import { lookupTag } from '../dataset/dictionary/dictionary';
import { isPeerGone } from '../error-codes';

/** DULC_TCPINITERROR. */
const TCP_INIT_ERROR = '0006:031c TCP Initialization Error';

/**
 * A failed connect to `host` (CONNECT_FAILED with the system's error as its cause, CONNECT_TIMEOUT): a name that does
 * not resolve is DULC_UNKNOWNHOST (0006:0320), anything else DULC_TCPINITERROR with the system's error text; our
 * timeout is DCMTK's select() timing out, errno still connect()'s.
 */
export function connectCondition(e: DimseError, host: string): string {
  if (e.code === 'CONNECT_TIMEOUT') return `${TCP_INIT_ERROR}: Operation now in progress (Timeout)`;
  const cause = e.cause as NodeJS.ErrnoException | undefined;
  const code = cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') return `0006:0320 Attempt to connect to unknown host: ${host}`;
  return `${TCP_INIT_ERROR}: ${cause ? systemErrorText(cause) : e.message}`;
}

/** A failure of the store service on a sub-association, as movescu's storeSCP and subOpSCP print it. */
export function storeCondition(e: Error): string {
  if (!(e instanceof DimseError)) return e.message;
  if (isPeerGone(e.code)) return '0006:0317 Peer aborted Association (or never connected)';
  if (e.code === 'PDV_ODD_LENGTH') return `0006:020d ${e.message}`;
  // DIMSE_BADCOMMANDTYPE: movescu's subOpSCP for a command other than C-ECHO or C-STORE.
  if (e.code === 'DIMSE_UNEXPECTED_COMMAND') return '0006:0201 DIMSE Bad command type';
  // DIMSEC_PARSEFAILED, dimcmd.cc parseError: a mandatory field missing or longer than its field.
  if (e.code === 'DIMSE_BAD_FIELD' && e.place.tag !== undefined) {
    return `0006:020b DIMSE: Command Parse Failed: Element: ${formatTag(e.place.tag)} ${lookupTag(e.place.tag)?.keyword ?? 'Unknown Tag & Data'}`;
  }
  // DIMSE_BADMESSAGE, dimse.cc validateMessage (its warnings come first, from the 'bad-request' event).
  if (e.code === 'DIMSE_BAD_MESSAGE') return '0006:0203 DIMSE Badly formed message';
  return e.message;
}
