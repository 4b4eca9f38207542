/**
 * How a failed retrieval is reported: the DimseError code of the library mapped to DCMTK 3.6.7 movescu's exit code,
 * and an A-ASSOCIATE-RJ worded as DCMTK's ASC_printRejectParameters words it.
 */
import { EXIT_CODES } from './exit-codes';

const BY_CODE: Record<string, number> = {
  LISTEN_FAILED: EXIT_CODES.CANNOT_INITIALIZE_NETWORK,
  CONNECT_FAILED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  ASSOC_REJECTED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  ASSOC_ABORTED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  ARTIM_EXPIRED: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  CONNECTION_LOST: EXIT_CODES.CANNOT_NEGOTIATE_ASSOCIATION,
  NO_PRESENTATION_CONTEXT: EXIT_CODES.NO_PRESENTATION_CONTEXT,
};

/**
 * DCMTK exits 0 when a C-MOVE breaks off mid-way (a protocol error, a peer abort): its exit code only reflects
 * final statuses. A script cannot tell that from success, so we exit 69 (C-MOVE error) there: see the README.
 */
export function exitCodeFor(code: string | undefined): number {
  if (code && code in BY_CODE) return BY_CODE[code];
  return EXIT_CODES.CMOVE_ERROR;
}

const RESULT: Record<number, string> = { 1: 'Rejected Permanent', 2: 'Rejected Transient' };
const SOURCE: Record<number, string> = {
  1: 'Service User', 2: 'Service Provider (ACSE Related)', 3: 'Service Provider (Presentation Related)',
};
const REASON: Record<number, Record<number, string>> = {
  1: { 1: 'No Reason', 2: 'App Context Name Not Supported', 3: 'Calling AE Title Not Recognized', 7: 'Called AE Title Not Recognized' },
  2: { 1: 'No Reason', 2: 'Protocol Version Not Supported' },
  3: { 1: 'Temporary Congestion', 2: 'Local Limit Exceeded' },
};

export function rejectionLines(err: unknown): string[] {
  const rj = (err as { rj?: { result: number; source: number; reason: number } }).rj;
  if (!rj) return [];
  return [
    `Result: ${RESULT[rj.result] ?? 'UNKNOWN'}, Source: ${SOURCE[rj.source] ?? 'UNKNOWN'}`,
    `Reason: ${REASON[rj.source]?.[rj.reason] ?? 'UNKNOWN'}`,
  ];
}
