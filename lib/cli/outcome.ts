/**
 * How a failed retrieval is reported: the DimseError code of the library mapped to DCMTK 3.6.7 movescu's exit code.
 */
import { EXIT_CODES } from './exit-codes';
import { describeRejection } from '../pdu/describe';
import type { ErrorCode } from '../error-codes';

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  LISTEN_FAILED: EXIT_CODES.CANNOT_INITIALIZE_NETWORK,
  CONNECT_FAILED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  CONNECT_TIMEOUT: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  ASSOC_REJECTED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  RELEASE_FAILED: EXIT_CODES.CANNOT_CLOSE_ASSOCIATION,
  MOVE_FAILED: EXIT_CODES.CMOVE_ERROR,
  ASSOC_ABORTED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  ARTIM_EXPIRED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  CONNECTION_LOST: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  NO_PRESENTATION_CONTEXT: EXIT_CODES.NO_PRESENTATION_CONTEXT,
};

/**
 * DCMTK exits 0 when a C-MOVE breaks off mid-way (a protocol error, a peer abort): its exit code only reflects
 * final statuses. A script cannot tell that from success, so we exit 69 (C-MOVE error) there (MOVE_FAILED: see the
 * README). Every failure after the association is up carries MOVE_FAILED or RELEASE_FAILED, so any other code
 * comes from the association request (garbage instead of an A-ASSOCIATE-AC, a PDU we cannot read): DCMTK's
 * "Association Request Failed", 61.
 */
export function exitCodeFor(code: ErrorCode | undefined): number {
  return (code && BY_CODE[code]) ?? EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION;
}

/** The A-ASSOCIATE-RJ of a rejection error in DCMTK's words; nothing for any other error. */
export function rejectionLines(err: unknown): string[] {
  const rj = (err as { rj?: { result: number; source: number; reason: number } }).rj;
  return rj ? describeRejection(rj) : [];
}
