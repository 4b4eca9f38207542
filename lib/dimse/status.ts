/** PS3.7 annex C: status values and the class each belongs to. */
export type StatusClass = 'success' | 'pending' | 'cancel' | 'warning' | 'failure';

export const Status = {
  Success: 0x0000,
  Pending: 0xff00,
  PendingWarning: 0xff01,
  Cancel: 0xfe00,
  // C-STORE (PS3.4 B.2.3)
  StoreOutOfResources: 0xa700,
  StoreDataSetDoesNotMatchSopClass: 0xa900,
  StoreCannotUnderstand: 0xc000,
  // C-MOVE (PS3.4 C.4.2.1.5)
  MoveOutOfResourcesNumberOfMatches: 0xa701,
  MoveOutOfResourcesSubOperations: 0xa702,
  MoveDestinationUnknown: 0xa801,
  MoveIdentifierDoesNotMatchSopClass: 0xa900,
  MoveUnableToProcess: 0xc000,
  MoveSubOperationsWithFailures: 0xb000,
  // General (PS3.7 C.5)
  SopClassNotSupported: 0x0122,
  ProcessingFailure: 0x0110,
} as const;

/** The C-STORE status (PS3.4 B.2.3) a store service answers for each reason a sink or stage gives. */
export const STORE_FAILURE_STATUS = {
  'out-of-resources': Status.StoreOutOfResources,
  'cannot-understand': Status.StoreCannotUnderstand,
  'does-not-match': Status.StoreDataSetDoesNotMatchSopClass,
} as const;

/**
 * One row of a status table: every status `s` with `(s & mask) === code` (mask 0xffff: exactly `code`). Tables are
 * read top to bottom and the first row that matches wins, as the if-chains of PS3.7 and DCMTK are.
 */
export interface StatusRule<T> {
  readonly code: number;
  readonly mask: number;
  readonly value: T;
}

export function statusRule<T>(code: number, value: T, mask = 0xffff): StatusRule<T> {
  return { code, mask, value };
}

export function matchStatus<T>(rules: readonly StatusRule<T>[], status: number): T | undefined {
  for (const r of rules) if ((status & r.mask) === r.code) return r.value;
  return undefined;
}

/** PS3.7 C.1: the class of every status value; anything not listed is a failure. */
const STATUS_CLASSES: readonly StatusRule<StatusClass>[] = [
  statusRule(0x0000, 'success'),
  statusRule(0xff00, 'pending'),
  statusRule(0xff01, 'pending'),
  statusRule(0xfe00, 'cancel'),
  statusRule(0x0001, 'warning'),
  statusRule(0x0107, 'warning'),
  statusRule(0x0116, 'warning'),
  statusRule(0xb000, 'warning', 0xf000),
];

export function statusClass(status: number): StatusClass {
  return matchStatus(STATUS_CLASSES, status) ?? 'failure';
}

export function hex4(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** DCMTK's wording of C-MOVE statuses (dcmnet DU_cmoveStatusString), which users grep in movescu's log. */
const MOVE_STATUS_STRINGS: readonly StatusRule<string>[] = [
  statusRule(0x0000, 'Success'),
  statusRule(0xff00, 'Pending'),
  statusRule(0xa701, 'Refused: OutOfResourcesNumberOfMatches'),
  statusRule(0xa702, 'Refused: OutOfResourcesSubOperations'),
  statusRule(0x0122, 'Refused: SOPClassNotSupported'),
  statusRule(0xa801, 'Refused: MoveDestinationUnknown'),
  statusRule(0xa900, 'Error: DataSetDoesNotMatchSOPClass'),
  statusRule(0xfe00, 'Cancel: SubOperationsTerminatedDueToCancelIndication'),
  statusRule(0xb000, 'Warning: SubOperationsCompleteOneOrMoreFailures'),
  statusRule(0xc000, 'Failed: UnableToProcess', 0xf000),
];

export function moveStatusString(status: number): string {
  return matchStatus(MOVE_STATUS_STRINGS, status) ?? `Unknown Status: 0x${status.toString(16)}`;
}

/**
 * How DCMTK's movescu judges a final C-MOVE status (movescu.cc, moveSCU): success and cancel are fine, exactly
 * 0xB000 is a warning (exit 68), anything else is an error (exit 69).
 */
export function moveOutcome(status: number): 'ok' | 'warning' | 'error' {
  if (status === 0x0000 || status === 0xfe00) return 'ok';
  return status === 0xb000 ? 'warning' : 'error';
}
